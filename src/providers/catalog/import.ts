/**
 * Importer for a user's own product file (CSV or JSON).
 *
 * Users build these files by hand or export them from spreadsheets, so the
 * importer is forgiving about spelling (header case, snake_case, "4%", "$19.99",
 * "1,234") but strict about meaning ("12.5abc" is an error, not 12.5). Problems
 * with single rows never reject the whole file: good rows are returned next to a
 * list of row errors phrased so the user can find and fix the cell. Only
 * problems that make the whole file unusable throw CatalogFileError.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { catalogProductSchema, type CatalogProduct } from '../../domain/product.js';
import { CATALOG_LIMITS, catalogFieldProblems, formatBytes } from './limits.js';

/** One problem in one row; `row` is what the user sees (CSV line number, or 1-based JSON index). */
export interface RowError {
  row: number;
  field: string;
  reason: string;
}

export interface ImportResult {
  products: CatalogProduct[];
  errors: RowError[];
}

/** The file as a whole cannot be imported; the message names the problem and the fix. */
export class CatalogFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CatalogFileError';
  }
}

/** Used as RowError.field when the problem is the row itself rather than one cell. */
const WHOLE_ROW = 'row';

type FieldName = keyof typeof catalogProductSchema.shape;

/** How a raw value (always a string in CSV, anything in JSON) is turned into the schema's type. */
type FieldKind = 'text' | 'code' | 'number' | 'price' | 'rate' | 'urls';

const FIELD_KINDS: Record<FieldName, FieldKind> = {
  asin: 'code',
  title: 'text',
  brand: 'text',
  category: 'text',
  price: 'price',
  currency: 'code',
  commissionRate: 'rate',
  rating: 'number',
  reviewCount: 'number',
  salesRank: 'number',
  imageUrls: 'urls',
  detailPageUrl: 'text',
};

const FIELD_NAMES = Object.keys(FIELD_KINDS) as FieldName[];

/**
 * Required = the schema has no default for it. Derived rather than listed so the
 * "missing columns" check cannot drift from the schema.
 */
const REQUIRED_FIELDS = FIELD_NAMES.filter((f) => !catalogProductSchema.shape[f].safeParse(undefined).success);

/** "commission_rate", "Commission Rate", "COMMISSIONRATE" all mean commissionRate. */
const normalizeKey = (key: string) => key.toLowerCase().replace(/[\s_-]/g, '');
const FIELD_BY_KEY = new Map<string, FieldName>(FIELD_NAMES.map((f) => [normalizeKey(f), f]));

const ASIN_PATTERN = /^[A-Z0-9]{10}$/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** Spreadsheets like to export "1,234.50"; only accept correct thousands grouping so "1,5" stays an error. */
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/** Number() accepts "", "0x10", " 12 " and "Infinity"; users mean none of those as a price. */
function parseStrictNumber(text: string): number | undefined {
  const s = text.trim();
  if (PLAIN_NUMBER.test(s)) return Number(s);
  if (GROUPED_NUMBER.test(s)) return Number(s.replace(/,/g, ''));
  return undefined;
}

interface Conversion {
  value: unknown;
  error?: string;
}

/**
 * Converts one raw value. `undefined` means "not given", which lets the schema
 * apply its default or report the field as required.
 */
function convert(kind: FieldKind, raw: unknown): Conversion {
  if (raw === null || raw === undefined) return { value: undefined };
  if (kind === 'urls' && Array.isArray(raw)) {
    return { value: raw.map((u) => (typeof u === 'string' ? u.trim() : u)) };
  }
  // Non-strings (JSON numbers, booleans, objects) go to the schema unchanged so
  // its own type messages apply.
  if (typeof raw !== 'string') return { value: raw };

  const text = raw.trim();
  if (text === '') return { value: undefined };
  switch (kind) {
    case 'text':
      return { value: text };
    case 'code':
      return { value: text.toUpperCase() };
    case 'urls':
      return { value: text.split(/[|\s]+/).filter(Boolean) };
    case 'number':
    case 'price': {
      // A price copied from a product page usually carries the dollar sign.
      const n = parseStrictNumber(kind === 'price' ? text.replace(/^\$\s*/, '') : text);
      return n === undefined ? { value: undefined, error: 'must be a number' } : { value: n };
    }
    case 'rate': {
      const percent = /^(.*?)\s*%$/.exec(text);
      const n = parseStrictNumber(percent ? percent[1] : text);
      if (n === undefined) return { value: undefined, error: 'must be a number or a percentage such as 4%' };
      // toPrecision strips float noise so "4.1%" becomes 0.041, not 0.040999999999999995.
      return { value: percent ? Number((n / 100).toPrecision(12)) : n };
    }
  }
}

