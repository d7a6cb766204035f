import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, SECRET_VARIABLES } from '../../src/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Variables docker-compose.yml substitutes that the app itself never reads. */
const COMPOSE_ONLY = ['APP_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD'];

describe('.env.example', () => {
  const text = read('.env.example');
  const lines = text.split('\n');
  const named = lines.map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1]).filter((n): n is string => Boolean(n));

  it('documents every variable in src/config.ts', () => {
    const missing = CONFIG_VARIABLES.filter((v) => !new RegExp(`^(#\\s*)?${v}=`, 'm').test(text));
    expect(missing).toEqual([]);
  });

  it('names no variable that src/config.ts does not know', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(named.filter((n) => !known.has(n))).toEqual([]);
  });

  it('lists each variable once, commented out (an empty .env is the zero-config setup)', () => {
    expect(named.length).toBe(new Set(named).size);
    expect(lines.filter((l) => /^[A-Z][A-Z0-9_]+=/.test(l))).toEqual([]);
  });

  it('marks every secret as SECRET in the comment just above it', () => {
    const unmarked = SECRET_VARIABLES.filter((v) => {
      const i = lines.findIndex((l) => new RegExp(`^#?\\s*${v}=`).test(l));
      let j = i - 1;
      const comment: string[] = [];
      while (j >= 0 && lines[j]!.startsWith('#') && !/^#?\s*[A-Z][A-Z0-9_]+=/.test(lines[j]!)) comment.push(lines[j--]!);
      return !comment.some((l) => l.includes('SECRET'));
    });
    expect(unmarked).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it('substitutes only variables the app or the compose file itself defines', () => {
    // `$${X}` is escaped: the container's shell expands it, not compose.
    const used = [...read('docker-compose.yml').matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    const known = new Set<string>([...CONFIG_VARIABLES, ...COMPOSE_ONLY]);
    expect([...new Set(used)].filter((v) => !known.has(v))).toEqual([]);
  });
});
