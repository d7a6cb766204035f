-- AlterTable
ALTER TABLE "Video" ADD COLUMN     "platformVideos" JSONB;

