-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "uploadState" JSONB;

-- CreateTable
CREATE TABLE "PlatformHold" (
    "platform" "Platform" NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlatformHold_pkey" PRIMARY KEY ("platform")
);

-- CreateTable
CREATE TABLE "OAuthToken" (
    "platform" "Platform" NOT NULL,
    "refreshToken" TEXT,
    "accessToken" TEXT,
    "accessExpiresAt" TIMESTAMP(3),
    "scope" TEXT,
    "account" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthToken_pkey" PRIMARY KEY ("platform")
);

