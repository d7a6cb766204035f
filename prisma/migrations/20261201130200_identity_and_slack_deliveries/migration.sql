-- AlterTable
ALTER TABLE "Approval" ADD COLUMN     "decidedByName" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "actorName" TEXT;

-- CreateTable
CREATE TABLE "SlackDelivery" (
    "key" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "handledAt" TIMESTAMP(3),

    CONSTRAINT "SlackDelivery_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "SlackDelivery_claimedAt_idx" ON "SlackDelivery"("claimedAt");
