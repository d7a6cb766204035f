-- CreateEnum
CREATE TYPE "CostKind" AS ENUM ('VIDEO', 'API_CALL', 'OTHER');

-- CreateTable
CREATE TABLE "EarningsRecord" (
    "id" TEXT NOT NULL,
    "rowHash" TEXT NOT NULL,
    "trackingId" TEXT NOT NULL,
    "asin" TEXT NOT NULL,
    "title" TEXT,
    "date" DATE NOT NULL,
    "itemsShipped" INTEGER NOT NULL DEFAULT 0,
    "itemsReturned" INTEGER NOT NULL DEFAULT 0,
    "revenue" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "earnings" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "sourceFile" TEXT NOT NULL,
    "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EarningsRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CostEntry" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "kind" "CostKind" NOT NULL,
    "productId" TEXT,
    "videoId" TEXT,
    "provider" TEXT,
    "amount" DECIMAL(12,4) NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CostEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OptimizationDecision" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "productId" TEXT,
    "variant" TEXT,
    "reason" TEXT NOT NULL,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OptimizationDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Report" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "periodFrom" TIMESTAMP(3) NOT NULL,
    "periodTo" TIMESTAMP(3) NOT NULL,
    "data" JSONB NOT NULL,
    "markdown" TEXT NOT NULL,
    "chartKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EarningsRecord_rowHash_key" ON "EarningsRecord"("rowHash");

-- CreateIndex
CREATE INDEX "EarningsRecord_asin_date_idx" ON "EarningsRecord"("asin", "date");

-- CreateIndex
CREATE INDEX "EarningsRecord_trackingId_date_idx" ON "EarningsRecord"("trackingId", "date");

-- CreateIndex
CREATE UNIQUE INDEX "CostEntry_key_key" ON "CostEntry"("key");

-- CreateIndex
CREATE INDEX "CostEntry_productId_at_idx" ON "CostEntry"("productId", "at");

-- CreateIndex
CREATE INDEX "CostEntry_at_idx" ON "CostEntry"("at");

-- CreateIndex
CREATE UNIQUE INDEX "OptimizationDecision_key_key" ON "OptimizationDecision"("key");

-- CreateIndex
CREATE INDEX "OptimizationDecision_workflowId_idx" ON "OptimizationDecision"("workflowId");

-- CreateIndex
CREATE INDEX "OptimizationDecision_createdAt_idx" ON "OptimizationDecision"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Report_workflowId_key" ON "Report"("workflowId");

-- CreateIndex
CREATE INDEX "Report_createdAt_idx" ON "Report"("createdAt");

