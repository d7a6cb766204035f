import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createDb } from '../../src/db.js';
import { freePort } from '../../src/embedded/temporal.js';
import { createLogger } from '../../src/logger.js';
import { Orchestrator } from '../../src/temporal/client.js';
import { startTestSystem, testConfig, type TestSystem } from '../support/harness.js';

describe('bad input gets a clear 4xx and the server keeps serving', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(async () => sys?.stop());

  const cases: {
    name: string;
    method: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
    status: number;
    code: string;
    field?: string;
    message: RegExp;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: '{"maxProducts": 5,',
      status: 400,
      code: 'invalid_json',
      message: /not valid JSON/,
    },
    {
      name: 'a JSON array instead of an object',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: '[1,2]',
      status: 400,
      code: 'invalid_request',
      message: /must be a JSON object/,
    },
    {
      name: 'maxProducts as a string',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { maxProducts: 'five' },
      status: 400,
      code: 'invalid_request',
      field: 'maxProducts',
      message: /maxProducts: must be a whole number/,
    },
    {
      name: 'maxProducts of 0',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { maxProducts: 0 },
      status: 400,
      code: 'invalid_request',
      field: 'maxProducts',
      message: /at least 1/,
    },
    {
      name: 'a fractional maxProducts',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { maxProducts: 2.5 },
      status: 400,
      code: 'invalid_request',
      field: 'maxProducts',
      message: /whole number/,
    },
    {
      name: 'maxProducts above 100',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { maxProducts: 1000 },
      status: 400,
      code: 'invalid_request',
      field: 'maxProducts',
      message: /at most 100/,
    },
    {
      name: 'an unknown platform',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { platforms: ['youtube', 'myspace'] },
      status: 400,
      code: 'invalid_request',
      field: 'platforms',
      message: /"MYSPACE" is not a platform; use any of YOUTUBE, TIKTOK, INSTAGRAM/,
    },
    {
      name: 'an empty platform list',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { platforms: [] },
      status: 400,
      code: 'invalid_request',
      field: 'platforms',
      message: /at least one/,
    },
    {
      name: 'a non-boolean autoApprove',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { autoApprove: 'yes' },
      status: 400,
      code: 'invalid_request',
      field: 'autoApprove',
      message: /true or false/,
    },
    {
      name: 'an unknown field (typo)',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: { maxProduct: 5 },
      status: 400,
      code: 'invalid_request',
      field: 'maxProduct',
      message: /unknown field "maxProduct"/,
    },
    {
      name: 'an unsupported content type',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: 'maxProducts=5',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'unsupported_media_type',
      message: /must send Content-Type: application\/json/,
    },
    {
      name: 'a body over 1 MB',
      method: 'POST',
      path: '/orchestrator/daily-loop/start',
      body: JSON.stringify({ x: 'a'.repeat(1_100_000) }),
      status: 413,
      code: 'body_too_large',
      message: /limited to 1 MB/,
    },
    {
      name: 'a status request for an unknown workflow',
      method: 'GET',
      path: '/orchestrator/daily-loop/status/daily-1999-01-01',
      status: 404,
      code: 'workflow_not_found',
      field: 'workflowId',
      message: /No workflow with id "daily-1999-01-01"/,
    },
    {
      name: 'a cancel for an unknown workflow',
      method: 'POST',
      path: '/orchestrator/daily-loop/cancel/nope-123',
      status: 404,
      code: 'workflow_not_found',
      message: /No workflow/,
    },
    {
      name: 'a malformed workflow id',
      method: 'GET',
      path: '/orchestrator/daily-loop/status/bad%20id%3B',
      status: 400,
      code: 'invalid_request',
      field: 'workflowId',
      message: /must be a workflow id/,
    },
    {
      name: 'a non-numeric limit',
      method: 'GET',
      path: '/orchestrator/workflow-logs?limit=ten',
      status: 400,
      code: 'invalid_request',
      field: 'limit',
      message: /whole number from 1 to 500/,
    },
    {
      name: 'a limit of 0',
      method: 'GET',
      path: '/orchestrator/workflow-logs?limit=0',
      status: 400,
      code: 'invalid_request',
      field: 'limit',
      message: /at least 1/,
    },
    {
      name: 'a limit above 500',
      method: 'GET',
      path: '/orchestrator/workflow-logs?limit=100000',
      status: 400,
      code: 'invalid_request',
      field: 'limit',
      message: /at most 500/,
    },
    {
      name: 'an unknown query parameter',
      method: 'GET',
      path: '/orchestrator/workflow-logs?limt=5',
      status: 400,
      code: 'invalid_request',
      field: 'limt',
      message: /unknown field "limt"/,
    },
    { name: 'an unknown route', method: 'GET', path: '/orchestrator/nope', status: 404, code: 'not_found', message: /No route GET \/orchestrator\/nope/ },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} ${c.code}`, async () => {
      const r = await sys.request(c.method, c.path, c.body, c.headers);
      expect(r.status).toBe(c.status);
      expect(r.body.error.code).toBe(c.code);
      expect(r.body.error.message).toMatch(c.message);
      if (c.field) expect(r.body.error.field).toBe(c.field);
    });
  }

  it('accepts an empty POST body (every field is optional) and a comma-separated platform string', async () => {
    const { startDailyBody } = await import('../../src/api/routes/orchestrator.js');
    expect(startDailyBody.parse({ platforms: 'youtube,INSTAGRAM' })).toEqual({ platforms: ['YOUTUBE', 'INSTAGRAM'] });
  });

  it('still serves after all that bad input', async () => {
    const r = await sys.request('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', temporal: { ok: true }, database: { ok: true } });
  });
});

describe('API_TOKEN protects /orchestrator routes', () => {
  const token = 'test-token-0123456789abcdef';
  let sys: TestSystem;
  const lines: string[] = [];
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false, env: { API_TOKEN: token } });
    // A second server over the same system, logging at debug level into memory.
    const log = createLogger('api', 'debug', new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
    const app = await buildServer({ config: sys.config, db: sys.db, orchestrator: sys.orchestrator, log });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await fetch(`${url}/orchestrator/workflow-logs`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${url}/orchestrator/workflow-logs`, { headers: { authorization: `Bearer wrong-${token}` } });
    await app.close();
  });
  afterAll(async () => sys?.stop());

  it('rejects a request without a token with 401 and says how to send one', async () => {
    const r = await sys.request('GET', '/orchestrator/workflow-logs');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Authorization: Bearer <API_TOKEN>/) });
  });

  it('rejects a wrong token with 401', async () => {
    const r = await sys.request('GET', '/orchestrator/workflow-logs', undefined, { authorization: 'Bearer not-the-token-at-all' });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/bearer token is wrong/);
  });

  it('accepts the right token', async () => {
    const r = await sys.request('GET', '/orchestrator/workflow-logs', undefined, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(r.body.logs).toEqual([]);
  });

  it('checks the token before looking at the body', async () => {
    const r = await sys.request('POST', '/orchestrator/daily-loop/start', '{broken');
    expect(r.status).toBe(401);
  });

  it('leaves /healthz open', async () => {
    expect((await sys.request('GET', '/healthz')).status).toBe(200);
  });

  it('never writes the token into the logs', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(token);
  });
});

