import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarningsFileError, parseEarningsReport, parseMoneyCents, parseReportDate } from '../../src/analytics/earnings-import.js';
import { formatReport, main, validateEarningsFile } from '../../scripts/import-earnings.js';

const fixturePath = fileURLToPath(new URL('../fixtures/earnings/fee-earnings-2026-11.csv', import.meta.url));
const fixture = readFileSync(fixturePath, 'utf8');

const TITLE = 'Fee-Earnings reports from 11-01-2026 to 11-30-2026';
const HEADER = 'Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price($),Items Shipped,Returns,Revenue($),Ad Fees($),Device Type Group';
const GOOD = 'Electronics,Voltix Charger,B0TESTAAA1,Amazon.com,affiliateempire-20,2026-11-03 14:22:10,24.99,1,0,24.99,1.00,DESKTOP';

async function tempFile(name: string, content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'earnings-test-')), name);
  await writeFile(path, content);
  return path;
}

describe('parseEarningsReport on a real-shaped Amazon Fee-Earnings report (BOM, CRLF, title line)', () => {
  const report = parseEarningsReport(fixture);

  it('starts with a BOM and uses CRLF, like the download', () => {
    expect(fixture.charCodeAt(0)).toBe(0xfeff);
    expect(fixture).toContain('\r\n');
  });

  it('reads the period from the title line', () => {
    expect(report.period).toEqual({ from: '2026-11-01', to: '2026-11-30' });
  });

  it('keeps the good rows with their file line numbers and exact values', () => {
    expect(report.rows.map((r) => r.row)).toEqual([3, 4, 5, 6, 7, 13, 15]);
    const [first, fryer, second, ret, otherTag, monitor, adjustment] = report.rows;
    expect(first).toMatchObject({
      trackingId: 'affiliateempire-20',
      asin: 'B0TESTAAA1',
      title: 'Voltix Portable Charger, 10000mAh',
      date: '2026-11-03', // the time of day is dropped, no time-zone shift
      itemsShipped: 1,
      itemsReturned: 0,
      revenue: 24.99,
      earnings: 1,
    });
    // US date, dollar sign and thousands separator
    expect(fryer).toMatchObject({ asin: 'B0TESTAAA2', date: '2026-11-05', revenue: 1299, earnings: 58.46 });
    // accounting negatives for a return
    expect(ret).toMatchObject({ date: '2026-11-10', itemsShipped: 0, itemsReturned: 1, revenue: -24.99, earnings: -1 });
    // the parser keeps every tracking id; analytics chooses which are ours
    expect(otherTag).toMatchObject({ trackingId: 'someoneelse-21', itemsShipped: 2, revenue: 39.98, earnings: 1.2 });
    // an inch sign inside an unquoted name
    expect(monitor).toMatchObject({ asin: 'B0NOTINCAT', title: 'Lumora 24" Monitor', earnings: 4.5 });
    expect(adjustment).toMatchObject({ revenue: -25, earnings: -1.2 });
    // the second, genuinely identical order is a row of its own with its own hash
    expect({ ...second, row: 0, rowHash: '' }).toEqual({ ...first, row: 0, rowHash: '' });
    expect(second.rowHash).not.toBe(first.rowHash);
    expect(new Set(report.rows.map((r) => r.rowHash)).size).toBe(report.rows.length);
  });

  it('reports each bad row with its line number, the column as named in the header, and the reason', () => {
    expect(report.errors).toEqual([
      { row: 8, field: 'Date Shipped', reason: 'is not a real calendar date (YYYY-MM-DD)' },
      { row: 9, field: 'Ad Fees($)', reason: 'must be an amount such as 12.34, $1,234.56, -1.20 or (1.20)' },
      { row: 10, field: 'ASIN', reason: 'is required' },
      { row: 11, field: 'Items Shipped', reason: 'must not be negative' },
      { row: 14, field: 'Date Shipped', reason: 'must be a date such as 2026-11-03, 2026-11-03 14:22:10 or 11/03/2026' },
      { row: 14, field: 'Revenue($)', reason: 'must be an amount such as 12.34, $1,234.56, -1.20 or (1.20)' },
    ]);
  });

  it('gives the same hashes every time (re-import is idempotent), whatever the line ends or BOM', () => {
    const again = parseEarningsReport(fixture.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n'));
    expect(again.rows.map((r) => r.rowHash)).toEqual(report.rows.map((r) => r.rowHash));
    expect(again.errors).toEqual(report.errors);
  });

  it('hashes depend on the occurrence, not on the position in the file', () => {
    // The same rows with unrelated lines around them (e.g. a longer report covering the same days).
    const lines = fixture.replace(/^\uFEFF/, '').split('\r\n');
    const shuffled = [lines[0], lines[1], 'Toys,Puzzle,B0TESTAAA9,Amazon.com,affiliateempire-20,2026-11-02,9.99,1,0,9.99,0.30,PHONE', ...lines.slice(2)].join(
      '\n',
    );
    const again = parseEarningsReport(shuffled);
    const hashes = new Set(again.rows.map((r) => r.rowHash));
    for (const r of report.rows) expect(hashes.has(r.rowHash)).toBe(true);
  });
});

describe('parseEarningsReport: formats and variants', () => {
  it('reads a tab-separated report', () => {
    const tsv = [TITLE, HEADER.replace(/,/g, '\t'), GOOD.replace(/,/g, '\t')].join('\n');
    const r = parseEarningsReport(tsv);
    expect(r.errors).toEqual([]);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ row: 3, asin: 'B0TESTAAA1', earnings: 1 });
  });

  it('keeps commas inside names of a tab-separated report', () => {
    const tsv = [
      HEADER.replace(/,/g, '\t'),
      'Electronics\tCharger, 10000mAh, Black\tB0TESTAAA1\tAmazon.com\ttag-20\t2026-11-03\t24.99\t1\t0\t24.99\t1.00\tPHONE',
    ].join('\n');
    expect(parseEarningsReport(tsv).rows[0]).toMatchObject({ row: 2, title: 'Charger, 10000mAh, Black' });
  });

  it('accepts simple header spellings in any case, without a title line, and Returns may be missing', () => {
    const csv = ['asin,TRACKING_ID,date,items_shipped,revenue,ad fees', 'b0testaaa1,tag-20,2026-11-03,2,"1,234.50",$3.10'].join('\n');
    const r = parseEarningsReport(csv);
    expect(r.period).toBeNull();
    expect(r.errors).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      row: 2,
      asin: 'B0TESTAAA1',
      trackingId: 'tag-20',
      itemsShipped: 2,
      itemsReturned: 0,
      revenue: 1234.5,
      earnings: 3.1,
      title: null,
    });
  });

  it('counts lines inside quoted cells and blank lines so row numbers match the editor', () => {
    const csv = [
      TITLE,
      '',
      HEADER,
      '"Electronics","Charger\nsecond line",B0TESTAAA1,Amazon.com,tag-20,2026-11-03,24.99,1,0,24.99,1.00,PHONE',
      '',
      GOOD.replace('1.00,DESKTOP', 'x,DESKTOP'),
    ].join('\r\n');
    const r = parseEarningsReport(csv);
    expect(r.rows[0].row).toBe(4);
    expect(r.errors).toEqual([{ row: 7, field: 'Ad Fees($)', reason: 'must be an amount such as 12.34, $1,234.56, -1.20 or (1.20)' }]);
  });

  it('reports a row with more cells than the header', () => {
    const r = parseEarningsReport([HEADER, GOOD + ',extra'].join('\n'));
    expect(r.errors).toEqual([
      { row: 2, field: 'row', reason: 'has 13 cells but the header has 12 columns; wrap values that contain the separator in double quotes' },
    ]);
  });

  it('reports fractional and non-numeric item counts, bad ASINs and empty tracking ids', () => {
    const csv = [
      HEADER,
      GOOD.replace(',1,0,24.99', ',1.5,0,24.99'),
      GOOD.replace(',1,0,24.99', ',one,0,24.99'),
      GOOD.replace('B0TESTAAA1', 'B0SHORT'),
      GOOD.replace('affiliateempire-20', ''),
      GOOD.replace(',1,0,24.99', ',1,-1,24.99'),
    ].join('\n');
    expect(parseEarningsReport(csv).errors).toEqual([
      { row: 2, field: 'Items Shipped', reason: 'must be a whole number of items' },
      { row: 3, field: 'Items Shipped', reason: 'must be a whole number' },
      { row: 4, field: 'ASIN', reason: 'must be a 10-character ASIN such as B08N5WRWNW' },
      { row: 5, field: 'Tracking ID', reason: 'is required' },
      { row: 6, field: 'Returns', reason: 'must not be negative' },
    ]);
  });

  it('rejects the whole file when required columns are missing, naming them', () => {
    expect(() => parseEarningsReport([TITLE, 'Category,Name,ASIN,Tracking ID,Date Shipped,Items Shipped', GOOD].join('\n'))).toThrow(
      /line 2: the header is missing required columns Revenue\(\$\), Ad Fees\(\$\)/,
    );
  });

  it('rejects a file without a header, and an empty file', () => {
    expect(() => parseEarningsReport('just,some,numbers\n1,2,3\n')).toThrow(EarningsFileError);
    expect(() => parseEarningsReport('just,some,numbers\n1,2,3\n')).toThrow(/no header line found/);
    expect(() => parseEarningsReport('\uFEFF\r\n\r\n')).toThrow(/the report is empty/);
  });

  it('rejects two columns that mean the same thing', () => {
    expect(() => parseEarningsReport('ASIN,Tracking ID,Date Shipped,Items Shipped,Revenue,Ad Fees,Earnings\n')).toThrow(/has both "Ad Fees" and "Earnings"/);
  });
});

