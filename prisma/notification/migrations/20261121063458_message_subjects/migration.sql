-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Message" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "subjectKind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "subjectVersion" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "deliveryStatus" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME,
    "eventId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "sentAt" DATETIME
);
-- Hand-edited (the engine's diff drops data on a rename): every existing message is about an
-- order, so orderId/orderVersion become the subject id/version of an ORDER message.
INSERT INTO "new_Message" ("attempts", "channel", "createdAt", "customerId", "deliveryStatus", "eventId", "id", "lastError", "nextAttemptAt", "sentAt", "status", "text", "updatedAt", "subjectKind", "subjectId", "subjectVersion") SELECT "attempts", "channel", "createdAt", "customerId", "deliveryStatus", "eventId", "id", "lastError", "nextAttemptAt", "sentAt", "status", "text", "updatedAt", 'ORDER', "orderId", "orderVersion" FROM "Message";
DROP TABLE "Message";
ALTER TABLE "new_Message" RENAME TO "Message";
CREATE INDEX "Message_customerId_createdAt_idx" ON "Message"("customerId", "createdAt");
CREATE INDEX "Message_channel_nextAttemptAt_idx" ON "Message"("channel", "nextAttemptAt");
CREATE UNIQUE INDEX "Message_subjectKind_subjectId_subjectVersion_channel_key" ON "Message"("subjectKind", "subjectId", "subjectVersion", "channel");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
