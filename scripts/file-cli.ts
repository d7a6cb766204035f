// The shared shell of the file-import commands (catalog:import, import:earnings):
// `<file> [--dry-run]` arguments and the row-error listing.
import type { RowError } from '../src/providers/catalog/import.js';

/** Enough to fix a batch of mistakes without scrolling past a whole broken file. */
export const MAX_ERRORS_SHOWN = 50;

export interface FileCliArgs {
  file: string;
  dryRun: boolean;
}

/** Parses `<file> [--dry-run]`; a string is the problem to print with the usage line. */
export function parseFileArgs(argv: string[]): FileCliArgs | string {
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

/** "N errors:" and one `row N, field F: reason` line each, at most MAX_ERRORS_SHOWN. */
export function rowErrorLines(errors: RowError[]): string[] {
  if (errors.length === 0) return [];
  const lines = [`${errors.length} error${errors.length === 1 ? '' : 's'}:`];
  for (const e of errors.slice(0, MAX_ERRORS_SHOWN)) lines.push(`  row ${e.row}, field ${e.field}: ${e.reason}`);
  if (errors.length > MAX_ERRORS_SHOWN) lines.push(`  ... and ${errors.length - MAX_ERRORS_SHOWN} more`);
  return lines;
}