/**
 * Validates and dedupes rows, shared by both formats. Each row is a plain object
 * keyed by the user's own column names/keys, which are also used in error
 * messages so the user recognizes them.
 */
class RowCollector {
  readonly products: CatalogProduct[] = [];
  readonly errors: RowError[] = [];
  private readonly firstRowByAsin = new Map<string, number>();

  add(row: number, raw: Record<string, unknown>): void {
    const candidate: Partial<Record<FieldName, unknown>> = {};
    const labels = new Map<FieldName, string>();
    const rowErrors: RowError[] = [];

    for (const [key, rawValue] of Object.entries(raw)) {
      const field = FIELD_BY_KEY.get(normalizeKey(key));
      if (!field) continue; // Extra columns (notes, internal SKUs) are the user's business.
      labels.set(field, key);
      const { value, error } = convert(FIELD_KINDS[field], rawValue);
      if (error) rowErrors.push({ row, field: key, reason: error });
      else candidate[field] = value;
    }
    const label = (field: FieldName) => labels.get(field) ?? field;
    const alreadyReported = new Set(rowErrors.map((e) => e.field));

    const parsed = catalogProductSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [field, ...rest] = issue.path as [FieldName | undefined, ...PropertyKey[]];
        if (field === undefined) {
          rowErrors.push({ row, field: WHOLE_ROW, reason: issue.message });
          continue;
        }
        const name = label(field) + rest.map((p) => `[${String(p)}]`).join('');
        if (alreadyReported.has(name)) continue;
        // Zod reports a missing value as a type error; "is required" is what the user needs to hear.
        const missing = rest.length === 0 && candidate[field] === undefined && issue.code === 'invalid_type';
        rowErrors.push({ row, field: name, reason: missing ? 'is required' : issue.message });
      }
    }

    // Limits beyond the schema (lengths, URL kinds), for fields the schema had no complaint about.
    const reported = new Set(rowErrors.map((e) => e.field));
    for (const problem of catalogFieldProblems(candidate)) {
      const name = label(problem.field) + (problem.index === undefined ? '' : `[${problem.index}]`);
      if (reported.has(name)) continue;
      reported.add(name);
      rowErrors.push({ row, field: name, reason: problem.reason });
    }

    // Checked even when the row has other errors: the user should learn about
    // both problems in one pass instead of fixing one and re-running.
    const asin = candidate.asin;
    if (typeof asin === 'string' && ASIN_PATTERN.test(asin)) {
      const firstRow = this.firstRowByAsin.get(asin);
      if (firstRow === undefined) {
        this.firstRowByAsin.set(asin, row);
      } else {
        rowErrors.push({
          row,
          field: label('asin'),
          reason: `duplicates ASIN ${asin} from row ${firstRow}; each ASIN may appear only once`,
        });
      }
    }

    if (rowErrors.length > 0) this.errors.push(...rowErrors);
    else if (parsed.success) this.products.push(parsed.data);
  }

  rowError(row: number, reason: string): void {
    this.errors.push({ row, field: WHOLE_ROW, reason });
  }

  result(): ImportResult {
    return { products: this.products, errors: this.errors };
  }
}

/** Semicolon CSVs come from spreadsheets in locales that use the decimal comma. */
function detectDelimiter(text: string): string {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/, 1)[0] ?? '';
  const count = (ch: string) => firstLine.split(ch).length - 1;
  const candidates = [',', ';', '\t'];
  return candidates.reduce((best, ch) => (count(ch) > count(best) ? ch : best), ',');
}

const newlineCount = (s: string) => s.match(/\r\n|\n|\r/g)?.length ?? 0;

