import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db.js';
import { DbTokenVault, MemoryTokenVault, decryptToken, encryptToken, envTokenSeeds, parseEncryptionKey } from '../../src/providers/publisher/tokens.js';
import { createTestDatabase } from '../support/harness.js';

const KEY = randomBytes(32);

describe('parseEncryptionKey', () => {
  it('accepts 32 bytes as 64 hex characters, base64 or base64url', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('hex').toUpperCase()}\n`)).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
  });

  it.each([
    ['too short', 'abcd'],
    ['31 bytes in hex', randomBytes(31).toString('hex')],
    ['33 bytes in base64', randomBytes(33).toString('base64')],
    ['a passphrase', 'correct horse battery staple correct horse battery staple!!'],
    ['empty', ''],
  ])('refuses %s, says how to generate one and never echoes the value', (_label, raw) => {
    let message = '';
    try {
      parseEncryptionKey(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/TOKEN_ENCRYPTION_KEY is invalid/);
    expect(message).toContain('openssl rand -hex 32');
    if (raw.length > 4) expect(message).not.toContain(raw);
  });
});

describe('encryptToken / decryptToken', () => {
  it('round-trips, with a versioned format and a fresh IV every time', () => {
    const token = '1//0gLx-refresh-token-ünïcode';
    const a = encryptToken(KEY, token);
    const b = encryptToken(KEY, token);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(token);
    expect(decryptToken(KEY, a)).toBe(token);
    expect(decryptToken(KEY, b)).toBe(token);
    expect(decryptToken(KEY, encryptToken(KEY, ''))).toBe('');
  });

  it('refuses a different key with a message about the key, never the token', () => {
    const sealed = encryptToken(KEY, 'secret-token-value');
    expect(() => decryptToken(randomBytes(32), sealed)).toThrow(/does not match the key the tokens were stored with/);
    try {
      decryptToken(randomBytes(32), sealed);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-token-value');
    }
  });

  it('refuses a tampered ciphertext, tag or IV', () => {
    const sealed = encryptToken(KEY, 'secret-token-value');
    const [v, iv, tag, ct] = sealed.split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] = buf[0]! ^ 1;
      return buf.toString('base64');
    };
    for (const altered of [
      [v, iv, tag, flip(ct)],
      [v, iv, flip(tag), ct],
      [v, flip(iv), tag, ct],
    ]) {
      expect(() => decryptToken(KEY, altered.join(':'))).toThrow(/does not match|altered/);
    }
    expect(() => decryptToken(KEY, 'plain-token')).toThrow(/not in the sealed format/);
    expect(() => decryptToken(KEY, `v2:${iv}:${tag}:${ct}`)).toThrow(/not in the sealed format/);
  });

  it('refuses a key of the wrong length', () => {
    expect(() => encryptToken(randomBytes(16), 'x')).toThrow(/32 bytes/);
  });
});

describe('MemoryTokenVault', () => {
  it('merges saves, keeps fields left undefined, clears fields set to null, and records every save', async () => {
    const vault = new MemoryTokenVault({ TIKTOK: { refreshToken: 'r1', account: 'me' } });
    await vault.save('TIKTOK', { accessToken: 'a1', accessExpiresAt: new Date(1000) });
    await vault.save('TIKTOK', { refreshToken: 'r2', account: null });
    expect(await vault.get('TIKTOK')).toEqual({ refreshToken: 'r2', accessToken: 'a1', accessExpiresAt: new Date(1000), account: null });
    expect(await vault.get('YOUTUBE')).toBeNull();
    expect(vault.saves.map((s) => s.token)).toEqual([
      { accessToken: 'a1', accessExpiresAt: new Date(1000) },
      { refreshToken: 'r2', account: null },
    ]);
  });
});

describe('envTokenSeeds', () => {
  it('maps the env values to the field each platform seeds', () => {
    expect(envTokenSeeds({ YOUTUBE_REFRESH_TOKEN: 'y', TIKTOK_REFRESH_TOKEN: 't', INSTAGRAM_ACCESS_TOKEN: 'i' })).toEqual({
      YOUTUBE: { refreshToken: 'y' },
      TIKTOK: { refreshToken: 't' },
      INSTAGRAM: { accessToken: 'i' },
    });
    expect(envTokenSeeds({})).toEqual({});
  });
});

describe('DbTokenVault (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });
  beforeEach(async () => {
    await db.oAuthToken.deleteMany();
  });

  it('stores the tokens encrypted: the raw row holds no plaintext token', async () => {
    const vault = new DbTokenVault(db, KEY);
    await vault.save('YOUTUBE', { refreshToken: '1//refresh-plain', accessToken: 'ya29.access-plain', scope: 'youtube.upload', account: 'My Channel' });
    const row = await db.oAuthToken.findUniqueOrThrow({ where: { platform: 'YOUTUBE' } });
    expect(row.refreshToken).toMatch(/^v1:/);
    expect(row.accessToken).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toMatch(/refresh-plain|access-plain/);
    expect(row.account).toBe('My Channel');
    expect(await vault.get('YOUTUBE')).toMatchObject({ refreshToken: '1//refresh-plain', accessToken: 'ya29.access-plain', account: 'My Channel' });
  });

  it('merges: fields left undefined are kept, null clears, other platforms are untouched', async () => {
    const vault = new DbTokenVault(db, KEY);
    await vault.save('TIKTOK', { refreshToken: 'r1', accessToken: 'a1', accessExpiresAt: new Date('2030-01-01T00:00:00Z'), account: 'Alice' });
    await vault.save('TIKTOK', { accessToken: 'a2' });
    await vault.save('INSTAGRAM', { accessToken: 'ig' });
    expect(await vault.get('TIKTOK')).toEqual({
      refreshToken: 'r1',
      accessToken: 'a2',
      accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
      scope: null,
      account: 'Alice',
    });
    await vault.save('TIKTOK', { accessToken: null, accessExpiresAt: null });
    expect(await vault.get('TIKTOK')).toMatchObject({ refreshToken: 'r1', accessToken: null, accessExpiresAt: null, account: 'Alice' });
    expect(await vault.get('INSTAGRAM')).toMatchObject({ accessToken: 'ig', refreshToken: null });
    expect(await vault.get('YOUTUBE')).toBeNull();
  });

  it('refuses to read under another key, naming the platform and the key, not the token', async () => {
    await new DbTokenVault(db, KEY).save('YOUTUBE', { refreshToken: 'secret-refresh' });
    const other = new DbTokenVault(db, randomBytes(32));
    await expect(other.get('YOUTUBE')).rejects.toThrow(/stored YOUTUBE token cannot be read: TOKEN_ENCRYPTION_KEY does not match/);
    await expect(other.get('YOUTUBE')).rejects.not.toThrow(/secret-refresh/);
    // Connecting again under the new key replaces the unreadable tokens.
    await other.save('YOUTUBE', { refreshToken: 'new-refresh', accessToken: null });
    expect(await other.get('YOUTUBE')).toMatchObject({ refreshToken: 'new-refresh' });
  });

  it('without a key refuses to store (naming TOKEN_ENCRYPTION_KEY) but still hands out the env seeds', async () => {
    const vault = new DbTokenVault(db, undefined, { YOUTUBE: { refreshToken: 'env-refresh' } });
    await expect(vault.save('YOUTUBE', { accessToken: 'a' })).rejects.toThrow(/TOKEN_ENCRYPTION_KEY is not set.*openssl rand -hex 32/);
    expect(await vault.get('YOUTUBE')).toEqual({ refreshToken: 'env-refresh' });
    expect(await vault.get('TIKTOK')).toBeNull();
    expect(await db.oAuthToken.count()).toBe(0);
  });

  describe('seeding from the env', () => {
    it('seeds an empty store and writes the seed encrypted', async () => {
      const vault = new DbTokenVault(db, KEY, { TIKTOK: { refreshToken: 'env-r1' }, INSTAGRAM: { accessToken: 'env-ig' } });
      expect(await vault.get('TIKTOK')).toMatchObject({ refreshToken: 'env-r1', accessToken: null });
      expect(await vault.get('INSTAGRAM')).toMatchObject({ accessToken: 'env-ig', refreshToken: null });
      const raw = await db.oAuthToken.findUniqueOrThrow({ where: { platform: 'TIKTOK' } });
      expect(raw.refreshToken).toMatch(/^v1:/);
      expect(JSON.stringify(raw)).not.toContain('env-r1');
    });

    it('a rotated token in the store wins over the unchanged env value after a restart', async () => {
      const seeds = { TIKTOK: { refreshToken: 'env-r1' } };
      const first = new DbTokenVault(db, KEY, seeds);
      expect((await first.get('TIKTOK'))?.refreshToken).toBe('env-r1');
      await first.save('TIKTOK', { refreshToken: 'rotated-r2', accessToken: 'a2' }); // TikTok rotates on refresh
      const restarted = new DbTokenVault(db, KEY, seeds);
      expect(await restarted.get('TIKTOK')).toMatchObject({ refreshToken: 'rotated-r2', accessToken: 'a2' });
      // A vault built without the seeds (another process) carries the fingerprint over.
      await new DbTokenVault(db, KEY).save('TIKTOK', { refreshToken: 'rotated-r3' });
      expect((await new DbTokenVault(db, KEY, seeds).get('TIKTOK'))?.refreshToken).toBe('rotated-r3');
    });

    it('tokens stored by connect win over a stale env value that was already set', async () => {
      const seeds = { YOUTUBE: { refreshToken: 'stale-env' } };
      await new DbTokenVault(db, KEY, seeds).save('YOUTUBE', { refreshToken: 'connected', accessToken: 'a', account: 'Chan' });
      expect(await new DbTokenVault(db, KEY, seeds).get('YOUTUBE')).toMatchObject({ refreshToken: 'connected', account: 'Chan' });
    });

    it('an env value changed since it was seeded replaces the stored token, once, and drops what belonged to the old grant', async () => {
      const v1 = new DbTokenVault(db, KEY, { TIKTOK: { refreshToken: 'env-r1' } });
      await v1.get('TIKTOK');
      await v1.save('TIKTOK', { refreshToken: 'rotated-r2', accessToken: 'a2', accessExpiresAt: new Date(), scope: 'video.publish', account: 'Old' });
      const v2 = new DbTokenVault(db, KEY, { TIKTOK: { refreshToken: 'env-new' } });
      expect(await v2.get('TIKTOK')).toEqual({ refreshToken: 'env-new', accessToken: null, accessExpiresAt: null, scope: null, account: null });
      // Applied once: a rotation after it wins again.
      await v2.save('TIKTOK', { refreshToken: 'rotated-r3' });
      expect((await new DbTokenVault(db, KEY, { TIKTOK: { refreshToken: 'env-new' } }).get('TIKTOK'))?.refreshToken).toBe('rotated-r3');
    });

    it('an env value added after a token was stored without one is newer, so it applies', async () => {
      await new DbTokenVault(db, KEY).save('INSTAGRAM', { accessToken: 'connected-ig', account: '@me' });
      expect(await new DbTokenVault(db, KEY, { INSTAGRAM: { accessToken: 'pasted-ig' } }).get('INSTAGRAM')).toMatchObject({
        accessToken: 'pasted-ig',
        account: null,
      });
    });

    it('an env value equal to the stored token changes nothing', async () => {
      await new DbTokenVault(db, KEY).save('YOUTUBE', { refreshToken: 'same', accessToken: 'cached', account: 'Chan' });
      expect(await new DbTokenVault(db, KEY, { YOUTUBE: { refreshToken: 'same' } }).get('YOUTUBE')).toMatchObject({
        refreshToken: 'same',
        accessToken: 'cached',
        account: 'Chan',
      });
    });
  });
});
