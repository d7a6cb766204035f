// The building blocks of the environment schema (src/config.ts): one parser per
// kind of variable, each with the hint its error message shows.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Durations: "500ms", "30s", "10m", "24h", "2d", or a number of milliseconds. */
export function parseDuration(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(n * factor);
}

export interface VarSpec<T> {
  parse(raw: string | undefined): T;
  /** What a valid value looks like, for the error message. */
  hint: string;
  secret?: boolean;
}

/**
 * Who may do what is matched by ids only: a Slack user id (U…/W…), a Discord user
 * id (a snowflake) or a Discord role (role:<snowflake>). Display names are refused,
 * because their owners can change them (anyone could rename themselves "alice").
 */
export const IDENTITY = /^(?:[UW][A-Z0-9]{1,20}|\d{5,25}|role:\d{5,25}|\*)$/;
export const IDENTITY_LIST = /^\s*(?:[UW][A-Z0-9]{1,20}|\d{5,25}|role:\d{5,25})\s*(?:,\s*(?:[UW][A-Z0-9]{1,20}|\d{5,25}|role:\d{5,25})\s*)*,?\s*$/;

interface StrOptions {
  default?: string;
  pattern?: RegExp;
  hint?: string;
  secret?: boolean;
}

/** A string variable; with a default it is typed as always present, so callers need no `!`. */
export function str(opts: StrOptions & { default: string }): VarSpec<string>;
export function str(opts?: StrOptions): VarSpec<string | undefined>;
export function str(opts: StrOptions = {}): VarSpec<string | undefined> {
  return {
    hint: opts.hint ?? 'a non-empty string',
    secret: opts.secret,
    parse(raw) {
      if (raw === undefined || raw === '') return opts.default;
      if (opts.pattern && !opts.pattern.test(raw)) throw new Error('invalid');
      return raw;
    },
  };
}

export const int = (def: number, min: number, max: number): VarSpec<number> => ({
  hint: `an integer from ${min} to ${max}`,
  parse(raw) {
    if (raw === undefined || raw === '') return def;
    const n = z.coerce.number().int().min(min).max(max).safeParse(raw.trim());
    if (!n.success || !/^\s*-?\d+\s*$/.test(raw)) throw new Error('invalid');
    return n.data;
  },
});

export const num = (def: number, min: number, max: number): VarSpec<number> => ({
  hint: `a number from ${min} to ${max}`,
  parse(raw) {
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || raw.trim() === '') throw new Error('invalid');
    return n;
  },
});

export const duration = (def: string, minMs = 1): VarSpec<number> => ({
  hint: 'a duration such as 500ms, 30s, 10m, 24h or 2d',
  parse(raw) {
    const ms = parseDuration(raw === undefined || raw === '' ? def : raw);
    if (ms === undefined || ms < minMs) throw new Error('invalid');
    return ms;
  },
});

export const bool = (def: boolean): VarSpec<boolean> => ({
  hint: 'true or false',
  parse(raw) {
    if (raw === undefined || raw === '') return def;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('invalid');
  },
});

export const oneOf = <T extends string>(values: readonly T[], def: T): VarSpec<T> => ({
  hint: `one of ${values.join(', ')}`,
  parse(raw) {
    if (raw === undefined || raw === '') return def;
    const v = raw.trim() as T;
    if (!values.includes(v)) throw new Error('invalid');
    return v;
  },
});

interface UrlOptions {
  protocols: string[];
  default?: string;
  secret?: boolean;
}

/** A URL variable; with a default it is typed as always present. */
export function url(opts: UrlOptions & { default: string }): VarSpec<string>;
export function url(opts: UrlOptions): VarSpec<string | undefined>;
export function url(opts: UrlOptions): VarSpec<string | undefined> {
  return {
    hint: `a URL starting with ${opts.protocols.map((p) => p + '//').join(' or ')}`,
    secret: opts.secret,
    parse(raw) {
      if (raw === undefined || raw === '') return opts.default;
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new Error('invalid');
      }
      if (!opts.protocols.includes(u.protocol)) throw new Error('invalid');
      return raw.replace(/\/+$/, '');
    },
  };
}

export const hostPort: VarSpec<string | undefined> = {
  hint: 'host:port, for example 127.0.0.1:7233 or temporal.example.com:7233',
  parse(raw) {
    if (raw === undefined || raw === '') return undefined;
    if (!/^[A-Za-z0-9._[\]:-]+:\d{1,5}$/.test(raw.trim())) throw new Error('invalid');
    return raw.trim();
  },
};

/** One of `values`, or undefined when unset (the default then depends on other settings). */
export const choice = <T extends string>(values: readonly T[]): VarSpec<T | undefined> => ({
  hint: `one of ${values.join(', ')}`,
  parse(raw) {
    if (raw === undefined || raw.trim() === '') return undefined;
    const v = raw.trim() as T;
    if (!values.includes(v)) throw new Error('invalid');
    return v;
  },
});

/** Audio files a music bed may be, by extension, and the ffmpeg demuxer each is read with (never guessed). */
export const MUSIC_DEMUXERS: Record<string, string> = { '.mp3': 'mp3', '.wav': 'wav', '.m4a': 'mov', '.aac': 'aac', '.ogg': 'ogg', '.flac': 'flac' };

/** MUSIC_BED: off, generated, or the path of an existing audio file (by its extension). */
export const musicBed: VarSpec<{ kind: 'off' } | { kind: 'generated' } | { kind: 'file'; path: string; demuxer: string }> = {
  hint: `off, generated, or the path of an existing ${Object.keys(MUSIC_DEMUXERS).join('/')} file`,
  parse(raw) {
    const v = (raw ?? '').trim();
    if (v === '' || v.toLowerCase() === 'off') return { kind: 'off' };
    if (v.toLowerCase() === 'generated') return { kind: 'generated' };
    const demuxer = MUSIC_DEMUXERS[path.extname(v).toLowerCase()];
    if (!demuxer) throw new Error('invalid');
    const file = path.resolve(v);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error('invalid');
    return { kind: 'file', path: file, demuxer };
  },
};
