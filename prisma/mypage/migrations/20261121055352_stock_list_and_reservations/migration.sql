-- CreateTable
CREATE TABLE "StockItem" (
    "productId" TEXT NOT NULL,
    "title" TEXT,
    "storeId" TEXT,
    "available" INTEGER NOT NULL DEFAULT 0,
    "onHand" INTEGER NOT NULL DEFAULT 0,
    "stockVersion" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockItem_pkey" PRIMARY KEY ("productId")
);

-- CreateTable
CREATE TABLE "ReservationView" (
    "reservationId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "failureReason" TEXT,
    "version" INTEGER NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReservationView_pkey" PRIMARY KEY ("reservationId")
);

-- CreateIndex
CREATE INDEX "StockItem_storeId_idx" ON "StockItem"("storeId");

-- CreateIndex
CREATE INDEX "ReservationView_customerId_requestedAt_idx" ON "ReservationView"("customerId", "requestedAt");
