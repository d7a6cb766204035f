// How every Temporal connection (the client in the API and scripts, the worker's
// NativeConnection) reaches a secured server: Temporal Cloud with an API key or
// mTLS, or a self-hosted cluster behind TLS. Built once from the configuration,
// so the client and the workers can never disagree.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { bool, ConfigError, type VarSpec } from './config-vars.js';

/** What both Connection.connect and NativeConnection.connect take. */
export interface TemporalConnectionOptions {
  address: string;
  /**
   * undefined: plaintext. `false` is explicit plaintext: the SDK would otherwise
   * turn TLS on by itself whenever an API key is set.
   */
  tls?: TlsMaterial | false;
  apiKey?: string;
}

/** The SDK's TLSConfig (the same shape in @temporalio/client and @temporalio/worker). */
export interface TlsMaterial {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionSettings {
  TEMPORAL_ADDRESS?: string;
  TEMPORAL_DEV_PORT: number;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_API_KEY?: string;
  TEMPORAL_TLS?: boolean;
  TEMPORAL_TLS_CERT?: string;
  TEMPORAL_TLS_KEY?: string;
  TEMPORAL_TLS_CA?: string;
  TEMPORAL_TLS_SERVER_NAME?: string;
}

/** TEMPORAL_TLS: true or false, or unset to let the other settings decide (an API key or a certificate turns TLS on). */
export const tlsSwitch: VarSpec<boolean | undefined> = {
  hint: 'true or false (unset: on when TEMPORAL_API_KEY or a TEMPORAL_TLS_* file is set)',
  parse: (raw) => (raw === undefined || raw.trim() === '' ? undefined : bool(false).parse(raw)),
};

/** Temporal Cloud's endpoints: <namespace>.<account>.tmprl.cloud (mTLS or API key) and <region>.<provider>.api.temporal.io (API key). */
const CLOUD_NAMESPACE_ENDPOINT = /\.tmprl\.cloud:\d+$/i;
const CLOUD_REGIONAL_ENDPOINT = /\.api\.temporal\.io:\d+$/i;

/**
 * The connection options, or a ConfigError naming the variable and the fix.
 * Certificates and keys are read and parsed here, at start-up, so a wrong file
 * stops the process with one message instead of a TLS error on every retry.
 * No message ever contains a key, a certificate or the API key.
 */
export function temporalConnectionOptions(c: TemporalConnectionSettings): TemporalConnectionOptions {
  const address = c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_DEV_PORT}`;
  const tlsVars = (['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const).filter((k) => c[k] !== undefined);
  const secured = c.TEMPORAL_API_KEY !== undefined || tlsVars.length > 0 || c.TEMPORAL_TLS === true;
  const cloud = CLOUD_NAMESPACE_ENDPOINT.test(address) || CLOUD_REGIONAL_ENDPOINT.test(address);

  if (secured && !c.TEMPORAL_ADDRESS) {
    const what = c.TEMPORAL_API_KEY !== undefined ? 'TEMPORAL_API_KEY' : (tlsVars[0] ?? 'TEMPORAL_TLS');
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      `${what} is set but TEMPORAL_ADDRESS is not: the local dev server that \`npm start\` runs speaks plain gRPC without credentials. Set TEMPORAL_ADDRESS to your server (Temporal Cloud: <namespace>.<account>.tmprl.cloud:7233, or <region>.<provider>.api.temporal.io:7233 with an API key), or unset ${what} to use the local dev server.`,
    );
  }
  if (c.TEMPORAL_TLS === false && tlsVars.length > 0) {
    throw new ConfigError(
      'TEMPORAL_TLS',
      `TEMPORAL_TLS is false but ${tlsVars.join(', ')} ${tlsVars.length > 1 ? 'are' : 'is'} set: unset TEMPORAL_TLS, or unset those.`,
    );
  }
  if (c.TEMPORAL_TLS === false && cloud) {
    throw new ConfigError('TEMPORAL_TLS', `TEMPORAL_TLS is false but ${address} is Temporal Cloud, which accepts only TLS connections: unset TEMPORAL_TLS.`);
  }
  if (c.TEMPORAL_TLS === false && c.TEMPORAL_API_KEY !== undefined && !isLoopbackAddress(address)) {
    throw new ConfigError(
      'TEMPORAL_TLS',
      `TEMPORAL_TLS is false with TEMPORAL_API_KEY set: the key would cross the network to ${address} in clear text. Unset TEMPORAL_TLS (an API key turns TLS on), or use a loopback address.`,
    );
  }
  if ((c.TEMPORAL_TLS_CERT === undefined) !== (c.TEMPORAL_TLS_KEY === undefined)) {
    const [set, missing] = c.TEMPORAL_TLS_CERT !== undefined ? ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'] : ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT'];
    throw new ConfigError(
      missing,
      `${set} is set but ${missing} is not: mTLS needs the client certificate and its private key. Set ${missing}, or unset ${set}.`,
    );
  }
  if (cloud) checkCloud(c, address);

  const options: TemporalConnectionOptions = { address };
  if (c.TEMPORAL_API_KEY !== undefined) options.apiKey = c.TEMPORAL_API_KEY;
  if (c.TEMPORAL_TLS === false) {
    if (options.apiKey !== undefined) options.tls = false;
    return options;
  }
  if (!secured && !cloud) return options;

  const tls: TlsMaterial = {};
  if (c.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverNameOverride = c.TEMPORAL_TLS_SERVER_NAME;
  if (c.TEMPORAL_TLS_CA !== undefined) {
    const ca = readPem('TEMPORAL_TLS_CA', c.TEMPORAL_TLS_CA, 'certificate');
    certificateOf('TEMPORAL_TLS_CA', ca);
    tls.serverRootCACertificate = ca;
  }
  if (c.TEMPORAL_TLS_CERT !== undefined && c.TEMPORAL_TLS_KEY !== undefined) {
    const crt = readPem('TEMPORAL_TLS_CERT', c.TEMPORAL_TLS_CERT, 'certificate');
    const key = readPem('TEMPORAL_TLS_KEY', c.TEMPORAL_TLS_KEY, 'private key');
    const cert = certificateOf('TEMPORAL_TLS_CERT', crt);
    if (!cert.checkPrivateKey(privateKeyOf(key))) {
      throw new ConfigError(
        'TEMPORAL_TLS_KEY',
        `TEMPORAL_TLS_KEY is not the private key of the certificate in TEMPORAL_TLS_CERT (${describeCert(cert)}): use the key file that was issued with that certificate.`,
      );
    }
    tls.clientCertPair = { crt, key };
  }
  options.tls = tls;
  return options;
}

