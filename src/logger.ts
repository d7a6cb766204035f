import pino from 'pino';
import { SECRET_VARIABLES } from './config.js';

/**
 * Structured logs. Secrets never reach a log line: authorization headers and any
 * field named like a secret are redacted, and secret env values are masked.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream) {
  const secrets = SECRET_VARIABLES.map((k) => process.env[k]).filter((v): v is string => Boolean(v && v.length >= 8));
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'authorization',
          'token',
          'apiToken',
          '*.token',
          'password',
          'DATABASE_URL',
          'databaseUrl',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          if (secrets.length) {
            args = args.map((a) => (typeof a === 'string' ? maskSecrets(a, secrets) : a)) as typeof args;
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination(1),
  );
}

export function maskSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export type Logger = ReturnType<typeof createLogger>;
