/**
 * Parser and importer for the Amazon Associates earnings report (the
 * downloadable "Fee-Earnings" report, CSV or TSV).
 *
 * The file as Amazon writes it:
 *
 *   Fee-Earnings reports from 11-01-2026 to 11-30-2026
 *   Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group
 *   Electronics,Voltix Charger,B0TESTAAA1,Amazon.com,affiliateempire-20,2026-11-03 14:22:10,24.99,1,0,24.99,1.00,DESKTOP
 *
 * - Lines before the header (the title line) are skipped; the header is the first
 *   line that names at least two known columns. Comma or tab separated.
 * - Column names are matched case-insensitively, ignoring spaces, punctuation and
 *   "($)": "Tracking ID", "tracking_id" and "TRACKINGID" are the same column.
 *   Required: ASIN, Tracking ID, Date Shipped, Items Shipped, Revenue, Ad Fees.
 *   Optional: Returns (default 0), Name. Other columns (Category, Seller, Price,
 *   Device Type Group, …) are ignored.
 * - Dates: 2026-11-03, 2026-11-03 14:22:10 (the time is dropped: the date is kept
 *   as Amazon wrote it, no time-zone shift), 11/03/2026 and 11-03-2026 (US order,
 *   month first, as Amazon.com writes them).
 * - Money: 12.34, $1,234.56, -1.20, (1.20) (accounting negative, used for returns).
 *   Stored in cents; a third decimal is rounded half away from zero.
 * - `earnings` is the Ad Fees column (our commission); `revenue` is the Revenue
 *   column (what the customer paid for the item).
 *
 * Like the catalog importer, problems with single rows never reject the file:
 * good rows are returned next to row errors {row, field, reason}, where `row` is
 * the line number a user sees in a text editor (the title line is line 1) and
 * `field` is the column name as written in the file's header. Only problems that
 * make the whole file unusable throw EarningsFileError.
 *
 * Idempotency: each row gets rowHash = sha256 of
 *   trackingId | asin | date | itemsShipped | itemsReturned | revenue | earnings | occurrence
 * where `occurrence` numbers the rows of the same file that are identical in all
 * the other parts (0, 1, 2, …). Re-importing the same file (or an overlapping report
 * that contains the same days) inserts nothing; two genuinely identical lines in
 * one file (two separate orders of the same item on the same day) are both kept.
 */
import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Db } from '../db.js';
import type { RowError } from '../providers/catalog/import.js';

export type { RowError };

/** One valid report row. Money is exact to the cent. */
export interface EarningsRow {
  /** The line number of the row in the file. */
  row: number;
  trackingId: string;
  asin: string;
  title: string | null;
  /** YYYY-MM-DD, the shipping date as written in the report. */
  date: string;
  itemsShipped: number;
  itemsReturned: number;
  /** The Revenue column: the sale amount, in dollars (negative for returns). */
  revenue: number;
  /** The Ad Fees column: our commission, in dollars (negative for returns). */
  earnings: number;
  rowHash: string;
}

export interface EarningsReport {
  rows: EarningsRow[];
  errors: RowError[];
  /** The period named by the title line ("… from 11-01-2026 to 11-30-2026"), when there is one. */
  period: { from: string; to: string } | null;
}

export interface EarningsImportResult {
  /** Rows inserted by this import. */
  imported: number;
  /** Valid rows that were already in the database (an earlier import of the same rows). */
  duplicates: number;
  errors: RowError[];
}

/** The file as a whole cannot be imported; the message names the problem and the fix. */
export class EarningsFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EarningsFileError';
  }
}

type Field = 'asin' | 'trackingId' | 'date' | 'itemsShipped' | 'itemsReturned' | 'revenue' | 'earnings' | 'title';

/** The names Amazon uses first, then the variants people type. Keys are normalized (see normalizeKey). */
const ALIASES: Record<Field, string[]> = {
  asin: ['asin'],
  trackingId: ['trackingid', 'tag', 'trackingtag', 'associatetag', 'associatesid'],
  date: ['dateshipped', 'shippeddate', 'shipdate', 'date'],
  itemsShipped: ['itemsshipped', 'shippeditems', 'items', 'shipped', 'quantity', 'qty'],
  itemsReturned: ['returns', 'itemsreturned', 'returneditems', 'returned'],
  revenue: ['revenue', 'revenueusd', 'shippedrevenue', 'sales', 'salesamount'],
  earnings: ['adfees', 'adfeesusd', 'advertisingfees', 'advertisingfeesusd', 'earnings', 'fees', 'commission', 'commissions'],
  title: ['name', 'title', 'productname', 'itemname', 'product'],
};

