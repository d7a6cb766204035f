// Temporal Cloud and secured clusters: the client and the worker reach Temporal
// through TLS (mTLS or an API key) with the TEMPORAL_TLS_* / TEMPORAL_API_KEY
// settings, and a refused connection says which setting to fix. The dev server
// has no TLS, so a TLS terminator on loopback stands in for the secured frontend
// (test/support/tls-proxy.ts): it refuses what Temporal Cloud refuses.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { Orchestrator, TemporalUnavailableError } from '../../src/temporal/client.js';
import { createWorker } from '../../src/worker.js';
import { startTestSystem, type TestSystem } from '../support/harness.js';
import { makePki, startTlsProxy, type Pki, type TlsProxy } from '../support/tls-proxy.js';

const SERVER_NAME = 'temporal.test';

/** A config for connection checks only (no database or namespace of its own is used). */
const configFor = (env: Record<string, string | undefined>) => loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });

/** The client's verdict on a connection: the error `client()` throws (the API answers 503 with it). */
async function refusal(env: Record<string, string | undefined>): Promise<string> {
  const orchestrator = new Orchestrator(configFor(env));
  try {
    const err = await orchestrator.client().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemporalUnavailableError);
    return (err as Error).message;
  } finally {
    await orchestrator.close();
  }
}

