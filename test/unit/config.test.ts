import { describe, expect, it } from 'vitest';
import { configErrorFor } from '../support/config-error.js';
import { loadConfig, parseDuration } from '../../src/config.js';
import { dailyWorkflowId, weeklyWorkflowId } from '../../src/domain/dates.js';
import { parseWorkerRole } from '../../src/worker-runtime.js';

describe('loadConfig', () => {
  it('runs with zero configuration on the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TEMPORAL_NAMESPACE).toBe('default');
    expect(c.TEMPORAL_TASK_QUEUE).toBe('ai-affiliate-empire');
    expect(c.PORT).toBe(3000);
    expect(c.listenHost).toBe('127.0.0.1');
    expect(c.DAILY_PLATFORMS).toEqual(['YOUTUBE', 'TIKTOK', 'INSTAGRAM']);
  });

  it('has the documented default retry policy: 10 min, 3 attempts, 30 s, x2.0, max 5 min', () => {
    expect(loadConfig({}).retry).toMatchObject({
      startToCloseMs: 600_000,
      maximumAttempts: 3,
      initialIntervalMs: 30_000,
      backoffCoefficient: 2,
      maximumIntervalMs: 300_000,
    });
  });

  it('takes a music bed: off by default, generated, or an existing audio file read with its extension demuxer', () => {
    expect(loadConfig({}).MUSIC_BED).toEqual({ kind: 'off' });
    expect(loadConfig({ MUSIC_BED: 'Generated' }).MUSIC_BED).toEqual({ kind: 'generated' });
    for (const bad of ['package.json', 'missing-track.mp3', 'https://example.com/x.mp3']) {
      const err = configErrorFor({ MUSIC_BED: bad });
      expect(err.variable).toBe('MUSIC_BED');
      expect(err.message).toMatch(/off, generated, or the path of an existing \.mp3/);
    }
  });

  it('accepts platforms in any case and removes duplicates', () => {
    expect(loadConfig({ DAILY_PLATFORMS: 'youtube, TikTok,youtube' }).DAILY_PLATFORMS).toEqual(['YOUTUBE', 'TIKTOK']);
  });

  it('listens on all interfaces only when API_TOKEN is set', () => {
    expect(loadConfig({ API_TOKEN: 'a'.repeat(32) }).listenHost).toBe('0.0.0.0');
  });

  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['a non-numeric PORT', { PORT: 'abc' }, 'PORT', /PORT is invalid: got "abc", expected an integer from 0 to 65535/],
    ['a PORT out of range', { PORT: '70000' }, 'PORT', /PORT is invalid/],
    [
      'a DATABASE_URL that is not postgres',
      { DATABASE_URL: 'mysql://u:p@h/db' },
      'DATABASE_URL',
      /DATABASE_URL is invalid: got \(hidden\), expected a URL starting with postgresql:\/\//,
    ],
    ['a TEMPORAL_ADDRESS without a port', { TEMPORAL_ADDRESS: 'temporal.example.com' }, 'TEMPORAL_ADDRESS', /host:port/],
    ['an unknown platform', { DAILY_PLATFORMS: 'youtube,myspace' }, 'DAILY_PLATFORMS', /comma-separated list of YOUTUBE, TIKTOK, INSTAGRAM/],
    ['a short API_TOKEN', { API_TOKEN: 'short' }, 'API_TOKEN', /at least 16 characters/],
    ['a bad duration', { ACTIVITY_START_TO_CLOSE: 'ten minutes' }, 'ACTIVITY_START_TO_CLOSE', /duration such as 500ms, 30s, 10m/],
    ['zero attempts', { ACTIVITY_MAX_ATTEMPTS: '0' }, 'ACTIVITY_MAX_ATTEMPTS', /integer from 1 to 100/],
    ['all rank weights zero', { RANK_WEIGHT_TREND: '0', RANK_WEIGHT_PROFIT: '0', RANK_WEIGHT_VIRALITY: '0' }, 'RANK_WEIGHT_TREND', /all 0/],
    ['a bad time zone', { TIMEZONE: 'Mars/Olympus' }, 'TIMEZONE', /IANA time zone/],
    ['a public HOST without API_TOKEN', { HOST: '0.0.0.0' }, 'HOST', /API_TOKEN is not set/],
    [
      'a Slack bot token without a signing secret',
      { SLACK_BOT_TOKEN: 'xoxb-1-2-3' },
      'SLACK_SIGNING_SECRET',
      /SLACK_SIGNING_SECRET is missing: set it .* or unset SLACK_BOT_TOKEN to use the local console/,
    ],
    ['a Slack token of the wrong kind', { SLACK_BOT_TOKEN: 'xapp-1' }, 'SLACK_BOT_TOKEN', /starting with xoxb-/],
    ['a non-boolean-ish LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of fatal, error/],
    [
      'a max interval below the initial interval',
      { ACTIVITY_INITIAL_INTERVAL: '10m', ACTIVITY_MAX_INTERVAL: '1m' },
      'ACTIVITY_MAX_INTERVAL',
      /shorter than ACTIVITY_INITIAL_INTERVAL/,
    ],
  ];
  for (const [what, env, variable, message] of cases) {
    it(`rejects ${what}, naming ${variable}`, () => {
      const err = configErrorFor(env);
      expect(err.variable).toBe(variable);
      expect(err.message).toMatch(message);
    });
  }

  it('never echoes a secret value in its message', () => {
    const secret = 'xoxb-' + 'S'.repeat(30);
    const err = configErrorFor({ SLACK_BOT_TOKEN: secret });
    expect(err.message).not.toContain(secret);
    const dbErr = configErrorFor({ DATABASE_URL: 'mysql://user:hunter2@h/db' });
    expect(dbErr.message).not.toContain('hunter2');
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m, h and d', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('workflow ids', () => {
  it('names the daily run by the local date in the configured time zone', () => {
    const at = new Date('2026-11-27T03:30:00Z');
    expect(dailyWorkflowId(at, 'UTC')).toBe('daily-2026-11-27');
    expect(dailyWorkflowId(at, 'America/New_York')).toBe('daily-2026-11-26');
  });
  it('names the weekly run by ISO week', () => {
    expect(weeklyWorkflowId(new Date('2026-11-27T12:00:00Z'), 'UTC')).toBe('weekly-2026-W48');
    expect(weeklyWorkflowId(new Date('2027-01-01T12:00:00Z'), 'UTC')).toBe('weekly-2026-W53');
  });
});

describe('outside providers (Amazon Creators API, OpenAI)', () => {
  const amazon = {
    AMAZON_CREATORS_CREDENTIAL_ID: 'amzn1.cred.abc',
    AMAZON_CREATORS_CREDENTIAL_SECRET: 'sec-12345678',
    AMAZON_CREATORS_CREDENTIAL_VERSION: '3.1',
  };

  it('uses the offline defaults with zero accounts', () => {
    expect(loadConfig({}).providers).toEqual({ catalog: 'bundled', writer: 'template', voice: 'piper' });
    expect(loadConfig({ CATALOG_FILE: 'x.csv' }).providers.catalog).toBe('file');
  });

  it('switches to the real services when their credentials are set', () => {
    expect(loadConfig({ ...amazon, OPENAI_API_KEY: 'sk-test-1234567890' }).providers).toEqual({
      catalog: 'amazon-creators',
      writer: 'openai',
      voice: 'openai',
    });
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test-1234567890', WRITER: 'template', VOICE: 'espeak' }).providers).toEqual({
      catalog: 'bundled',
      writer: 'template',
      voice: 'espeak',
    });
  });

  it('speaks with Piper unless OpenAI is chosen, and keeps espeak-ng on request', () => {
    expect(loadConfig({ VOICE: 'piper' }).providers.voice).toBe('piper');
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test-1234567890', VOICE: 'piper' }).providers.voice).toBe('piper');
    expect(loadConfig({ VOICE: 'espeak' }).providers.voice).toBe('espeak');
    const c = loadConfig({ PIPER_PATH: '/opt/piper/bin/piper', PIPER_MODEL: '/opt/piper/en_US-lessac-medium.onnx' });
    expect([c.PIPER_PATH, c.PIPER_MODEL]).toEqual(['/opt/piper/bin/piper', '/opt/piper/en_US-lessac-medium.onnx']);
    expect([loadConfig({}).PIPER_PATH, loadConfig({}).PIPER_MODEL]).toEqual([undefined, undefined]);
  });

  it('refuses an unknown VOICE and a PIPER_MODEL that is not an .onnx file, naming what is expected', () => {
    expect(configErrorFor({ VOICE: 'festival' }).message).toMatch(/VOICE is invalid: got "festival", expected one of espeak, piper, openai/);
    const err = configErrorFor({ PIPER_MODEL: '/opt/piper/en_US-lessac-medium.onnx.json' });
    expect(err.variable).toBe('PIPER_MODEL');
    expect(err.message).toContain('.onnx voice model');
  });

  it.each(Object.keys(amazon))('names %s when the other Creators credentials are set without it', (missing) => {
    const env: Record<string, string> = { ...amazon };
    delete env[missing];
    const err = configErrorFor(env);
    expect(err.variable).toBe(missing);
    expect(err.message).toContain(`${missing} is missing`);
    expect(err.message).not.toContain('sec-12345678');
  });

  it('refuses an unknown credential version, naming the valid ones', () => {
    const err = configErrorFor({ ...amazon, AMAZON_CREATORS_CREDENTIAL_VERSION: '4.0' });
    expect(err.variable).toBe('AMAZON_CREATORS_CREDENTIAL_VERSION');
    expect(err.message).toMatch(/2\.1.*3\.3/);
  });

  it('refuses CATALOG_SEARCHES that is not a JSON array of searches, with an example', () => {
    const err = configErrorFor({ CATALOG_SEARCHES: '[{"category":"Home"}]' });
    expect(err.variable).toBe('CATALOG_SEARCHES');
    expect(err.message).toContain('keywords');
    expect(err.message).toMatch(/CATALOG_SEARCHES is invalid \(.*entry 1/i);
    expect(loadConfig({ CATALOG_SEARCHES: '[{"category":"Home & Kitchen","keywords":"air fryer","pages":2}]' }).CATALOG_SEARCHES).toHaveLength(1);
  });

  it('needs a key for WRITER=openai or VOICE=openai, and says so', () => {
    for (const env of [{ WRITER: 'openai' }, { VOICE: 'openai' }] as Record<string, string>[]) {
      const err = configErrorFor(env);
      expect(err.variable).toBe('OPENAI_API_KEY');
      expect(err.message).toContain('OPENAI_API_KEY is missing');
    }
    expect(configErrorFor({ VOICE: 'openai' }).message).toContain('set VOICE=piper');
  });
});

