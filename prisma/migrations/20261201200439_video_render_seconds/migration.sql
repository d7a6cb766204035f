-- AlterTable
ALTER TABLE "Video" ADD COLUMN     "renderSeconds" DOUBLE PRECISION;