function parseCsvText(text: string): ImportResult {
  let records: string[][];
  try {
    records = parseCsv(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      // Keeps `12" ruler` as typed instead of failing the whole file on one inch sign.
      relax_quotes: true,
    });
  } catch (err) {
    throw new CatalogFileError(
      `the CSV could not be parsed (${(err as Error).message}). ` +
        'Wrap values that contain commas, quotes or line breaks in double quotes and double any quote inside them ("").',
      { cause: err },
    );
  }

  // Blank lines are kept as records (not skipped by the parser) so that line
  // numbers can be counted exactly: each record spans one line plus any line
  // breaks inside quoted cells.
  let line = 1;
  const numbered = records.map((cells) => {
    const start = line;
    line += 1 + cells.reduce((n, cell) => n + newlineCount(cell), 0);
    return { line: start, cells };
  });
  const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');
  const rows = numbered.filter((r) => !isBlank(r.cells));

  const header = rows.shift();
  if (!header) {
    throw new CatalogFileError(`the CSV file is empty. Add a header row: ${FIELD_NAMES.join(',')}`);
  }
  const columns = header.cells.map((c) => c.trim());

  const byField = new Map<FieldName, string>();
  for (const column of columns) {
    const field = FIELD_BY_KEY.get(normalizeKey(column));
    if (!field) continue;
    const previous = byField.get(field);
    if (previous !== undefined) {
      throw new CatalogFileError(`the CSV header has both "${previous}" and "${column}", which are the same field (${field}). Remove one of the two columns.`);
    }
    byField.set(field, column);
  }
  const missing = REQUIRED_FIELDS.filter((f) => !byField.has(f));
  if (missing.length > 0) {
    throw new CatalogFileError(
      `the CSV header is missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. ` +
        `The first line must name the columns, e.g. ${FIELD_NAMES.join(',')} ` +
        `(found: ${columns.filter(Boolean).join(', ') || 'nothing'}).`,
    );
  }

  const collector = new RowCollector();
  for (const { line: row, cells } of rows) {
    const extra = cells.slice(columns.length).filter((c) => c.trim() !== '');
    if (extra.length > 0) {
      collector.rowError(row, `has ${cells.length} cells but the header has ${columns.length} columns; ` + 'wrap values that contain commas in double quotes');
      continue;
    }
    // Short rows are allowed: spreadsheets often drop trailing empty cells.
    const raw: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      if (column !== '') raw[column] = cells[i] ?? '';
    });
    collector.add(row, raw);
  }
  return collector.result();
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseJsonText(text: string): ImportResult {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CatalogFileError(`the file is not valid JSON (${(err as Error).message}). Fix the syntax or export the file again.`, {
      cause: err,
    });
  }
  if (!Array.isArray(data)) {
    throw new CatalogFileError(
      `the JSON must be an array of products ([{ "asin": ..., ... }, ...]) but it is ${describeJsonType(data)}. ` + 'Wrap the products in [ ].',
    );
  }

  const collector = new RowCollector();
  data.forEach((item: unknown, index) => {
    const row = index + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      collector.rowError(row, `must be an object with product fields but it is ${describeJsonType(item)}`);
      return;
    }
    collector.add(row, item as Record<string, unknown>);
  });
  return collector.result();
}

/** Parses catalog text that is already in memory (e.g. an upload). */
export function parseCatalogText(text: string, format: 'csv' | 'json'): ImportResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > CATALOG_LIMITS.fileBytes) throw new CatalogFileError(tooLargeMessage(size));
  return format === 'csv' ? parseCsvText(text) : parseJsonText(text);
}

/** A file without a telling extension is JSON if it starts like JSON; a CSV header cannot start with [ or {. */
function sniffFormat(text: string): 'csv' | 'json' {
  return /^\uFEFF?\s*[[{]/.test(text) ? 'json' : 'csv';
}

/** Extensions that are plain text but say nothing about the format. */
const SNIFFED_EXTENSIONS = new Set(['', '.txt']);

/** Reads and parses a CSV or JSON product file; whole-file problems throw CatalogFileError naming the file. */
export async function readCatalogFile(path: string): Promise<ImportResult> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.json' && !SNIFFED_EXTENSIONS.has(ext)) {
    throw new CatalogFileError(`${path}: unknown file type "${ext}". Save the products as .csv or .json (spreadsheets: File > Save as / Download > CSV).`);
  }

  let text: string;
  try {
    text = await readLimited(path, CATALOG_LIMITS.fileBytes);
  } catch (err) {
    if (err instanceof CatalogFileError) throw new CatalogFileError(`${path}: ${err.message}`, { cause: err });
    throw new CatalogFileError(`cannot read catalog file ${path}: ${describeReadError(err, 'the .csv or .json file')}.`, { cause: err });
  }

  const format = ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : sniffFormat(text);
  try {
    return parseCatalogText(text, format);
  } catch (err) {
    if (err instanceof CatalogFileError) throw new CatalogFileError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

function tooLargeMessage(size: string | number): string {
  const shown = typeof size === 'number' ? `${formatBytes(size)} (${size} bytes)` : size;
  return `the file is ${shown}, over the ${formatBytes(CATALOG_LIMITS.fileBytes)} limit for a catalog file. Split it into smaller files and import them one at a time.`;
}

/**
 * Reads a text file of at most `maxBytes`: refused from its size before reading,
 * and never more than maxBytes + 1 bytes read (a file that grows meanwhile is refused too).
 */
async function readLimited(path: string, maxBytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) throw new CatalogFileError(tooLargeMessage(size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new CatalogFileError(tooLargeMessage(`more than ${formatBytes(maxBytes)}`));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Why a user's file could not be read, and what to do about it (shared by the file importers). */
export function describeReadError(err: unknown, fileKind: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the file does not exist. Check the path (relative paths start at ${process.cwd()})`;
  if (code === 'EISDIR') return `it is a directory. Pass the path of ${fileKind} inside it`;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied. Make the file readable for this user';
  return (err as Error).message;
}