/** The spelling shown in messages: Amazon's own. */
const DISPLAY: Record<Field, string> = {
  asin: 'ASIN',
  trackingId: 'Tracking ID',
  date: 'Date Shipped',
  itemsShipped: 'Items Shipped',
  itemsReturned: 'Returns',
  revenue: 'Revenue($)',
  earnings: 'Ad Fees($)',
  title: 'Name',
};

const REQUIRED: Field[] = ['asin', 'trackingId', 'date', 'itemsShipped', 'revenue', 'earnings'];
const AMAZON_HEADER = 'Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group';

/** "Ad Fees($)", "ad_fees", "AD FEES" → "adfees"; "Revenue (USD)" → "revenueusd". */
const normalizeKey = (key: string) =>
  key
    .toLowerCase()
    .replace(/\(\$\)|\$/g, '')
    .replace(/[^a-z0-9]/g, '');
const FIELD_BY_KEY = new Map<string, Field>((Object.entries(ALIASES) as [Field, string[]][]).flatMap(([field, keys]) => keys.map((k) => [k, field] as const)));

/** How many lines may precede the header (title, report notes) before we give up looking for it. */
const MAX_PREAMBLE_RECORDS = 10;
const ASIN_PATTERN = /^[A-Z0-9]{10}$/;
const MAX_TRACKING_ID = 128;
const MAX_TITLE = 1000;
/** Decimal(12,2): at most 10 digits before the point. */
const MAX_ABS_CENTS = 10n ** 12n - 1n;

// ---------------------------------------------------------------------------
// Cell parsers: each returns the value, or a reason phrased for "row N, field F: <reason>".
// ---------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