describe('cell formats', () => {
  it.each([
    ['12.34', 1234n],
    ['$1,234.56', 123456n],
    ['(1.20)', -120n],
    ['($1.20)', -120n],
    ['-1.20', -120n],
    ['-$1.20', -120n],
    ['$-1.20', -120n],
    ['0', 0n],
    ['.5', 50n],
    ['12.', 1200n],
    ['1.005', 101n],
    ['-1.005', -101n],
  ])('money %s', (text, cents) => {
    expect(parseMoneyCents(text)).toEqual({ ok: true, value: cents });
  });

  it.each(['abc', '1.2x', '1,2', '--1', '(-1)', '$', '.', '1 000', '12,34.5'])('money %s is an error', (text) => {
    expect(parseMoneyCents(text).ok).toBe(false);
  });

  it.each([
    ['2026-11-03 14:22:10', '2026-11-03'],
    ['2026-11-03T23:59:59Z', '2026-11-03'],
    ['2026-11-03', '2026-11-03'],
    ['11/03/2026', '2026-11-03'],
    ['1/3/2026', '2026-01-03'],
    ['11-03-2026', '2026-11-03'],
    ['2028-02-29', '2028-02-29'],
  ])('date %s', (text, date) => {
    expect(parseReportDate(text)).toEqual({ ok: true, value: date });
  });

  it.each(['2026-02-29', '13/01/2026', '2026-11-03 25:00:00', 'Nov 3, 2026', '03.11.2026', ''])('date %s is an error', (text) => {
    expect(parseReportDate(text).ok).toBe(false);
  });
});