/** The worker's verdict: createWorker rejects, at once (no 30 retries of a refusal that cannot heal). */
async function workerRefusal(env: Record<string, string | undefined>): Promise<{ message: string; ms: number }> {
  const config = configFor(env);
  const t0 = Date.now();
  const err = await createWorker(config, createLogger('test', 'silent'), { workflowBundlePath: inject('workflowBundlePath'), connectRetries: 30 }).then(
    async (w) => {
      await w.shutdown();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(Error);
  return { message: err!.message, ms: Date.now() - t0 };
}

/** Runs the weekly optimization (the lightest workflow in the bundle) through the system's client and worker. */
async function runWeekly(sys: TestSystem): Promise<void> {
  const client = await sys.orchestrator.client();
  const workflowId = `weekly-tls-${randomBytes(4).toString('hex')}`;
  const result = await client.workflow.execute('weeklyOptimization', {
    workflowId,
    taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
    args: [sys.orchestrator.weeklyInput()],
  });
  expect(result.analytics).toMatchObject({ totalClicks: 0 });
  const described = await client.workflow.getHandle(workflowId).describe();
  expect(described.status.name).toBe('COMPLETED');
}

let pki: Pki;
beforeAll(() => {
  pki = makePki(SERVER_NAME);
});
afterAll(() => pki?.remove());

describe('Temporal behind mTLS', () => {
  let proxy: TlsProxy;
  let mtls: Record<string, string>;
  beforeAll(async () => {
    proxy = await startTlsProxy({
      upstream: inject('temporalAddress'),
      cert: pki.read(pki.serverCert),
      key: pki.read(pki.serverKey),
      clientCa: pki.read(pki.ca),
    });
    mtls = {
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_CA: pki.ca,
      TEMPORAL_TLS_CERT: pki.clientCert,
      TEMPORAL_TLS_KEY: pki.clientKey,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    };
  });
  afterAll(async () => proxy?.close());

  it('runs a workflow with the client and the worker connected by client certificate', async () => {
    const before = proxy.counts.relayed;
    const sys = await startTestSystem({ env: mtls });
    try {
      expect(await sys.orchestrator.health()).toMatchObject({ ok: true, address: proxy.address });
      await runWeekly(sys);
      // Both sides spoke through the TLS frontend: the worker's polls and the client's calls.
      expect(proxy.counts.relayed - before).toBeGreaterThan(5);
    } finally {
      await sys.stop();
    }
  });

  it('refuses a client without a certificate, and says to set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY', async () => {
    const noCert = { ...mtls, TEMPORAL_TLS_CERT: undefined, TEMPORAL_TLS_KEY: undefined };
    const message = await refusal(noCert);
    // The health check (GET /healthz) reports the same reason.
    const orchestrator = new Orchestrator(configFor(noCert));
    expect(await orchestrator.health()).toEqual({ ok: false, address: proxy.address, error: message });
    await orchestrator.close();
    expect(message).toMatch(
      new RegExp(
        `^Temporal at ${proxy.address} refused the connection: it requires a client certificate \\(mTLS\\): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY\\.`,
      ),
    );
  });

  it('refuses a client certificate from another CA', async () => {
    const message = await refusal({ ...mtls, TEMPORAL_TLS_CERT: pki.otherClientCert, TEMPORAL_TLS_KEY: pki.otherClientKey });
    expect(message).toMatch(
      /refused the connection: it closed the connection right after the TLS handshake, which is how a server refuses a client certificate/,
    );
  });

  it('refuses a server whose certificate is not from TEMPORAL_TLS_CA', async () => {
    const message = await refusal({ ...mtls, TEMPORAL_TLS_CA: pki.otherCa });
    expect(message).toMatch(/refused the connection: its certificate is not signed by the CA in TEMPORAL_TLS_CA: point TEMPORAL_TLS_CA at the CA/);
  });

  it('refuses a server whose certificate is for another name than TEMPORAL_TLS_SERVER_NAME', async () => {
    expect(await refusal({ ...mtls, TEMPORAL_TLS_SERVER_NAME: 'other.test' })).toMatch(
      /refused the connection: its certificate is not issued for "other\.test" \(TEMPORAL_TLS_SERVER_NAME\): set TEMPORAL_TLS_SERVER_NAME/,
    );
    // Without the override the name checked is the host of TEMPORAL_ADDRESS (127.0.0.1), which the certificate does not list either.
    expect(await refusal({ ...mtls, TEMPORAL_TLS_SERVER_NAME: undefined })).toMatch(/its certificate is not issued for the host in TEMPORAL_ADDRESS/);
  });

  it('stops a worker without a certificate at once, with the reason', async () => {
    const { message, ms } = await workerRefusal({ ...mtls, TEMPORAL_TLS_CERT: undefined, TEMPORAL_TLS_KEY: undefined });
    expect(message).toMatch(/^Temporal at 127\.0\.0\.1:\d+ refused the worker's connection: it requires a client certificate \(mTLS\)/);
    expect(ms).toBeLessThan(5000);
  });
});

describe('Temporal with an API key (as Temporal Cloud)', () => {
  const apiKey = `test-key-${randomBytes(16).toString('hex')}`;
  let proxy: TlsProxy;
  let keyed: Record<string, string>;
  beforeAll(async () => {
    proxy = await startTlsProxy({ upstream: inject('temporalAddress'), cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey), apiKey });
    // The test server's certificate is from our own CA; Temporal Cloud's is publicly trusted and needs neither of these.
    keyed = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: pki.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME, TEMPORAL_API_KEY: apiKey };
  });
  afterAll(async () => proxy?.close());

  it('runs a workflow with the client and the worker sending the key', async () => {
    const sys = await startTestSystem({ env: keyed });
    try {
      await runWeekly(sys);
      expect(proxy.counts.unauthenticated).toBe(0);
      expect(proxy.counts.relayed).toBeGreaterThan(5);
    } finally {
      await sys.stop();
    }
  });

  it('refuses a wrong key with UNAUTHENTICATED, and the message never shows the key', async () => {
    const wrong = `wrong-key-${randomBytes(16).toString('hex')}`;
    const before = proxy.counts.unauthenticated;
    const message = await refusal({ ...keyed, TEMPORAL_API_KEY: wrong });
    expect(message).toMatch(
      /^Temporal at 127\.0\.0\.1:\d+ refused the connection: it refused TEMPORAL_API_KEY \(unknown, expired, disabled.*\(16 UNAUTHENTICATED: Request unauthorized: invalid API key\)$/,
    );
    expect(message).not.toContain(wrong);
    expect(proxy.counts.unauthenticated).toBeGreaterThan(before);

    const worker = await workerRefusal({ ...keyed, TEMPORAL_API_KEY: wrong });
    expect(worker.message).toMatch(/refused the worker's connection: it refused TEMPORAL_API_KEY/);
    expect(worker.message).not.toContain(wrong);
    expect(worker.ms).toBeLessThan(5000);
  });

  it('refuses a missing key, and says which settings give credentials', async () => {
    const message = await refusal({ ...keyed, TEMPORAL_API_KEY: undefined });
    expect(message).toMatch(/refused the connection: it asks for credentials: set TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
  });
});