const DATE_HINT = 'must be a date such as 2026-11-03, 2026-11-03 14:22:10 or 11/03/2026';
const TIME = String.raw`(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))?)?`;
const ISO_DATE = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}$`, 'i');
const US_DATE = new RegExp(String.raw`^(\d{1,2})[/-](\d{1,2})[/-](\d{4})${TIME}$`, 'i');

/** Parses a report date into YYYY-MM-DD (the calendar date as written; the time is dropped). */
export function parseReportDate(text: string): Parsed<string> {
  const s = text.trim();
  let y: number, m: number, d: number, time: (string | undefined)[];
  let usOrder = false;
  let match = ISO_DATE.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    time = match.slice(4, 7);
  } else if ((match = US_DATE.exec(s))) {
    [m, d, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    time = match.slice(4, 7);
    usOrder = true;
  } else {
    return fail(DATE_HINT);
  }
  const [hh, mm, ss] = time.map((t) => (t === undefined ? 0 : Number(t)));
  if (hh > 23 || mm > 59 || ss > 59) return fail(`has an impossible time of day; ${DATE_HINT}`);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1990 || y > 2200 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return fail(usOrder ? 'is not a real calendar date (the month comes first: MM/DD/YYYY)' : 'is not a real calendar date (YYYY-MM-DD)');
  }
  return ok(date.toISOString().slice(0, 10));
}

const WHOLE = /^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0*)?$/;

/** A count of items: a whole number, not negative. */
function parseCount(text: string): Parsed<number> {
  const s = text.trim();
  if (!WHOLE.test(s)) {
    return /^[+-]?[\d,]*\.\d+$/.test(s) ? fail('must be a whole number of items') : fail('must be a whole number');
  }
  const n = Number(s.replace(/,/g, '').replace(/\.0*$/, ''));
  if (n < 0) return fail('must not be negative');
  if (n > 2_147_483_647) return fail('is too large');
  return ok(n === 0 ? 0 : n); // no -0
}

const MONEY_HINT = 'must be an amount such as 12.34, $1,234.56, -1.20 or (1.20)';
const MONEY = /^([+-])?\s*\$?\s*([+-])?\s*(\d+|\d{1,3}(?:,\d{3})+)?(?:\.(\d*))?$/;

/** Parses an amount into integer cents, exactly (no floating point on the way). */
export function parseMoneyCents(text: string): Parsed<bigint> {
  let s = text.trim();
  let negative = false;
  const paren = /^\((.*)\)$/.exec(s);
  if (paren) {
    negative = true;
    s = paren[1].trim();
  }
  const m = MONEY.exec(s);
  if (!m || (m[3] === undefined && !m[4]) || (m[1] && m[2]) || (paren && (m[1] || m[2]))) return fail(MONEY_HINT);
  if ((m[1] ?? m[2]) === '-') negative = !negative;
  const whole = BigInt((m[3] ?? '0').replace(/,/g, ''));
  const frac = (m[4] ?? '').padEnd(3, '0');
  let cents = whole * 100n + BigInt(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1n; // half away from zero (the sign is applied after)
  if (cents > MAX_ABS_CENTS) return fail('is too large (at most 9,999,999,999.99)');
  return ok(negative ? -cents : cents);
}

/** Integer cents as a decimal string: -120n → "-1.20". */
function centsToString(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------

/** Tab when the header-ish lines are tab separated (Amazon's TSV download), else comma. */
function detectDelimiter(text: string): ',' | '\t' {
  const lines = text.split(/\r\n|\n|\r/, MAX_PREAMBLE_RECORDS + 2);
  const most = (ch: string) => Math.max(0, ...lines.map((l) => l.split(ch).length - 1));
  return most('\t') > most(',') ? '\t' : ',';
}

const newlineCount = (s: string) => s.match(/\r\n|\n|\r/g)?.length ?? 0;
const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');

/** "Fee-Earnings reports from 11-01-2026 to 11-30-2026" → {from: 2026-11-01, to: 2026-11-30}. */
function parseTitlePeriod(line: string): { from: string; to: string } | null {
  const m = /from\s+(\S+)\s+to\s+(\S+)/i.exec(line);
  if (!m) return null;
  const from = parseReportDate(m[1]);
  const to = parseReportDate(m[2]);
  return from.ok && to.ok ? { from: from.value, to: to.value } : null;
}

interface Column {
  field: Field;
  index: number;
  label: string;
}

function locateHeader(rows: { line: number; cells: string[] }[]): number {
  const known = (cells: string[]) => new Set(cells.map((c) => FIELD_BY_KEY.get(normalizeKey(c))).filter(Boolean)).size;
  const limit = Math.min(rows.length, MAX_PREAMBLE_RECORDS);
  for (let i = 0; i < limit; i++) if (known(rows[i].cells) >= 2) return i;
  return -1;
}

/**
 * Parses the report text (a BOM and CRLF line ends are fine). Never touches the
 * database. Throws EarningsFileError when the file has no usable header.
 */
export function parseEarningsReport(text: string): EarningsReport {
  let records: string[][];
  try {
    records = parseCsv(text, {
      bom: true,
      delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')),
      relax_column_count: true,
      // Product names carry inch signs (`24" monitor`); keep them as typed.
      relax_quotes: true,
    });
  } catch (err) {
    throw new EarningsFileError(
      `the report could not be parsed (${(err as Error).message}). ` +
        'Download it again from Associates Central (Reports > Download reports > Earnings, CSV or TSV), or, if you edited it, ' +
        'wrap values that contain commas or quotes in double quotes and double any quote inside them ("").',
      { cause: err },
    );
  }

  // Blank lines stay records so line numbers are exact: each record spans one
  // line plus the line breaks inside its quoted cells.
  let line = 1;
  const numbered = records.map((cells) => {
    const start = line;
    line += 1 + cells.reduce((n, cell) => n + newlineCount(cell), 0);
    return { line: start, cells };
  });
  const rows = numbered.filter((r) => !isBlank(r.cells));
  if (rows.length === 0) throw new EarningsFileError(`the report is empty. Its header should look like: ${AMAZON_HEADER}`);

  const headerIndex = locateHeader(rows);
  if (headerIndex < 0) {
    throw new EarningsFileError(
      `no header line found in the first ${MAX_PREAMBLE_RECORDS} lines. The report needs a line naming the columns, such as ${AMAZON_HEADER} ` +
        `(found first: "${rows[0].cells.join(', ').slice(0, 120)}").`,
    );
  }
  const preamble = rows.slice(0, headerIndex);
  const header = rows[headerIndex];
  const period = preamble.map((r) => parseTitlePeriod(r.cells.join(','))).find((p) => p !== null) ?? null;

  const columns: Column[] = [];
  header.cells.forEach((cell, index) => {
    const label = cell.trim();
    const field = FIELD_BY_KEY.get(normalizeKey(label));
    if (!field) return;
    const previous = columns.find((c) => c.field === field);
    if (previous) {
      throw new EarningsFileError(
        `line ${header.line}: the header has both "${previous.label}" and "${label}", which mean the same column (${DISPLAY[field]}). Remove one of the two.`,
      );
    }
    columns.push({ field, index, label });
  });
  const missing = REQUIRED.filter((f) => !columns.some((c) => c.field === f));
  if (missing.length > 0) {
    throw new EarningsFileError(
      `line ${header.line}: the header is missing required column${missing.length > 1 ? 's' : ''} ${missing.map((f) => DISPLAY[f]).join(', ')}. ` +
        `Amazon's report header is ${AMAZON_HEADER} (found: ${header.cells
          .map((c) => c.trim())
          .filter(Boolean)
          .join(', ')}).`,
    );
  }

  const errors: RowError[] = [];
  const valid: Omit<EarningsRow, 'rowHash'>[] = [];
  const hashKeys: string[] = [];
  for (const { line: row, cells } of rows.slice(headerIndex + 1)) {
    if (cells.length > header.cells.length && cells.slice(header.cells.length).some((c) => c.trim() !== '')) {
      errors.push({
        row,
        field: 'row',
        reason: `has ${cells.length} cells but the header has ${header.cells.length} columns; ` + 'wrap values that contain the separator in double quotes',
      });
      continue;
    }
    const rowErrors: RowError[] = [];
    const cell = (field: Field) => {
      const col = columns.find((c) => c.field === field);
      return col ? { label: col.label, text: (cells[col.index] ?? '').trim() } : undefined;
    };
    /** Runs `parse` on a cell; a required cell that is empty is "is required", an optional one gets `fallback`. */
    const take = <T>(field: Field, parse: (s: string) => Parsed<T>, fallback?: T): T | undefined => {
      const c = cell(field);
      if (!c || c.text === '') {
        if (fallback === undefined) rowErrors.push({ row, field: c?.label ?? DISPLAY[field], reason: 'is required' });
        return fallback;
      }
      const r = parse(c.text);
      if (!r.ok) {
        rowErrors.push({ row, field: c.label, reason: r.reason });
        return undefined;
      }
      return r.value;
    };

    const asin = take<string>('asin', (s) => {
      const v = s.toUpperCase();
      return ASIN_PATTERN.test(v) ? ok(v) : fail('must be a 10-character ASIN such as B08N5WRWNW');
    });
    const trackingId = take<string>('trackingId', (s) =>
      /\s/.test(s) ? fail('must not contain spaces') : s.length > MAX_TRACKING_ID ? fail(`must be at most ${MAX_TRACKING_ID} characters`) : ok(s),
    );
    const date = take('date', parseReportDate);
    const itemsShipped = take('itemsShipped', parseCount);
    const itemsReturned = take('itemsReturned', parseCount, 0);
    const revenue = take('revenue', parseMoneyCents);
    const earnings = take('earnings', parseMoneyCents);
    const titleText = cell('title')?.text;

    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    const r = {
      row,
      trackingId: trackingId!,
      asin: asin!,
      title: titleText ? titleText.slice(0, MAX_TITLE) : null,
      date: date!,
      itemsShipped: itemsShipped!,
      itemsReturned: itemsReturned!,
      revenue: Number(centsToString(revenue!)),
      earnings: Number(centsToString(earnings!)),
    };
    valid.push(r);
    hashKeys.push([r.trackingId, r.asin, r.date, r.itemsShipped, r.itemsReturned, centsToString(revenue!), centsToString(earnings!)].join('|'));
  }

  const occurrences = new Map<string, number>();
  const out: EarningsRow[] = valid.map((r, i) => {
    const key = hashKeys[i];
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    return { ...r, rowHash: createHash('sha256').update(`${key}|${occurrence}`).digest('hex') };
  });
  return { rows: out, errors, period };
}

