// The monitoring files in deploy/ are checked for structure here (promtool is not available
// offline); test/integration/metrics.test.ts checks that the metrics they name are exported.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Counter, Histogram, Registry } from 'prom-client';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** Parentheses, brackets and braces balance outside string literals. */
function balanced(expr: string): boolean {
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) return false;
  }
  return open.length === 0 && !quote;
}

describe('deploy/prometheus/alerts.yml', () => {
  const doc = parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Record<string, unknown>[] }[] };

  it('is a rule file: groups with unique names, each with alerting rules that have the fields Prometheus requires', () => {
    expect(Object.keys(doc)).toEqual(['groups']);
    expect(new Set(doc.groups.map((g) => g.name)).size).toBe(doc.groups.length);
    const names = new Set<string>();
    for (const g of doc.groups) {
      expect(g.rules.length).toBeGreaterThan(0);
      for (const r of g.rules) {
        const where = `${g.name}/${String(r.alert)}`;
        expect(
          Object.keys(r).filter((k) => !['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'].includes(k)),
          where,
        ).toEqual([]);
        expect(r.alert, where).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(names.has(r.alert as string), `${where} is a duplicate`).toBe(false);
        names.add(r.alert as string);
        expect(typeof r.expr, where).toBe('string');
        expect(balanced(r.expr as string), `${where}: unbalanced expression`).toBe(true);
        if (r.for !== undefined) expect(r.for, where).toMatch(DURATION);
        expect((r.labels as Record<string, string>).severity, where).toMatch(/^(warning|critical)$/);
        const ann = r.annotations as Record<string, string>;
        expect(ann.summary, where).toBeTruthy();
        expect(ann.description, where).toBeTruthy();
        for (const text of Object.values(ann)) expect(balanced(text.replace(/'/g, '')), `${where}: template braces`).toBe(true);
      }
    }
  });

  it('covers what the operators asked for: failing runs, approvals waiting, publication failures, chat backlog, workers down and no pollers', () => {
    const exprs = doc.groups.flatMap((g) => g.rules.map((r) => String(r.expr))).join('\n');
    for (const m of [
      'affiliate_empire_workflow_runs_ended_total{outcome="failed"}',
      'affiliate_empire_approvals_oldest_waiting_age_seconds',
      'affiliate_empire_publications{status="failed"}',
      'affiliate_empire_chat_deliveries{status="pending"}',
      'up{job="affiliate-empire-workers"}',
      'temporal_num_pollers',
    ])
      expect(exprs).toContain(m);
  });

  it('is loaded by prometheus.yml, whose jobs are the ones the rules name', () => {
    const prom = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { job_name: string; authorization?: { type: string; credentials_file?: string; credentials?: string } }[];
    };
    expect(prom.global.scrape_interval).toMatch(DURATION);
    for (const f of prom.rule_files) expect(fs.existsSync(path.join(ROOT, 'deploy/prometheus', f)), f).toBe(true);
    const jobs = prom.scrape_configs.map((s) => s.job_name);
    const named = [...read('deploy/prometheus/alerts.yml').matchAll(/job="([^"]+)"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const j of named) expect(jobs).toContain(j);
    // The API job sends the bearer token from a file, never a token written in the repository.
    const api = prom.scrape_configs.find((s) => s.job_name === 'affiliate-empire-api')!;
    expect(api.authorization).toMatchObject({ type: 'Bearer', credentials_file: expect.stringMatching(/^\//) });
    expect(api.authorization!.credentials).toBeUndefined();
  });
});

describe('deploy/grafana/affiliate-empire-dashboard.json', () => {
  const dash = JSON.parse(read('deploy/grafana/affiliate-empire-dashboard.json')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    templating: { list: { name: string; type: string }[] };
    panels: { id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: { refId: string; expr: string }[] }[];
  };

  it('is a dashboard whose panels have unique ids, fit the 24-column grid without overlapping, and query the chosen Prometheus', () => {
    expect(dash.uid).toBe('affiliate-empire');
    expect(dash.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const cells = new Set<string>();
    for (const p of dash.panels) {
      const { h, w, x, y } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps another panel`).toBe(false);
          cells.add(`${i},${j}`);
        }
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) {
        expect(t.expr.trim(), p.title).not.toBe('');
        expect(balanced(t.expr), `${p.title}: unbalanced expression`).toBe(true);
      }
      expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
    }
  });

  it('has panels for each family: runs, steps, approvals, publications, rendering, chat, HTTP, Temporal workers, processes', () => {
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    for (const family of [
      'affiliate_empire_workflow_runs_started_total',
      'affiliate_empire_workflow_runs_ended_total',
      'affiliate_empire_workflow_step_duration_seconds_bucket',
      'affiliate_empire_approvals_waiting',
      'affiliate_empire_approvals_oldest_waiting_age_seconds',
      'affiliate_empire_publications',
      'affiliate_empire_render_seconds_per_video_second',
      'affiliate_empire_chat_deliveries',
      'affiliate_empire_http_request_duration_seconds_bucket',
      'temporal_num_pollers',
      'temporal_worker_task_slots_available',
      'process_resident_memory_bytes',
    ])
      expect(
        exprs.some((e) => new RegExp(`\\b${family}\\b`).test(e)),
        family,
      ).toBe(true);
  });
});

describe('the strict Prometheus text parser the metrics tests use', () => {
  it("reads prom-client's output, histograms included", async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'x_total', help: 'a "quoted" help\\n', labelNames: ['a'], registers: [registry] });
    c.inc({ a: 'va"l\\ue\nnext' }, 3);
    new Histogram({ name: 'h_seconds', help: 'h', buckets: [1, 2], registers: [registry] }).observe(1.5);
    const m = parsePrometheusText(await registry.metrics());
    expect(sampleValue(m, 'x_total', { a: 'va"l\\ue\nnext' })).toBe(3);
    expect(sampleValue(m, 'h_seconds_bucket', { le: '1' })).toBe(0);
    expect(sampleValue(m, 'h_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(sampleValue(m, 'h_seconds_sum')).toBe(1.5);
  });

  it.each([
    ['a sample without a declared family', 'foo 1\n', /does not belong/],
    ['a malformed value', '# TYPE foo gauge\nfoo one\n', /not a valid sample/],
    ['an unquoted label value', '# TYPE foo gauge\nfoo{a=b} 1\n', /malformed labels/],
    ['a repeated sample', '# TYPE foo gauge\nfoo{a="1"} 1\nfoo{a="1"} 2\n', /duplicate sample/],
    ['a sample of another family', '# TYPE foo gauge\nbar 1\n', /does not belong/],
    ['an unknown type', '# TYPE foo meter\n', /unknown type/],
    ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
    ['a count that differs from +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /differs/],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /no \+Inf/],
  ])('rejects %s', (_what, text, error) => {
    expect(() => parsePrometheusText(text)).toThrow(error);
  });
});