describe('npm run import:earnings (no database needed)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('formats the report like catalog:import', async () => {
    const report = await validateEarningsFile(fixturePath);
    const lines = formatReport(report);
    expect(lines[0]).toBe(`${fixturePath}: 7 valid earnings rows (report period 2026-11-01 to 2026-11-30)`);
    expect(lines[1]).toBe('6 errors:');
    expect(lines).toContain('  row 10, field ASIN: is required');
    expect(lines).toContain('  row 11, field Items Shipped: must not be negative');
  });

  it('exits 1 on a dry run with bad rows and 0 on a clean dry run, writing nothing', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main([fixturePath, '--dry-run'])).toBe(1);
    expect(log.mock.calls.flat().join('\n')).toContain('dry run: nothing was written');
    const clean = await tempFile('clean.csv', [TITLE, HEADER, GOOD].join('\r\n'));
    expect(await main(['--dry-run', clean])).toBe(0);
  });

  it('exits 2 on usage errors and unusable files', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main([])).toBe(2);
    expect(await main([fixturePath, '--force'])).toBe(2);
    expect(await main([fixturePath, fixturePath])).toBe(2);
    expect(await main([join(tmpdir(), 'no-such-report.csv')])).toBe(2);
    expect(await main([await tempFile('report.xlsx', 'PK')])).toBe(2);
    expect(await main([await tempFile('bad.csv', 'hello\nworld\n'), '--dry-run'])).toBe(2);
    const messages = err.mock.calls.flat().join('\n');
    expect(messages).toContain('usage: npm run import:earnings');
    expect(messages).toContain('the file does not exist');
    expect(messages).toContain('unknown file type ".xlsx"');
    expect(messages).toContain('no header line found');
  });
});
