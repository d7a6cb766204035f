-- Clicks cannot be inflated cheaply: at most one counted click per (link, client, day),
-- bursts flagged, bots flagged (see src/api/routes/redirect.ts).

-- AlterTable
ALTER TABLE "ClickEvent" ADD COLUMN     "counted" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "flag" TEXT;

-- CreateTable
CREATE TABLE "ClickCount" (
    "code" TEXT NOT NULL,
    "ipHash" TEXT NOT NULL,
    "day" DATE NOT NULL,

    CONSTRAINT "ClickCount_pkey" PRIMARY KEY ("code","ipHash","day")
);

-- CreateIndex
CREATE INDEX "ClickEvent_code_clickedAt_idx" ON "ClickEvent"("code", "clickedAt");

-- CreateIndex
CREATE INDEX "ClickEvent_ipHash_clickedAt_idx" ON "ClickEvent"("ipHash", "clickedAt");

-- Existing clicks, judged by the same rules (bursts cannot be told apart afterwards):
-- bots never count. Of the other clicks on one link (any platform suffix) from one client
-- hash on one UTC day, only the first counts. ClickCount remembers the counted ones, so a
-- click later today is not counted a second time.
-- (No semicolons in these comments: the migration runner splits statements on them.)
UPDATE "ClickEvent" SET "counted" = false, "flag" = 'bot' WHERE "isBot";

UPDATE "ClickEvent" c SET "counted" = false, "flag" = 'repeat'
FROM (
  SELECT id, row_number() OVER (PARTITION BY left(code, 8), "ipHash", "clickedAt"::date ORDER BY "clickedAt", id) AS n
  FROM "ClickEvent"
  WHERE NOT "isBot" AND "ipHash" IS NOT NULL
) r
WHERE c.id = r.id AND r.n > 1;

INSERT INTO "ClickCount" ("code", "ipHash", "day")
SELECT DISTINCT left(code, 8), "ipHash", "clickedAt"::date
FROM "ClickEvent"
WHERE "counted" AND "ipHash" IS NOT NULL
ON CONFLICT DO NOTHING;