/** Rows per INSERT statement (one JSON parameter each). */
const INSERT_BATCH = 5000;

/**
 * Inserts parsed rows; rows whose rowHash is already stored are left as they are
 * (their first import's sourceFile stays) and counted as duplicates.
 */
export async function insertEarningsRows(db: Db, rows: EarningsRow[], sourceFile: string): Promise<{ imported: number; duplicates: number }> {
  let imported = 0;
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const batch = rows
      .slice(i, i + INSERT_BATCH)
      .map((r) => [r.rowHash, r.trackingId, r.asin, r.title, r.date, r.itemsShipped, r.itemsReturned, r.revenue.toFixed(2), r.earnings.toFixed(2)]);
    // One JSON text parameter: through Prisma's driver adapter this is much cheaper than nine large arrays.
    imported += await db.$executeRawUnsafe(
      `INSERT INTO "EarningsRecord" (id, "rowHash", "trackingId", asin, title, date, "itemsShipped", "itemsReturned", revenue, earnings, "sourceFile")
       SELECT gen_random_uuid()::text, r->>0, r->>1, r->>2, r->>3, (r->>4)::date, (r->>5)::int, (r->>6)::int, (r->>7)::numeric, (r->>8)::numeric, $2
       FROM json_array_elements($1::json) AS r
       ON CONFLICT ("rowHash") DO NOTHING`,
      JSON.stringify(batch),
      sourceFile,
    );
  }
  return { imported, duplicates: rows.length - imported };
}

/** Parses the report and inserts its good rows. Throws EarningsFileError when the file itself is unusable. */
export async function importEarnings(db: Db, text: string, sourceFile: string): Promise<EarningsImportResult> {
  const { rows, errors } = parseEarningsReport(text);
  const { imported, duplicates } = await insertEarningsRows(db, rows, sourceFile);
  return { imported, duplicates, errors };
}
