-- Exactly-once survives a slow first attempt: a compare-and-set lease on each ledger row
-- (src/temporal/activities/publishing.ts), and a mark set just before the platform call.

-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "leaseExpiresAt" TIMESTAMP(3),
ADD COLUMN     "callStartedAt" TIMESTAMP(3);

-- Rows left unconfirmed by the earlier code: it counted the attempt before the call, so an
-- attempted PENDING row may have posted. Mark it, so the next attempt asks the platform first.
UPDATE "Publication" SET "callStartedAt" = "updatedAt" WHERE "status" = 'PENDING' AND "attempts" > 0;