function checkCloud(c: TemporalConnectionSettings, address: string): void {
  if (!/^[a-z0-9-]+\.[a-z0-9]+$/.test(c.TEMPORAL_NAMESPACE)) {
    throw new ConfigError(
      'TEMPORAL_NAMESPACE',
      `TEMPORAL_NAMESPACE is "${c.TEMPORAL_NAMESPACE}", but Temporal Cloud (${address}) names a namespace <namespace>.<account>, e.g. accounting-production.a1b2c: copy the Namespace ID from the Cloud UI.`,
    );
  }
  if (c.TEMPORAL_API_KEY === undefined && c.TEMPORAL_TLS_CERT === undefined) {
    throw new ConfigError(
      'TEMPORAL_API_KEY',
      `TEMPORAL_ADDRESS is Temporal Cloud (${address}) but no credentials are set: set TEMPORAL_API_KEY (an API key of a user or service account with access to ${c.TEMPORAL_NAMESPACE}), or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (a client certificate the namespace accepts).`,
    );
  }
  if (CLOUD_REGIONAL_ENDPOINT.test(address) && c.TEMPORAL_API_KEY === undefined) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      `TEMPORAL_ADDRESS is a regional endpoint (${address}), which accepts API keys only: with a client certificate, connect to the namespace endpoint ${c.TEMPORAL_NAMESPACE}.tmprl.cloud:7233, or set TEMPORAL_API_KEY.`,
    );
  }
}

