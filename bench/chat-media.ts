// Benchmark: what an approval card costs when the video travels with it.
//
//   npx tsx bench/chat-media.ts          (BENCH_RUNS=n runs, default 5; 3 for the preview encode)
//
// - preview: re-encoding a 30 s 1080x1920 short that is over Discord's 10 MiB
//   attachment limit into a preview that fits (encodePreview), once per video.
// - slack card: SlackNotifier.notify of an approval card against the local Slack
//   fake: thumbnail upload (getUploadURLExternal + upload + completeUploadExternal),
//   files.info until processed, chat.postMessage, and the MP4 uploaded into the thread.
// - discord card: DiscordNotifier.notify with the MP4 and thumbnail attached (multipart).
// The fakes run on loopback, so the card numbers are our own overhead plus the
// transfer of the bytes over loopback, not Slack's or Discord's latency.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodePreview } from '../src/providers/renderer/preview.js';
import { LocalMediaStorage } from '../src/providers/storage/local.js';
import { SlackNotifier } from '../src/chatops/slack/notifier.js';
import { DiscordNotifier } from '../src/chatops/discord/notifier.js';
import { createLogger } from '../src/logger.js';
import type { NotificationInput } from '../src/providers/notifier/index.js';
import { startFakeSlackApi } from '../test/fakes/slack-api.js';
import { FakeDiscord } from '../test/fakes/discord-gateway.js';
import { BENCH_VAR_DIR, benchRuns, isMain, machineInfo, measurement, printJsonLine, printMachine, printMeasurements, timed, type Measurement } from './lib.js';

const MiB = 1024 * 1024;

export interface ChatMediaBenchResult {
  measurements: Measurement[];
  sourceBytes: number;
  previewBytes: number;
  cardVideoBytes: number;
}

export async function runChatMediaBench(runs: number, previewRuns = Math.min(runs, 3)): Promise<ChatMediaBenchResult> {
  const dir = path.join(BENCH_VAR_DIR, 'chat-media');
  fs.rmSync(dir, { recursive: true, force: true });
  const storage = new LocalMediaStorage({ root: path.join(dir, 'media') });
  const big = storage.localPath('videos/big/video.mp4');
  const card = storage.localPath('videos/card/video.mp4');
  fs.mkdirSync(path.dirname(big), { recursive: true });
  fs.mkdirSync(path.dirname(card), { recursive: true });
  // A 30 s short at 4 Mbit/s (~15 MB, over 10 MiB) and one at 1.5 Mbit/s (~5.6 MB, a typical rendered short).
  // prettier-ignore
  const synth = (out: string, rate: string) => execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1080x1920:r=30:d=30', '-f', 'lavfi', '-i', 'sine=f=440:d=30',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', rate, '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', out]);
  synth(big, '4M');
  synth(card, '1500k');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-ss',
    '1',
    '-i',
    card,
    '-frames:v',
    '1',
    '-vf',
    'scale=540:960',
    storage.localPath('videos/card/thumbnail.png'),
  ]);

  const previewMs: number[] = [];
  let previewBytes = 0;
  for (let i = 0; i < previewRuns; i++) {
    const out = path.join(dir, `preview-${i}.mp4`);
    const { ms, value } = await timed(() => encodePreview(big, out, { maxBytes: 10 * MiB - 512 * 1024 }));
    previewMs.push(ms);
    previewBytes = value.sizeBytes;
  }

  const slack = await startFakeSlackApi();
  const discord = await FakeDiscord.start();
  const log = createLogger('bench-chat-media', 'silent');
  const n = (i: number): NotificationInput => ({
    kind: 'approval_requested',
    level: 'INFO',
    title: 'Approve?',
    message: 'ready',
    workflowId: 'daily-2030-01-01',
    data: {
      videoId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `Bench card ${i}`,
      product: 'Bench product',
      asin: 'B000BENCH1',
      videoKey: 'videos/card/video.mp4',
      thumbnailKey: 'videos/card/thumbnail.png',
      platforms: ['YOUTUBE'],
    },
  });
  const slackMs: number[] = [];
  const discordMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // A fresh notifier per card: no upload cache, as for each new video.
      const s = new SlackNotifier({
        config: {
          SLACK_BOT_TOKEN: 'xoxb-bench',
          SLACK_API_URL: slack.url + '/api',
          SLACK_APPROVALS_CHANNEL: 'C_APPROVALS',
          TEMPORAL_NAMESPACE: 'default',
          publicBaseUrl: 'http://127.0.0.1:3000',
        } as never,
        log,
        media: storage,
        minIntervalMs: 0,
      });
      slackMs.push((await timed(() => s.notify(n(i)))).ms);
      const d = new DiscordNotifier({
        token: 'x'.repeat(40),
        apiUrl: discord.apiUrl,
        channels: { approvals: '700000000000000001' },
        publicBaseUrl: 'http://127.0.0.1:3000',
        media: storage,
        log,
      });
      discordMs.push((await timed(() => d.notify(n(i)))).ms);
    }
  } finally {
    await slack.close();
    await discord.stop();
  }
  return {
    measurements: [
      measurement('previewEncode', 'Discord preview of a 30 s 15 MB short (encode)', previewMs),
      measurement('slackCard', 'Slack approval card + thumbnail + MP4 in thread', slackMs),
      measurement('discordCard', 'Discord approval card with MP4 + thumbnail attached', discordMs),
    ],
    sourceBytes: fs.statSync(big).size,
    previewBytes,
    cardVideoBytes: fs.statSync(card).size,
  };
}

export function printChatMediaBench(r: ChatMediaBenchResult): void {
  console.log('\nchat media (approval cards with the video inside)');
  printMachine(machineInfo('n/a'));
  printMeasurements(r.measurements);
  console.log(
    `  preview: ${(r.sourceBytes / MiB).toFixed(1)} MiB → ${(r.previewBytes / MiB).toFixed(1)} MiB; card video ${(r.cardVideoBytes / MiB).toFixed(1)} MiB`,
  );
  printJsonLine({ bench: 'chat-media', ...r });
}

if (isMain(import.meta.url)) {
  const r = await runChatMediaBench(benchRuns());
  printChatMediaBench(r);
}
