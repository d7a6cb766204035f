-- AlterTable
ALTER TABLE "Content" ADD COLUMN     "completionTokens" INTEGER,
ADD COLUMN     "model" TEXT,
ADD COLUMN     "promptTokens" INTEGER,
ADD COLUMN     "promptVersion" TEXT,
ADD COLUMN     "writer" TEXT NOT NULL DEFAULT 'template',
ADD COLUMN     "writerNote" TEXT;

