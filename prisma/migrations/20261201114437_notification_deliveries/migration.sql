-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "deliveries" JSONB;

