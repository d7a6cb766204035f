// TEMPORAL_API_KEY and TEMPORAL_TLS_*: what the client and the workers connect
// with, and the start-up errors for settings that cannot work. Certificates are
// real ones, made with openssl (test/support/tls-proxy.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configErrorFor } from '../support/config-error.js';
import { loadConfig } from '../../src/config.js';
import { makePki, type Pki } from '../support/tls-proxy.js';

let pki: Pki;
beforeAll(() => {
  pki = makePki('temporal.test');
});
afterAll(() => pki?.remove());

const API_KEY = 'eyJhbGciOiJFUzI1NiJ9.secret-part-of-the-key.signature';

describe('Temporal connection settings', () => {
  it('connects in plain gRPC when nothing is set (the local dev server)', () => {
    expect(loadConfig({}).temporalConnection).toEqual({ address: '127.0.0.1:7233' });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporalConnection).toEqual({ address: 'temporal.internal:7233' });
  });

  it('builds mTLS from file paths: client certificate pair, CA and server name', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CERT: pki.clientCert,
      TEMPORAL_TLS_KEY: pki.clientKey,
      TEMPORAL_TLS_CA: pki.ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    });
    expect(c.temporalConnection).toEqual({
      address: 'temporal.internal:7233',
      tls: {
        serverNameOverride: 'temporal.test',
        serverRootCACertificate: pki.read(pki.ca),
        clientCertPair: { crt: pki.read(pki.clientCert), key: pki.read(pki.clientKey) },
      },
    });
  });

  it('takes PEM text instead of a path, also with \\n escapes on one line', () => {
    const oneLine = (file: string) => pki.read(file).toString().trim().replace(/\n/g, '\\n');
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CERT: oneLine(pki.clientCert),
      TEMPORAL_TLS_KEY: pki.read(pki.clientKey).toString(),
    });
    const tls = c.temporalConnection.tls as { clientCertPair: { crt: Buffer; key: Buffer } };
    expect(tls.clientCertPair.crt.toString().trim()).toBe(pki.read(pki.clientCert).toString().trim());
    expect(tls.clientCertPair.key).toEqual(pki.read(pki.clientKey));
  });

  it('turns TLS on for an API key, with the system CAs (Temporal Cloud)', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'accounting-production.a1b2c',
      TEMPORAL_API_KEY: API_KEY,
    });
    expect(c.temporalConnection).toEqual({ address: 'us-east-1.aws.api.temporal.io:7233', tls: {}, apiKey: API_KEY });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' }).temporalConnection).toEqual({
      address: 'temporal.internal:7233',
      tls: {},
    });
  });

  it('sends an API key in plain gRPC only to loopback, and only when TEMPORAL_TLS=false says so', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7300', TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }).temporalConnection).toEqual({
      address: '127.0.0.1:7300',
      tls: false,
      apiKey: API_KEY,
    });
  });

  const cases: [string, () => Record<string, string>, string, RegExp][] = [
    [
      'an API key without TEMPORAL_ADDRESS (the dev server has no credentials)',
      () => ({ TEMPORAL_API_KEY: API_KEY }),
      'TEMPORAL_ADDRESS',
      /^TEMPORAL_API_KEY is set but TEMPORAL_ADDRESS is not: the local dev server that `npm start` runs speaks plain gRPC without credentials\. Set TEMPORAL_ADDRESS to your server \(Temporal Cloud: <namespace>\.<account>\.tmprl\.cloud:7233, or <region>\.<provider>\.api\.temporal\.io:7233/,
    ],
    [
      'a client certificate without TEMPORAL_ADDRESS',
      () => ({ TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: pki.clientKey }),
      'TEMPORAL_ADDRESS',
      /^TEMPORAL_TLS_CERT is set but TEMPORAL_ADDRESS is not/,
    ],
    [
      'a certificate without its key',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.clientCert }),
      'TEMPORAL_TLS_KEY',
      /^TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs the client certificate and its private key\. Set TEMPORAL_TLS_KEY, or unset TEMPORAL_TLS_CERT\.$/,
    ],
    [
      'a key without its certificate',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_KEY: pki.clientKey }),
      'TEMPORAL_TLS_CERT',
      /^TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not/,
    ],
    [
      'a certificate file that does not exist',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }),
      'TEMPORAL_TLS_CA',
      /^TEMPORAL_TLS_CA cannot be read: the file \/nonexistent\/ca\.pem \(it does not exist\)\. Set it to the path of a PEM certificate file readable by this process, or to the PEM text itself\.$/,
    ],
    [
      'a directory for a file',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CA: pki.dir }),
      'TEMPORAL_TLS_CA',
      /^TEMPORAL_TLS_CA cannot be read: the file .* \(it is a directory\)/,
    ],
    [
      'a file that is not PEM (DER, say)',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CA: der() }),
      'TEMPORAL_TLS_CA',
      /^TEMPORAL_TLS_CA is not a PEM certificate: the file .*ca\.der has no -----BEGIN CERTIFICATE----- block \(DER or PKCS#12\? convert it with openssl\)/,
    ],
    [
      'the key and the certificate swapped',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.clientKey, TEMPORAL_TLS_KEY: pki.clientCert }),
      'TEMPORAL_TLS_CERT',
      /^TEMPORAL_TLS_CERT is not a PEM certificate: the file .*client\.key holds a "PRIVATE KEY" block\. Set it to a PEM certificate\.$/,
    ],
    [
      'a key that belongs to another certificate',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: pki.otherClientKey }),
      'TEMPORAL_TLS_KEY',
      /^TEMPORAL_TLS_KEY is not the private key of the certificate in TEMPORAL_TLS_CERT \(subject CN=worker, valid until \d{4}-\d\d-\d\d\): use the key file that was issued with that certificate\.$/,
    ],
    [
      'an expired client certificate',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.expiredCert, TEMPORAL_TLS_KEY: pki.expiredKey }),
      'TEMPORAL_TLS_CERT',
      /^TEMPORAL_TLS_CERT expired on 2020-01-02T00:00:00\.000Z \(subject CN=expired, valid until 2020-01-02\): the server will refuse it\. Issue a new certificate/,
    ],
    [
      'an encrypted private key',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: encryptedKey() }),
      'TEMPORAL_TLS_KEY',
      /^TEMPORAL_TLS_KEY is an encrypted private key \(the PEM text given inline\); the Temporal SDK cannot ask for its passphrase\. Decrypt it once/,
    ],
    [
      'TEMPORAL_TLS=false next to certificates',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: pki.ca }),
      'TEMPORAL_TLS',
      /^TEMPORAL_TLS is false but TEMPORAL_TLS_CA is set: unset TEMPORAL_TLS, or unset those\.$/,
    ],
    [
      'an API key in clear text across the network',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }),
      'TEMPORAL_TLS',
      /^TEMPORAL_TLS is false with TEMPORAL_API_KEY set: the key would cross the network to temporal\.internal:7233 in clear text\./,
    ],
    [
      'TLS off for Temporal Cloud',
      () => ({ TEMPORAL_ADDRESS: 'billing.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'billing.a1b2c', TEMPORAL_TLS: 'false' }),
      'TEMPORAL_TLS',
      /^TEMPORAL_TLS is false but billing\.a1b2c\.tmprl\.cloud:7233 is Temporal Cloud, which accepts only TLS connections/,
    ],
    [
      'Temporal Cloud without credentials',
      () => ({ TEMPORAL_ADDRESS: 'billing.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'billing.a1b2c' }),
      'TEMPORAL_API_KEY',
      /^TEMPORAL_ADDRESS is Temporal Cloud \(billing\.a1b2c\.tmprl\.cloud:7233\) but no credentials are set: set TEMPORAL_API_KEY .* or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/,
    ],
    [
      'a Cloud namespace without its account suffix',
      () => ({ TEMPORAL_ADDRESS: 'billing.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: API_KEY }),
      'TEMPORAL_NAMESPACE',
      /^TEMPORAL_NAMESPACE is "default", but Temporal Cloud \(billing\.a1b2c\.tmprl\.cloud:7233\) names a namespace <namespace>\.<account>, e\.g\. accounting-production\.a1b2c/,
    ],
    [
      'a client certificate on the API-key-only regional endpoint',
      () => ({
        TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
        TEMPORAL_NAMESPACE: 'billing.a1b2c',
        TEMPORAL_TLS_CERT: pki.clientCert,
        TEMPORAL_TLS_KEY: pki.clientKey,
      }),
      'TEMPORAL_ADDRESS',
      /^TEMPORAL_ADDRESS is a regional endpoint \(us-east-1\.aws\.api\.temporal\.io:7233\), which accepts API keys only: with a client certificate, connect to the namespace endpoint billing\.a1b2c\.tmprl\.cloud:7233/,
    ],
    [
      'an API key with spaces',
      () => ({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_API_KEY: 'two words' }),
      'TEMPORAL_API_KEY',
      /^TEMPORAL_API_KEY is invalid: got \(hidden\), expected an API key/,
    ],
  ];
  it.each(cases)('refuses %s, naming the variable and the fix', (_name, env, variable, message) => {
    const err = configErrorFor(env());
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
  });

  it('never puts a key, a certificate or the API key in a message', () => {
    const inlineKey = pki.read(pki.otherClientKey).toString();
    const errors = [
      configErrorFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: inlineKey }),
      configErrorFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CERT: inlineKey, TEMPORAL_TLS_KEY: pki.clientKey }),
      configErrorFor({ TEMPORAL_TLS_KEY: inlineKey, TEMPORAL_TLS_CERT: pki.clientCert }),
      configErrorFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }),
      configErrorFor({ TEMPORAL_ADDRESS: 'billing.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: API_KEY }),
    ];
    const keyBody = inlineKey.split('\n')[1]!;
    for (const err of errors) {
      expect(err.message).not.toContain(keyBody);
      expect(err.message).not.toContain('secret-part-of-the-key');
    }
  });
});

function der(): string {
  const file = path.join(pki.dir, 'ca.der');
  const b64 = pki
    .read(pki.ca)
    .toString()
    .replace(/-----[A-Z ]+-----|\s/g, '');
  fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

/** The client key, encrypted with a passphrase, as PEM text. */
function encryptedKey(): string {
  return execFileSync('openssl', ['pkey', '-in', pki.clientKey, '-aes-256-cbc', '-passout', 'pass:correct-horse'], { encoding: 'utf8' });
}