describe('Temporal or the database unreachable → 503, and the server keeps serving', () => {
  let sys: TestSystem;
  let downApi: Awaited<ReturnType<typeof buildServer>>;
  let downUrl = '';
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    // The same API wired to a Temporal and a PostgreSQL that are not there.
    const deadTemporal = await freePort();
    const deadPg = await freePort();
    const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${deadTemporal}`, DATABASE_URL: `postgresql://postgres:x@127.0.0.1:${deadPg}/nope` });
    const db = createDb(config.DATABASE_URL!);
    downApi = await buildServer({ config, db, orchestrator: new Orchestrator(config), log: createLogger('down', 'silent') });
    await downApi.listen({ port: 0, host: '127.0.0.1' });
    downUrl = `http://127.0.0.1:${(downApi.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await downApi?.close();
    await sys?.stop();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(downUrl + path, {
      method,
      body: body ? JSON.stringify(body) : undefined,
      headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    });
    return { status: r.status, body: await r.json() };
  };

  it('answers a status with 503 temporal_unavailable naming the address and the fix', async () => {
    const r = await call('GET', '/orchestrator/daily-loop/status/daily-2026-01-01');
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('temporal_unavailable');
    expect(r.body.error.message).toMatch(/Temporal is not reachable at 127\.0\.0\.1:\d+: start it .* or fix TEMPORAL_ADDRESS/);
  });

  it('answers a start and a cancel with 503 database_unavailable: the audit row comes first, so nothing is done', async () => {
    for (const r of [
      await call('POST', '/orchestrator/daily-loop/start', { maxProducts: 3 }),
      await call('POST', '/orchestrator/daily-loop/cancel/daily-2026-01-01'),
    ]) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('database_unavailable');
      expect(r.body.error.message).toMatch(/Nothing was changed/);
    }
  });

  it('answers workflow-logs with 503 database_unavailable when PostgreSQL is down', async () => {
    const r = await call('GET', '/orchestrator/workflow-logs');
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('database_unavailable');
    expect(r.body.error.message).toMatch(/fix DATABASE_URL/);
  });

  it('reports both outages on /healthz with 503 and keeps answering', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await call('GET', '/healthz');
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ status: 'degraded', temporal: { ok: false }, database: { ok: false } });
    }
  });
});
