// Benchmark: a 50 MB upload to YouTube's resumable endpoint (the loopback fake) by
// YouTubePublisher (8 MiB chunks, the default, read from the file by ranges) against curl
// sending the same file to the same fake in one PUT of the whole session.
//
//   npx tsx bench/youtube-upload.ts          (BENCH_RUNS=n runs each, default 3)
//
// Ours is timed end to end (token from the cache after the warm-up run, session start, the
// chunks); curl is timed for its PUT only (its session is made beforehand), so the ratio
// charges us for the session start and the chunking. Both go over loopback to the same fake,
// which hashes every byte, in a child process of its own (in ours it would share our event
// loop, while curl's runs beside it): the figures are client overhead plus the fake's cost,
// not YouTube's speed. Target: ours within 1.5× of curl.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { YouTubePublisher, DEFAULT_CHUNK_BYTES } from '../src/providers/publisher/youtube.js';
import type { PublishRequest, StoredToken } from '../src/providers/publisher/types.js';
import { FakeGoogle } from '../test/fakes/google.js';
import {
  BENCH_VAR_DIR,
  benchRuns,
  isMain,
  machineInfo,
  measurement,
  median,
  printJsonLine,
  printMachine,
  printMeasurements,
  timed,
  type Measurement,
} from './lib.js';

const FILE_BYTES = 50_000_000;
const TARGET_RATIO = 1.5;

export interface YouTubeUploadBenchResult {
  measurements: Measurement[];
  bytes: number;
  chunkBytes: number;
  oursMBps: number;
  curlMBps: number;
  /** Our median time over curl's (lower is better). */
  ratio: number;
  withinTarget: boolean;
}

export async function runYouTubeUploadBench(runs = 3): Promise<YouTubeUploadBenchResult> {
  const dir = path.join(BENCH_VAR_DIR, 'youtube-upload');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'video.mp4');
  const sha256 = writeRandomFile(file, FILE_BYTES);

  const google = await RemoteFake.start();
  try {
    let token: StoredToken = { refreshToken: google.refreshToken };
    const vault = { get: async () => token, save: async (_p: unknown, t: StoredToken) => void (token = { ...token, ...t }) };
    const publisher = new YouTubePublisher({
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      tokenUrl: google.tokenUrl,
      apiUrl: google.apiUrl,
      vault,
      privacy: 'private',
    });
    const req: PublishRequest = {
      idempotencyKey: 'bench',
      platform: 'YOUTUBE',
      videoId: 'bench',
      videoPath: file,
      thumbnailPath: null,
      title: 'Benchmark upload',
      description: 'A benchmark upload to the loopback fake.',
      hashtags: ['#bench'],
      language: 'en',
    };
    const check = async (videoId: string) => {
      if ((await google.sha256Of(videoId)) !== sha256) throw new Error(`upload ${videoId} did not arrive intact`);
    };

    // One warm-up each (token, connection pool, page cache), not counted.
    await check((await publisher.publish(req)).externalId);
    await check(await curlPut(await startSession(google, FILE_BYTES), file, FILE_BYTES));
    const oursMs: number[] = [];
    const curlMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ours = await timed(() => publisher.publish(req));
      await check(ours.value.externalId);
      oursMs.push(ours.ms);
      const uri = await startSession(google, FILE_BYTES);
      const curl = await timed(() => curlPut(uri, file, FILE_BYTES));
      await check(curl.value);
      curlMs.push(curl.ms);
    }
    const curlMedian = median(curlMs);
    const oursMedian = median(oursMs);
    const mbps = (ms: number) => Math.round((FILE_BYTES / 1e6 / (ms / 1000)) * 10) / 10;
    const ratio = Math.round((oursMedian / curlMedian) * 100) / 100;
    return {
      measurements: [
        measurement('youtubePublisher', `YouTubePublisher, 50 MB in ${DEFAULT_CHUNK_BYTES / 2 ** 20} MiB chunks`, oursMs, curlMedian * TARGET_RATIO),
        measurement('curl', 'curl, 50 MB in one PUT', curlMs),
      ],
      bytes: FILE_BYTES,
      chunkBytes: DEFAULT_CHUNK_BYTES,
      oursMBps: mbps(oursMedian),
      curlMBps: mbps(curlMedian),
      ratio,
      withinTarget: ratio <= TARGET_RATIO,
    };
  } finally {
    google.close();
  }
}

