/**
 * The OAuth token vault: the platforms' refresh and access tokens in the OAuthToken table,
 * sealed with AES-256-GCM under TOKEN_ENCRYPTION_KEY, seeded from the env values
 * (YOUTUBE_REFRESH_TOKEN, TIKTOK_REFRESH_TOKEN, INSTAGRAM_ACCESS_TOKEN).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import type { StoredToken, TokenVault } from './types.js';

const KEY_HELP = 'generate one with: openssl rand -hex 32';
const SEALED = /^v1:([A-Za-z0-9+/]{16}):([A-Za-z0-9+/]{22}==):([A-Za-z0-9+/]*={0,2})$/;

/** TOKEN_ENCRYPTION_KEY: 32 bytes, written as 64 hex characters or as base64 (standard or URL-safe). */
export function parseEncryptionKey(raw: string): Buffer {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value) || /^[A-Za-z0-9_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  // The value itself is never shown: it is a secret, even when malformed.
  throw new Error(
    `TOKEN_ENCRYPTION_KEY is invalid: expected 32 bytes as 64 hex characters or 44 base64 characters (got ${value.length} characters); ${KEY_HELP}`,
  );
}

/** Seals a token: "v1:<iv>:<tag>:<ciphertext>", base64 parts, a fresh random 12-byte IV each time. */
export function encryptToken(key: Buffer, plain: string): string {
  checkKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/** Opens a sealed token; a different key or an altered value fails the GCM tag check. */
export function decryptToken(key: Buffer, sealed: string): string {
  checkKey(key);
  const m = SEALED.exec(sealed);
  if (!m) throw new Error('The stored token is not in the sealed format (v1:<iv>:<tag>:<ciphertext>): it was not written by this vault.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[1]!, 'base64'));
    decipher.setAuthTag(Buffer.from(m[2]!, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(m[3]!, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(
      'TOKEN_ENCRYPTION_KEY does not match the key the tokens were stored with (or the stored value was altered): ' +
        'set the original key, or run `npm run connect -- <platform>` again to store new tokens under this one.',
    );
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`The token encryption key must be 32 bytes, got ${key.length}; ${KEY_HELP}`);
}

type TokenField = 'refreshToken' | 'accessToken';
/** The columns of an OAuthToken row as written (tokens sealed). */
type RowData = { refreshToken?: string | null; accessToken?: string | null; accessExpiresAt?: Date | null; scope?: string | null; account?: string | null };
const TOKEN_FIELDS: readonly TokenField[] = ['refreshToken', 'accessToken'];

/**
 * What a token column holds once opened: the token, and the fingerprint of the env value that was
 * in effect when it was written (`seed`, a sha256; see DbTokenVault). Both are inside the ciphertext,
 * so the schema needs no extra column and the fingerprint is not readable from the table.
 */
interface SealedField {
  t: string;
  seed?: string;
}

function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * The vault over the OAuthToken table (one row per platform).
 *
 * Seeding rule. An env value (e.g. TIKTOK_REFRESH_TOKEN) is applied to the store when
 *  - the store holds no token in that field yet, or
 *  - the env value differs from the one that was in effect when the stored token was written.
 * Every write of a token records the fingerprint of the env value of that moment (the vault's
 * `seeds`, or the fingerprint already stored when this vault has no seed for the field). So:
 *  - TikTok rotates the refresh token and the publisher saves it: the fingerprint of the unchanged env
 *    value is kept, and after a restart the stale env value no longer wins over the rotated token;
 *  - `npm run connect` stores new tokens while an old value is still in .env: same, the stored ones win;
 *  - the operator pastes a new token into .env: its fingerprint differs, so it replaces the stored one
 *    (a new refresh token also drops the access token, scope and account of the grant it replaces).
 * In short, the newer of the two wins (an env value equal to the stored token changes nothing). Build the
 * vaults with `envTokenSeeds(config)`; one built without seeds carries the stored fingerprint over.
 *
 * Without a key the vault refuses to store anything (save throws, naming TOKEN_ENCRYPTION_KEY) and
 * get() returns the env seeds alone: a setup with only env tokens keeps working, minus rotation.
 */
export class DbTokenVault implements TokenVault {
  constructor(
    private readonly db: Db,
    private readonly key: Buffer | undefined,
    private readonly seeds: Partial<Record<PlatformName, StoredToken>> = {},
  ) {
    if (key) checkKey(key);
  }

  async get(platform: PlatformName): Promise<StoredToken | null> {
    const seed = this.seeds[platform];
    if (!this.key) return seed && hasToken(seed) ? { ...seed } : null;
    const key = this.key;
    const row = await this.db.oAuthToken.findUnique({ where: { platform } });
    const opened = {
      refreshToken: this.open(platform, row?.refreshToken),
      accessToken: this.open(platform, row?.accessToken),
    };
    const current: StoredToken | null = row
      ? {
          refreshToken: opened.refreshToken?.t ?? null,
          accessToken: opened.accessToken?.t ?? null,
          accessExpiresAt: row.accessExpiresAt,
          scope: row.scope,
          account: row.account,
        }
      : null;

    const stale = TOKEN_FIELDS.filter((f) => {
      const value = seed?.[f];
      if (!value) return false;
      const stored = opened[f];
      return !stored || (stored.seed !== fingerprint(value) && stored.t !== value);
    });
    if (!stale.length) return current;

    // The env value wins for these fields: written with its fingerprint, so it applies once. The
    // scope, the account and a cached access token described the grant being replaced: dropped.
    const s = seed!;
    const data: RowData = { scope: s.scope ?? null, account: s.account ?? null };
    for (const f of stale) data[f] = sealField(key, { t: s[f]!, seed: fingerprint(s[f]!) });
    if (stale.includes('accessToken')) data.accessExpiresAt = s.accessExpiresAt ?? null;
    else Object.assign(data, { accessToken: null, accessExpiresAt: null });
    await this.db.oAuthToken.upsert({ where: { platform }, create: { platform, ...data }, update: data });
    const seeded = await this.db.oAuthToken.findUniqueOrThrow({ where: { platform } });
    return {
      refreshToken: this.open(platform, seeded.refreshToken)?.t ?? null,
      accessToken: this.open(platform, seeded.accessToken)?.t ?? null,
      accessExpiresAt: seeded.accessExpiresAt,
      scope: seeded.scope,
      account: seeded.account,
    };
  }

  async save(platform: PlatformName, token: StoredToken): Promise<void> {
    if (!this.key) {
      throw new Error(`TOKEN_ENCRYPTION_KEY is not set, so the ${platform} tokens cannot be stored (they are kept encrypted): set it; ${KEY_HELP}`);
    }
    const key = this.key;
    const data: RowData = {};
    const fields = TOKEN_FIELDS.filter((f) => token[f] !== undefined);
    // Read only for the fingerprints to carry over. A concurrent write between this read and the
    // upsert below could at worst carry the same fingerprint it would have written itself.
    const existing = fields.length ? await this.db.oAuthToken.findUnique({ where: { platform } }) : null;
    for (const f of fields) {
      const value = token[f];
      if (!value) {
        data[f] = null;
        continue;
      }
      const seedValue = this.seeds[platform]?.[f];
      const seed = seedValue ? fingerprint(seedValue) : this.openQuietly(existing?.[f])?.seed;
      data[f] = sealField(key, seed ? { t: value, seed } : { t: value });
    }
    if (token.accessExpiresAt !== undefined) data.accessExpiresAt = token.accessExpiresAt;
    if (token.scope !== undefined) data.scope = token.scope;
    if (token.account !== undefined) data.account = token.account;
    await this.db.oAuthToken.upsert({ where: { platform }, create: { platform, ...data }, update: data });
  }

  /** For carrying a fingerprint over: a value sealed under another key is about to be replaced, not read. */
  private openQuietly(sealed: string | null | undefined): SealedField | null {
    try {
      return sealed ? parseField(decryptToken(this.key!, sealed)) : null;
    } catch {
      return null;
    }
  }

  private open(platform: PlatformName, sealed: string | null | undefined): SealedField | null {
    if (!sealed) return null;
    try {
      return parseField(decryptToken(this.key!, sealed));
    } catch (err) {
      throw new Error(`The stored ${platform} token cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
}

function parseField(plain: string): SealedField {
  try {
    const parsed = JSON.parse(plain) as Partial<SealedField> | null;
    if (parsed && typeof parsed.t === 'string') return { t: parsed.t, seed: typeof parsed.seed === 'string' ? parsed.seed : undefined };
  } catch {
    /* a value sealed by encryptToken directly: the plaintext is the token itself */
  }
  return { t: plain };
}

function sealField(key: Buffer, field: SealedField): string {
  return encryptToken(key, JSON.stringify(field));
}

function hasToken(t: StoredToken): boolean {
  return Boolean(t.refreshToken || t.accessToken);
}

/** The env values that seed the vault (see DbTokenVault): pass the same to every vault instance. */
export function envTokenSeeds(env: {
  YOUTUBE_REFRESH_TOKEN?: string;
  TIKTOK_REFRESH_TOKEN?: string;
  INSTAGRAM_ACCESS_TOKEN?: string;
}): Partial<Record<PlatformName, StoredToken>> {
  const seeds: Partial<Record<PlatformName, StoredToken>> = {};
  if (env.YOUTUBE_REFRESH_TOKEN) seeds.YOUTUBE = { refreshToken: env.YOUTUBE_REFRESH_TOKEN };
  if (env.TIKTOK_REFRESH_TOKEN) seeds.TIKTOK = { refreshToken: env.TIKTOK_REFRESH_TOKEN };
  if (env.INSTAGRAM_ACCESS_TOKEN) seeds.INSTAGRAM = { accessToken: env.INSTAGRAM_ACCESS_TOKEN };
  return seeds;
}

/** A vault in memory, for tests and for runs without a database; `saves` records every save in order. */
export class MemoryTokenVault implements TokenVault {
  readonly saves: { platform: PlatformName; token: StoredToken }[] = [];
  private readonly tokens = new Map<PlatformName, StoredToken>();

  constructor(initial: Partial<Record<PlatformName, StoredToken>> = {}) {
    for (const [platform, token] of Object.entries(initial)) if (token) this.tokens.set(platform as PlatformName, { ...token });
  }

  async get(platform: PlatformName): Promise<StoredToken | null> {
    const token = this.tokens.get(platform);
    return token ? { ...token } : null;
  }

  async save(platform: PlatformName, token: StoredToken): Promise<void> {
    this.saves.push({ platform, token: { ...token } });
    const merged: StoredToken = { ...this.tokens.get(platform) };
    for (const [k, v] of Object.entries(token)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    this.tokens.set(platform, merged);
  }
}
