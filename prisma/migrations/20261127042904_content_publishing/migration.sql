-- CreateEnum
CREATE TYPE "NotificationLevel" AS ENUM ('INFO', 'WARNING', 'ERROR');

-- DropIndex
DROP INDEX "Product_status_overallScore_idx";

-- DropIndex
DROP INDEX "Content_productId_language_workflowId_key";

-- AlterTable
ALTER TABLE "Content" ADD COLUMN     "disclosure" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "runId" TEXT;

-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "metadata" JSONB;

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "level" "NotificationLevel" NOT NULL DEFAULT 'INFO',
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "workflowId" TEXT,
    "data" JSONB,
    "dedupeKey" TEXT,
    "count" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Notification_dedupeKey_key" ON "Notification"("dedupeKey");

-- CreateIndex
CREATE INDEX "Notification_createdAt_idx" ON "Notification"("createdAt");

-- CreateIndex
CREATE INDEX "Notification_workflowId_idx" ON "Notification"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "Content_productId_language_workflowId_runId_key" ON "Content"("productId", "language", "workflowId", "runId");