const PEM_BLOCK = {
  certificate: /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
  'private key': /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/,
};

/**
 * A variable holds either PEM text (starts with -----BEGIN, for secret stores that
 * hand out contents; "\n" escapes are accepted, as one-line env values need them)
 * or the path of a PEM file (friendlier, and what Temporal's own *_PATH variables take).
 */
export function readPem(variable: string, value: string, kind: keyof typeof PEM_BLOCK): Buffer {
  const inline = value.trimStart().startsWith('-----BEGIN');
  let text: string;
  const source = inline ? 'the PEM text given inline' : `the file ${path.resolve(value)}`;
  if (inline) {
    text = value.replace(/\\n/g, '\n');
  } else {
    try {
      text = fs.readFileSync(path.resolve(value), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code);
      throw new ConfigError(
        variable,
        `${variable} cannot be read: ${source} (${why}). Set it to the path of a PEM ${kind} file readable by this process, or to the PEM text itself.`,
      );
    }
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) {
    throw new ConfigError(
      variable,
      `${variable} is an encrypted private key (${source}); the Temporal SDK cannot ask for its passphrase. Decrypt it once (\`openssl pkey -in key.pem -out key-plain.pem\`) and keep that file readable only by this service.`,
    );
  }
  if (!PEM_BLOCK[kind].test(text)) {
    const found = /-----BEGIN ([A-Z ]+)-----/.exec(text)?.[1];
    throw new ConfigError(
      variable,
      `${variable} is not a PEM ${kind}: ${source} ${found ? `holds a "${found}" block` : 'has no -----BEGIN ' + (kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY') + '----- block (DER or PKCS#12? convert it with openssl)'}. Set it to a PEM ${kind}.`,
    );
  }
  return Buffer.from(text);
}

function certificateOf(variable: string, pem: Buffer): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new ConfigError(variable, `${variable} holds a CERTIFICATE block that does not parse as an X.509 certificate: export the certificate again in PEM.`);
  }
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() < Date.now()) {
    throw new ConfigError(
      variable,
      `${variable} expired on ${validTo.toISOString()} (${describeCert(cert)}): ${variable === 'TEMPORAL_TLS_CA' ? 'nothing it signed verifies any more' : 'the server will refuse it'}. Issue a new certificate and point ${variable} at it.`,
    );
  }
  return cert;
}

function privateKeyOf(pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ConfigError(
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_KEY holds a PRIVATE KEY block that does not parse: export the key again in PEM (PKCS#8 or PKCS#1).',
    );
  }
}

