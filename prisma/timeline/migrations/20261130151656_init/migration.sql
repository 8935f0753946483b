-- CreateTable
CREATE TABLE "TimelineEntry" (
    "eventId" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "causationId" TEXT,
    "context" TEXT NOT NULL,
    "stream" TEXT NOT NULL,
    "streamSequence" BIGINT,
    "eventType" TEXT NOT NULL,
    "eventVersion" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "status" TEXT,
    "channel" TEXT,
    "amount" INTEGER,
    "points" INTEGER,
    "reason" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TimelineEntry_pkey" PRIMARY KEY ("eventId")
);

-- CreateTable
CREATE TABLE "TimelineCase" (
    "caseId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "storeId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TimelineCase_pkey" PRIMARY KEY ("caseId")
);

-- CreateIndex
CREATE INDEX "TimelineEntry_caseId_idx" ON "TimelineEntry"("caseId");

-- CreateIndex
CREATE INDEX "TimelineEntry_causationId_idx" ON "TimelineEntry"("causationId");

-- platform tables: outbox, processed events, dead letters
CREATE TABLE "OutboxEvent" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "stream" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "correlationId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "streamSeq" BIGINT,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "OutboxEvent_seq_key" ON "OutboxEvent"("seq");
CREATE INDEX "OutboxEvent_sentAt_nextAttemptAt_idx" ON "OutboxEvent"("sentAt", "nextAttemptAt");

CREATE TABLE "ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

CREATE TABLE "DeadLetter" (
    "id" TEXT NOT NULL,
    "consumer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "eventId" TEXT,
    "payload" TEXT NOT NULL,
    "error" TEXT NOT NULL,
    "deliveries" INTEGER NOT NULL,
    "streamSeq" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayedAt" TIMESTAMP(3),

    CONSTRAINT "DeadLetter_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "DeadLetter_consumer_idx" ON "DeadLetter"("consumer");
