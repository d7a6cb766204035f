-- Ranking rewrites every active product's scores daily and the catalog sync rewrites every
-- synced row: with pages packed full, each new row version lands on another page and every
-- index (id, asin, category) gets a new entry. Half-empty pages let PostgreSQL keep the new
-- version on the same page as a heap-only tuple (HOT): no index writes, and the dead version
-- is pruned in place. Prisma's schema cannot express a storage parameter, so it lives here;
-- it applies to pages written from now on (an existing table converges as rows are rewritten).
ALTER TABLE "Product" SET (fillfactor = 50);
