// Karaoke timing: when each word of a sentence is spoken, from its WAV. The voices give one file per
// sentence but no word times, so the speech inside the file is found from its loudness (leading and
// trailing silence cut off, pauses found) and the words are spread over it by how long they take
// to say (letters, plus a pause after punctuation). Then the words are grouped into caption pages
// of a few words, the way short-video captions are read.
import fs from 'node:fs/promises';
import { readWavInfo } from '../voice/audio.js';
import type { CaptionPage } from './composition.js';

/** Where speech is in a WAV: the first and last 10 ms windows louder than a fraction of the file's peak. */
export async function speechSpan(file: string): Promise<{ startSec: number; endSec: number }> {
  const info = await readWavInfo(file);
  const whole = { startSec: 0, endSec: info.durationSec };
  if (info.audioFormat !== 1 || info.bitsPerSample !== 16 || !info.dataBytes) return whole;
  const fh = await fs.open(file, 'r');
  let pcm: Buffer;
  try {
    pcm = Buffer.alloc(Math.min(info.dataBytes, 64 * 1024 * 1024));
    await fh.read(pcm, 0, pcm.length, info.dataOffset);
  } finally {
    await fh.close();
  }
  const frame = info.blockAlign;
  const samples = Math.floor(pcm.length / frame);
  const win = Math.max(1, Math.round(info.sampleRate / 100));
  const levels: number[] = [];
  for (let s = 0; s < samples; s += win) {
    let peak = 0;
    for (let j = s; j < Math.min(samples, s + win); j++) peak = Math.max(peak, Math.abs(pcm.readInt16LE(j * frame)));
    levels.push(peak);
  }
  const max = Math.max(0, ...levels);
  if (max === 0) return whole;
  const threshold = max * 0.06;
  const first = levels.findIndex((l) => l > threshold);
  const last = levels.length - 1 - [...levels].reverse().findIndex((l) => l > threshold);
  const winSec = win / info.sampleRate;
  return { startSec: Math.max(0, first * winSec), endSec: Math.min(info.durationSec, (last + 1) * winSec) };
}

/** How long a word takes relative to the others: its letters and digits, and a pause after punctuation. */
export function wordWeight(word: string): number {
  const letters = [...word].filter((c) => /[\p{L}\p{N}]/u.test(c)).length;
  // Digits are read as words ("10000" is "ten thousand").
  const digits = [...word].filter((c) => /\p{N}/u.test(c)).length;
  const pause = /[.!?…]$/.test(word) ? 4 : /[,;:—–-]$/.test(word) ? 2.5 : 0;
  return 1.5 + letters + digits * 1.5 + pause;
}

export interface TimedWord {
  text: string;
  startSec: number;
  endSec: number;
}

/** Spreads the words of `text` over [startSec, endSec] by weight. */
export function timeWords(text: string, startSec: number, endSec: number): TimedWord[] {
  const words = text.split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const weights = words.map(wordWeight);
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0.01, endSec - startSec);
  let t = startSec;
  return words.map((w, i) => {
    const d = (weights[i] / total) * span;
    const word = { text: w, startSec: t, endSec: t + d };
    t += d;
    return word;
  });
}

/** At most this many words, and this many characters, on a caption page. */
export const PAGE_MAX_WORDS = 4;
export const PAGE_MAX_CHARS = 22;

/**
 * Groups a sentence's timed words into pages: a page ends at a sentence-internal pause (a comma) or
 * when it is full. Each page stays up until the next one starts (the last until `holdUntilSec`).
 */
export function paginate(words: TimedWord[], holdUntilSec: number): CaptionPage[] {
  const pages: TimedWord[][] = [];
  let cur: TimedWord[] = [];
  for (const w of words) {
    const chars = [...cur, w].map((x) => x.text).join(' ').length;
    if (cur.length && (cur.length >= PAGE_MAX_WORDS || chars > PAGE_MAX_CHARS)) {
      pages.push(cur);
      cur = [];
    }
    cur.push(w);
    if (/[,;:.!?…]$/.test(w.text) && cur.length >= 2) {
      pages.push(cur);
      cur = [];
    }
  }
  if (cur.length) {
    // A lone last word joins the page before it when that page has room.
    const prev = pages[pages.length - 1];
    if (cur.length === 1 && prev && prev.length < PAGE_MAX_WORDS && [...prev, ...cur].map((x) => x.text).join(' ').length <= PAGE_MAX_CHARS + 6)
      prev.push(...cur);
    else pages.push(cur);
  }
  return pages.map((p, i) => ({
    startSec: p[0].startSec,
    endSec: i + 1 < pages.length ? pages[i + 1][0].startSec : Math.max(p[p.length - 1].endSec, holdUntilSec),
    words: p.map((w) => ({ text: w.text, startSec: w.startSec, endSec: w.endSec })),
  }));
}