describe('publishing platforms and storage', () => {
  const key = 'a'.repeat(64);

  it('keeps the outbox for every platform with zero accounts, and local storage', () => {
    const c = loadConfig({});
    expect(c.publishers).toEqual({ YOUTUBE: 'outbox', TIKTOK: 'outbox', INSTAGRAM: 'outbox' });
    expect(c.STORAGE).toBe('local');
  });

  it('uses a platform API once its app credentials are set', () => {
    const c = loadConfig({ YOUTUBE_CLIENT_ID: '123-abc.apps.googleusercontent.com', YOUTUBE_CLIENT_SECRET: 'secret-1', TOKEN_ENCRYPTION_KEY: key });
    expect(c.publishers).toEqual({ YOUTUBE: 'api', TIKTOK: 'outbox', INSTAGRAM: 'outbox' });
  });

  it.each([
    [{ YOUTUBE_CLIENT_ID: '123-abc.apps.googleusercontent.com' }, 'YOUTUBE_CLIENT_SECRET'],
    [{ TIKTOK_CLIENT_SECRET: 'tt-secret-1', TIKTOK_REFRESH_TOKEN: 'rt-1234567890' }, 'TIKTOK_CLIENT_KEY'],
    [{ INSTAGRAM_ACCESS_TOKEN: 'IGAA' + 'x'.repeat(40) }, 'INSTAGRAM_USER_ID'],
  ])('half-set credentials stop start-up naming the missing one (%j)', (env, missing) => {
    const err = configErrorFor({ TOKEN_ENCRYPTION_KEY: key, ...env });
    expect(err.variable).toBe(missing);
    expect(err.message).toContain(`${missing} is missing`);
    expect(err.message).toMatch(/npm run connect --|outbox/);
  });

  it('needs TOKEN_ENCRYPTION_KEY when the tokens must come from the database', () => {
    const err = configErrorFor({ TIKTOK_CLIENT_KEY: 'tt-key-1', TIKTOK_CLIENT_SECRET: 'tt-secret-1' });
    expect(err.variable).toBe('TOKEN_ENCRYPTION_KEY');
    expect(err.message).toContain('openssl rand -hex 32');
  });

  it('the Instagram app id and secret (for npm run connect) do not switch Instagram on by themselves', () => {
    expect(loadConfig({ INSTAGRAM_APP_ID: '1234567890', INSTAGRAM_APP_SECRET: 'app-secret-1' }).publishers.INSTAGRAM).toBe('outbox');
  });

  it('STORAGE=s3 needs a bucket', () => {
    expect(configErrorFor({ STORAGE: 's3' }).variable).toBe('S3_BUCKET');
    expect(loadConfig({ STORAGE: 's3', S3_BUCKET: 'my-media' }).STORAGE).toBe('s3');
  });
});

describe('npm run worker -- --role <role>', () => {
  it('takes --role, --role= or the role alone, and defaults to all', () => {
    expect(parseWorkerRole([])).toBe('all');
    expect(parseWorkerRole(['--role', 'render'])).toBe('render');
    expect(parseWorkerRole(['--role=orchestration'])).toBe('orchestration');
    expect(parseWorkerRole(['render'])).toBe('render');
  });
  it('refuses an unknown role or argument, listing the roles', () => {
    expect(() => parseWorkerRole(['--role', 'renderer'])).toThrow('Unknown worker role "renderer". Use one of: all, orchestration, render');
    expect(() => parseWorkerRole(['--role'])).toThrow('--role needs a value');
    expect(() => parseWorkerRole(['--roles', 'render'])).toThrow('Unknown argument "--roles"');
  });
});