/** Subject and expiry: enough to tell certificates apart, nothing secret. */
function describeCert(cert: X509Certificate): string {
  return `subject ${cert.subject.replace(/\n/g, ', ')}, valid until ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
}

function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * Why a connection attempt failed, in the terms of our settings, when the cause
 * is the TLS handshake or the credentials (these never fix themselves: retrying
 * is pointless); undefined for anything else (a server that is down, a network).
 * The client SDK only says "Failed to connect before the deadline" for a refused
 * handshake, so with TLS on the handshake is then tried once more with node:tls,
 * which says what went wrong.
 */
export async function explainRefusal(err: unknown, options: TemporalConnectionOptions): Promise<string | undefined> {
  const hint = refusalHint(messages(err), options);
  if (hint || !options.tls) return hint;
  const handshake = await tryHandshake(options);
  return handshake ? refusalHint(messages(handshake), options) : undefined;
}

function refusalHint(text: string, options: TemporalConnectionOptions): string | undefined {
  const tls = options.tls || undefined;
  if (/UNAUTHENTICATED|valid authentication credentials/i.test(text)) {
    return options.apiKey !== undefined
      ? 'it refused TEMPORAL_API_KEY (unknown, expired, disabled, or without access to this namespace): create a new key for a user or service account with access to the namespace'
      : 'it asks for credentials: set TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY';
  }
  if (/PERMISSION_DENIED|permission to perform/i.test(text)) {
    return 'the credentials give no access to this namespace: check TEMPORAL_NAMESPACE and the permissions of the key or certificate';
  }
  if (!tls) return undefined;
  if (/CertificateRequired|certificate required/i.test(text)) {
    return 'it requires a client certificate (mTLS): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY';
  }
  if (/alert (unknown ca|bad certificate|certificate unknown|certificate revoked|certificate expired)|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE)/i.test(text)) {
    return 'it refused the client certificate in TEMPORAL_TLS_CERT (not issued by a CA it accepts, revoked or expired): use a certificate from the CA the server or namespace trusts';
  }
  if (/closed right after the TLS handshake/.test(text)) {
    return tls.clientCertPair
      ? 'it closed the connection right after the TLS handshake, which is how a server refuses a client certificate it does not trust: use a certificate in TEMPORAL_TLS_CERT from the CA the server or namespace accepts'
      : 'it closed the connection right after the TLS handshake: it probably requires a client certificate (set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)';
  }
  if (/NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i.test(text)) {
    return `its certificate is not issued for ${tls.serverNameOverride ? `"${tls.serverNameOverride}" (TEMPORAL_TLS_SERVER_NAME)` : 'the host in TEMPORAL_ADDRESS'}: set TEMPORAL_TLS_SERVER_NAME to a name the certificate lists`;
  }
  if (/CERT_HAS_EXPIRED|certificate has expired|InvalidCertificate\(Expired/i.test(text)) {
    return "its certificate has expired: the server's operator must renew it";
  }
  if (
    /UnknownIssuer|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|unable to verify the first certificate|BadSignature/i.test(
      text,
    )
  ) {
    return tls.serverRootCACertificate
      ? "its certificate is not signed by the CA in TEMPORAL_TLS_CA: point TEMPORAL_TLS_CA at the CA that issued the server's certificate"
      : 'its certificate is not signed by a CA this system trusts: set TEMPORAL_TLS_CA to the CA that issued it';
  }
  if (/wrong version number|packet length too long|InvalidContentType|ERR_SSL_WRONG_VERSION_NUMBER/i.test(text)) {
    return 'it does not speak TLS: unset TEMPORAL_TLS_* and TEMPORAL_API_KEY for a plaintext server, or fix TEMPORAL_ADDRESS';
  }
  return undefined;
}

/** One TLS handshake as the SDK makes it (same CA, name, client certificate, ALPN h2); its error, or undefined when it succeeds. */
function tryHandshake(options: TemporalConnectionOptions): Promise<Error | undefined> {
  const material = options.tls || {};
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(options.address);
  if (!m) return Promise.resolve(undefined);
  const [, host, port] = m as unknown as [string, string, string];
  const name = material.serverNameOverride ?? host;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(port),
      servername: isIP(name) ? undefined : name,
      ca: material.serverRootCACertificate,
      cert: material.clientCertPair?.crt,
      key: material.clientCertPair?.key,
      ALPNProtocols: ['h2'],
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    const done = (err?: Error) => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(3000, () => done());
    socket.once('error', (err) => done(err));
    // With TLS 1.3 the server judges the client certificate after the handshake: its
    // verdict is the alert, or the first HTTP/2 frame it answers our preface with.
    socket.once('secureConnect', () => socket.write(HTTP2_PREFACE));
    socket.once('data', () => done());
    // Some servers (node's among them) drop a refused client without an alert.
    socket.once('end', () => done(socket.encrypted && socket.authorized ? new Error('closed right after the TLS handshake') : undefined));
  });
}

/** The HTTP/2 connection preface and an empty SETTINGS frame. */
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

function messages(err: unknown): string {
  const parts: string[] = [];
  let e = err as { message?: string; code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 5; i++, e = e.cause as typeof e) parts.push(String(e.message ?? e), String(e.code ?? ''));
  return parts.join(' | ');
}
