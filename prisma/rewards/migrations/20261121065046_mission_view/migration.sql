-- CreateTable
CREATE TABLE "MissionView" (
    "missionId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "kind" "MissionKind" NOT NULL,
    "status" "MissionStatus" NOT NULL,
    "progress" INTEGER NOT NULL,
    "target" INTEGER NOT NULL,
    "rewardId" TEXT,
    "messageId" TEXT,
    "messageStatus" "MessageStatus" NOT NULL,
    "version" INTEGER NOT NULL,
    "completedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MissionView_pkey" PRIMARY KEY ("missionId")
);

-- CreateIndex
CREATE INDEX "MissionView_customerId_idx" ON "MissionView"("customerId");
