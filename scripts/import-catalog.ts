/**
 * npm run catalog:import -- <file> [--dry-run]
 *
 * Validates a user's product file (CSV or JSON) and prints what would be
 * imported. Exit codes: 0 all rows valid, 1 some rows invalid, 2 the file itself
 * is unusable or the command was called wrongly.
 *
 * For now every run is a dry run; --dry-run is accepted so scripts written
 * today keep working once writing to the database is added.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CatalogProduct } from '../src/domain/product.js';
import { CatalogFileError, readCatalogFile, type RowError } from '../src/providers/catalog/import.js';

const USAGE = 'usage: npm run catalog:import -- <file.csv|file.json> [--dry-run]';
/** Enough to fix a batch of mistakes without scrolling past a whole broken file. */
const MAX_ERRORS_SHOWN = 50;

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
  if (report.errors.length > 0) {
    lines.push(`${report.errors.length} error${report.errors.length === 1 ? '' : 's'}:`);
    for (const e of report.errors.slice(0, MAX_ERRORS_SHOWN)) lines.push(`  row ${e.row}, field ${e.field}: ${e.reason}`);
    if (report.errors.length > MAX_ERRORS_SHOWN) lines.push(`  ... and ${report.errors.length - MAX_ERRORS_SHOWN} more`);
  }
  return lines;
}

interface CliArgs {
  file: string;
  dryRun: boolean;
}

function parseArgs(argv: string[]): CliArgs | string {
  const files: string[] = [];
  let dryRun = false;
  for (const arg of argv) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length === 0) return 'missing <file>';
  if (files.length > 1) return `expected one file, got ${files.length}`;
  return { file: files[0], dryRun };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  try {
    // npm runs scripts from the package root; resolve against the directory the user typed the command in.
    const report = await validateCatalogFile(resolve(process.env.INIT_CWD ?? process.cwd(), args.file));
    // The report is this command's output (not a diagnostic), so it goes to stdout either way.
    console.log([...formatReport(report), 'dry run: nothing was written'].join('\n'));
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
  process.exitCode = await main(process.argv.slice(2));
}