type FakeInfo = Pick<FakeGoogle, 'tokenUrl' | 'apiUrl' | 'clientId' | 'clientSecret' | 'refreshToken'>;

/** The fake in a child process (this file with YT_BENCH_ROLE=fake), asked over IPC what arrived. */
class RemoteFake {
  private asked = 0;
  private readonly waiting = new Map<number, (sha: string | null) => void>();
  private constructor(
    private readonly child: ChildProcess,
    readonly info: FakeInfo,
  ) {
    child.on('message', (m: { id: number; sha256: string | null }) => this.waiting.get(m.id)?.(m.sha256));
  }
  static async start(): Promise<RemoteFake & FakeInfo> {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, YT_BENCH_ROLE: 'fake' } });
    const info = await new Promise<FakeInfo>((resolve, reject) => {
      child.once('message', (m) => resolve(m as FakeInfo));
      child.once('exit', (code) => reject(new Error(`the fake exited (${code}) before it was ready`)));
    });
    return Object.assign(new RemoteFake(child, info), info);
  }
  sha256Of(videoId: string): Promise<string | null> {
    const id = ++this.asked;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, videoId });
    });
  }
  close(): void {
    this.child.kill();
  }
}

async function serveFake(): Promise<void> {
  const google = await FakeGoogle.start({ quotaUnits: Number.MAX_SAFE_INTEGER });
  const { tokenUrl, apiUrl, clientId, clientSecret, refreshToken } = google;
  process.on('message', (m: { id: number; videoId: string }) =>
    process.send!({ id: m.id, sha256: google.videos().find((v) => v.id === m.videoId)?.sha256 ?? null }),
  );
  process.on('disconnect', () => void google.close().then(() => process.exit(0)));
  process.send!({ tokenUrl, apiUrl, clientId, clientSecret, refreshToken });
}

export function printYouTubeUploadBench(r: YouTubeUploadBenchResult): void {
  console.log('\nYouTube resumable upload (loopback fake)');
  printMachine(machineInfo('n/a'));
  printMeasurements(r.measurements);
  console.log(
    `  throughput: ours ${r.oursMBps} MB/s, curl ${r.curlMBps} MB/s; ours takes ${r.ratio}× curl's time ` +
      `(target ≤ ${TARGET_RATIO}×: ${r.withinTarget ? 'met' : 'NOT met'})`,
  );
  printJsonLine({ bench: 'youtube-upload', ...r });
}

/** Random bytes written in 1 MiB pieces; returns their sha256. */
function writeRandomFile(file: string, bytes: number): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = bytes; left > 0;) {
      const piece = randomBytes(Math.min(left, 1024 * 1024));
      hash.update(piece);
      fs.writeSync(fd, piece);
      left -= piece.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

async function startSession(google: FakeInfo, size: number): Promise<string> {
  const form = { grant_type: 'refresh_token', refresh_token: google.refreshToken, client_id: google.clientId, client_secret: google.clientSecret };
  const tokenRes = await fetch(google.tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const res = await fetch(`${google.apiUrl}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${access_token}`,
      'content-type': 'application/json',
      'x-upload-content-length': String(size),
      'x-upload-content-type': 'video/mp4',
    },
    body: JSON.stringify({ snippet: { title: 'Benchmark upload (curl)' }, status: { privacyStatus: 'private' } }),
  });
  const uri = res.headers.get('location');
  if (res.status !== 200 || !uri) throw new Error(`session start answered ${res.status}`);
  return uri;
}

/** `curl -X PUT --data-binary @file` of the whole file; returns the video id. */
function curlPut(uri: string, file: string, size: number): Promise<string> {
  // prettier-ignore
  const args = ['-sS', '-X', 'PUT', '--data-binary', `@${file}`, '-H', `Content-Range: bytes 0-${size - 1}/${size}`, '-H', 'Content-Type: video/mp4',
    '-H', 'Expect:', '-w', '\n%{http_code}', uri];
  return new Promise((resolve, reject) =>
    execFile('curl', args, { maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
      if (status !== '201') return reject(new Error(`curl upload answered ${status}: ${body.slice(0, 200)}`));
      resolve((JSON.parse(body) as { id: string }).id);
    }),
  );
}

if (process.env.YT_BENCH_ROLE === 'fake') {
  await serveFake();
} else if (isMain(import.meta.url)) {
  const runs = process.env.BENCH_RUNS ? benchRuns() : 3;
  printYouTubeUploadBench(await runYouTubeUploadBench(runs));
}
