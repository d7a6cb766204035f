// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line
// must be a HELP, TYPE or comment line or a well-formed sample of a declared family; histograms
// must be consistent (cumulative buckets, +Inf bucket equal to _count). Throws naming the line.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?[ \\t]+(${VALUE})(?:[ \\t]+(-?[0-9]+))?$`);
const LABEL_PAIR_RE = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);
const SUFFIXES: Record<MetricType, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const m = LABEL_PAIR_RE.exec(rest);
    if (!m) throw new Error(`${where}: malformed labels at "${rest.slice(0, 40)}"`);
    if (m[1] in labels) throw new Error(`${where}: label ${m[1]} repeated`);
    labels[m[1]] = m[2].replace(/\\(["\\n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length) throw new Error(`${where}: expected "," between labels at "${rest.slice(0, 40)}"`);
  }
  return labels;
}

function parseValue(v: string): number {
  if (/^[-+]?inf$/i.test(v)) return v.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(v)) return NaN;
  return Number(v);
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1} ("${line.slice(0, 80)}")`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest = ''] = m;
      let f = families.get(name);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${where}: unknown type "${rest}"`);
        if (f?.samples.length) throw new Error(`${where}: TYPE after the family's samples`);
        if (f && f.type !== 'untyped') throw new Error(`${where}: second TYPE for ${name}`);
        f ??= { name, type: 'untyped', samples: [] };
        f.type = rest as MetricType;
      } else {
        if (f?.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f ??= { name, type: 'untyped', samples: [] };
        f.help = rest;
      }
      families.set(name, f);
      current = f;
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`${where}: not a valid sample line`);
    const [, name, labelText, value] = m;
    const family = current && SUFFIXES[current.type].some((s) => name === current!.name + s) ? current : undefined;
    if (!family) throw new Error(`${where}: sample ${name} does not belong to the family declared above it (${current?.name ?? 'none'})`);
    const sample = { name, labels: labelText ? parseLabels(labelText, where) : {}, value: parseValue(value) };
    const key = `${name}{${Object.entries(sample.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate sample ${key}`);
    seen.add(key);
    family.samples.push(sample);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of f.samples) {
    const k = keyOf(s.labels);
    const e = series.get(k) ?? { buckets: [] };
    series.set(k, e);
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) throw new Error(`${f.name}: a bucket without le`);
      e.buckets.push([parseValue(s.labels.le), s.value]);
    } else if (s.name.endsWith('_count')) e.count = s.value;
  }
  for (const [k, e] of series) {
    const sorted = [...e.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new Error(`${f.name}${k}: no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) if (sorted[i][1] < sorted[i - 1][1]) throw new Error(`${f.name}${k}: buckets are not cumulative`);
    if (e.count !== sorted.at(-1)![1]) throw new Error(`${f.name}${k}: _count ${e.count} differs from the +Inf bucket ${sorted.at(-1)![1]}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (undefined when none; throws when several). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}: name more labels`);
  return matches[0]?.value;
}
