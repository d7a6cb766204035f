// A secured Temporal frontend for tests: the CLI dev server has no TLS options
// (`temporal server start-dev --help` lists none), so this terminates TLS on
// loopback and relays each gRPC call (an HTTP/2 stream) to the dev server's
// plain port. Like a secured cluster or Temporal Cloud it refuses, before any
// call reaches Temporal, a client without a certificate from the client CA
// (mTLS), and a call without the right `authorization: Bearer <key>` (API keys,
// answered with gRPC status UNAUTHENTICATED, 16).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM } = http2.constants;

export interface TlsProxyOptions {
  /** host:port of the plaintext Temporal frontend. */
  upstream: string;
  /** The server's certificate and key (PEM). */
  cert: Buffer;
  key: Buffer;
  /** mTLS: only clients with a certificate issued by this CA get through the handshake. */
  clientCa?: Buffer;
  /** API key mode: every call must carry `authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

export interface TlsProxy {
  address: string;
  /** Calls relayed to Temporal, and calls refused for a missing or wrong API key. */
  counts: { relayed: number; unauthenticated: number };
  close(): Promise<void>;
}

export async function startTlsProxy(opts: TlsProxyOptions): Promise<TlsProxy> {
  const counts = { relayed: 0, unauthenticated: 0 };
  let upstream: http2.ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${opts.upstream}`);
      upstream.on('error', () => undefined); // each relayed stream reports its own failure
    }
    return upstream;
  };
  const server = http2.createSecureServer({
    cert: opts.cert,
    key: opts.key,
    ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('stream', (stream, headers) => {
    if (opts.apiKey !== undefined && headers.authorization !== `Bearer ${opts.apiKey}`) {
      counts.unauthenticated++;
      const why = headers.authorization ? 'Request unauthorized: invalid API key' : 'Request unauthorized: missing authorization header';
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': why }, { endStream: true });
      return;
    }
    counts.relayed++;
    const forward: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':') || name === ':method' || name === ':path') forward[name] = value;
    const call = session().request(forward);
    stream.pipe(call);
    let trailers: http2.IncomingHttpHeaders = {};
    call.on('response', (responseHeaders, flags) => {
      const out = Object.fromEntries(Object.entries(responseHeaders).filter(([n]) => !n.startsWith(':') || n === ':status'));
      // A "trailers-only" answer (an error before any message) ends with its headers.
      if (flags & NGHTTP2_FLAG_END_STREAM) return stream.respond(out, { endStream: true });
      stream.respond(out, { waitForTrailers: true });
      call.pipe(stream);
    });
    call.on('trailers', (t) => (trailers = t));
    stream.on('wantTrailers', () => stream.sendTrailers(Object.fromEntries(Object.entries(trailers).filter(([n]) => !n.startsWith(':')))));
    call.on('error', () => !stream.destroyed && stream.close(NGHTTP2_CANCEL));
    stream.on('error', () => undefined);
    // A cancelled call (a worker's long poll at shutdown) is cancelled upstream too.
    stream.on('close', () => !call.closed && call.close(NGHTTP2_CANCEL));
  });
  server.on('tlsClientError', () => undefined); // refused handshakes are the point of some tests
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    async close() {
      upstream?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open client sessions would keep close() waiting.
        setTimeout(resolve, 500).unref();
      });
    },
  };
}

export interface Pki {
  dir: string;
  /** PEM file paths. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that issued nothing the server uses, and a client certificate from it. */
  otherCa: string;
  otherClientCert: string;
  otherClientKey: string;
  /** A self-signed client certificate (and its key) that expired on 2020-01-02. */
  expiredCert: string;
  expiredKey: string;
  read(file: string): Buffer;
  remove(): void;
}

/**
 * A throwaway PKI made with openssl: a CA, a server certificate for `serverName`
 * (and only that name), a client certificate, plus a second CA with its own client.
 */
export function makePki(serverName: string): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(name));
  const ca = (name: string, cn: string) => {
    key(`${name}.key`);
    ssl('req', '-x509', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${cn}`, '-days', '2', '-out', f(`${name}.pem`));
  };
  const issue = (name: string, cn: string, by: string, ext: string) => {
    key(`${name}.key`);
    ssl('req', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`));
    fs.writeFileSync(f(`${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${by}.pem`),
      '-CAkey',
      f(`${by}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.pem`),
    );
  };
  ca('ca', 'affiliate-empire test CA');
  ca('other-ca', 'some other CA');
  issue('server', serverName, 'ca', `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  issue('client', 'worker', 'ca', 'extendedKeyUsage=clientAuth\n');
  issue('other-client', 'intruder', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  // `openssl req` refuses dates in the past; `openssl ca` takes them.
  key('expired.key');
  ssl('req', '-new', '-key', f('expired.key'), '-subj', '/CN=expired', '-out', f('expired.csr'));
  fs.writeFileSync(
    f('ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n',
  );
  fs.writeFileSync(f('index.txt'), '');
  fs.writeFileSync(f('serial'), '01\n');
  ssl(
    'ca',
    '-batch',
    '-config',
    f('ca.cnf'),
    '-keyfile',
    f('expired.key'),
    '-selfsign',
    '-in',
    f('expired.csr'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-out',
    f('expired.pem'),
  );
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    otherCa: f('other-ca.pem'),
    otherClientCert: f('other-client.pem'),
    otherClientKey: f('other-client.key'),
    expiredCert: f('expired.pem'),
    expiredKey: f('expired.key'),
    read: (file) => fs.readFileSync(file),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
