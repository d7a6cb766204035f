-- CreateTable
CREATE TABLE "ChatThread" (
    "platform" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatThread_pkey" PRIMARY KEY ("platform","dedupeKey")
);

-- CreateTable
CREATE TABLE "ChatUpload" (
    "platform" TEXT NOT NULL,
    "mediaKey" TEXT NOT NULL,
    "fileId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatUpload_pkey" PRIMARY KEY ("platform","mediaKey")
);

-- CreateTable
CREATE TABLE "ChatDelivery" (
    "id" BIGSERIAL NOT NULL,
    "notificationId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastError" TEXT,
    "detail" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsoleReply" (
    "id" BIGSERIAL NOT NULL,
    "visibility" TEXT NOT NULL,
    "command" TEXT,
    "message" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConsoleReply_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChatThread_updatedAt_idx" ON "ChatThread"("updatedAt");

-- CreateIndex
CREATE INDEX "ChatUpload_createdAt_idx" ON "ChatUpload"("createdAt");

-- CreateIndex
CREATE INDEX "ChatDelivery_status_nextAttemptAt_idx" ON "ChatDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "ChatDelivery_platform_lane_status_idx" ON "ChatDelivery"("platform", "lane", "status");

-- CreateIndex
CREATE INDEX "ChatDelivery_notificationId_idx" ON "ChatDelivery"("notificationId");

-- CreateIndex
CREATE INDEX "ConsoleReply_updatedAt_idx" ON "ConsoleReply"("updatedAt");

