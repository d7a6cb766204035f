// The composition of a short from its sentences and the product's data: one scene per sentence
// (hook, features, rating, price, call to action, the closing disclosure), each with its own
// layout, colours from the product's category, and camera motion; word-by-word caption pages.
// Everything text-like stays inside the area no platform covers (SAFE_AREA).
import { createHash } from 'node:crypto';
import type { Language } from '../writer/types.js';
import type { CaptionPage, CompScene, CompText, Composition, Point, SceneRole } from './composition.js';
import { FPS, HEIGHT, SAFE_AREA, WIDTH } from './ffmpeg-layout.js';
import { paginate, timeWords } from './word-timing.js';

export interface SceneSentence {
  text: string;
  audioPath: string;
  /** Where the sentence's audio starts in the video, and how long the file is. */
  startSec: number;
  durationSec: number;
  /** Where the speech is inside the file (silence trimmed), relative to the file's start. */
  speech: { startSec: number; endSec: number };
}

export interface SceneProduct {
  title: string;
  /** The product's own title (feature callouts come from it); default `title`. */
  productTitle?: string;
  brand: string;
  priceLabel: string;
  category?: string;
  rating?: number | null;
  reviewCount?: number;
  disclosure: string;
  language: Language;
  /** The on-screen call to action of this cut, e.g. "Link in bio" (TikTok, Instagram) or "Link in the description ↓" (YouTube). */
  linkCue?: string;
  /** A checked, decodable product image. */
  imagePath?: string;
}

export const TRANSITION_SEC = 0.1;
/** Pan scenes are drawn this much larger than the frame; the window drifts across the margin. */
const CANVAS_SCALE = 1.1;
const CANVAS = { w: evenUp(WIDTH * CANVAS_SCALE), h: evenUp(HEIGHT * CANVAS_SCALE) };
const OFFSET = { x: (CANVAS.w - WIDTH) / 2, y: (CANVAS.h - HEIGHT) / 2 };
/** Four drift directions, taken in turn (top-left window offsets on the canvas). */
const DRIFTS: [Point, Point][] = [
  [
    { x: OFFSET.x * 0.5, y: OFFSET.y * 0.5 },
    { x: OFFSET.x * 1.5, y: OFFSET.y * 1.5 },
  ],
  [
    { x: OFFSET.x * 1.5, y: OFFSET.y },
    { x: OFFSET.x * 0.5, y: OFFSET.y },
  ],
  [
    { x: OFFSET.x, y: OFFSET.y * 1.5 },
    { x: OFFSET.x, y: OFFSET.y * 0.5 },
  ],
  [
    { x: OFFSET.x * 0.5, y: OFFSET.y * 1.5 },
    { x: OFFSET.x * 1.5, y: OFFSET.y * 0.5 },
  ],
];
const TRANSITIONS = ['slideleft', 'slideup', 'slideright', 'slidedown'] as const;

const PALETTES: Record<string, { from: string; to: string; accent: string }> = {
  electronics: { from: '#0f2027', to: '#2c5364', accent: '#4fc3f7' },
  'home & kitchen': { from: '#3e2723', to: '#8d6e63', accent: '#ffcc80' },
  'beauty & personal care': { from: '#4a1942', to: '#c2185b', accent: '#f8bbd0' },
  'sports & outdoors': { from: '#0b3d2e', to: '#1b7a4a', accent: '#a5d6a7' },
  'toys & games': { from: '#311b92', to: '#7c4dff', accent: '#ffd54f' },
  'health & household': { from: '#004d40', to: '#26a69a', accent: '#b2dfdb' },
  'pet supplies': { from: '#4e342e', to: '#ef6c00', accent: '#ffe0b2' },
  'office products': { from: '#263238', to: '#546e7a', accent: '#90caf9' },
  'tools & home improvement': { from: '#212121', to: '#e65100', accent: '#ffd54f' },
  automotive: { from: '#1a1a1a', to: '#b71c1c', accent: '#ef9a9a' },
  books: { from: '#3e2723', to: '#6d4c41', accent: '#ffe082' },
  baby: { from: '#1a237e', to: '#5c6bc0', accent: '#c5cae9' },
  'clothing, shoes & jewelry': { from: '#212121', to: '#6a1b9a', accent: '#e1bee7' },
};
const FALLBACK_PALETTES = Object.values(PALETTES);

const WORDS: Record<Language, { reviews: string; outOf: string; ad: string; priceNote: string }> = {
  en: { reviews: 'reviews', outOf: 'out of 5', ad: '#ad · affiliate link', priceNote: 'price when filmed · prices change' },
  es: { reviews: 'reseñas', outOf: 'de 5', ad: '#publicidad · enlace de afiliado', priceNote: 'precio al grabar · los precios cambian' },
};

const WHITE = '#ffffff';
const DARK = '#101010';
const GOLD = '#ffd700';
const CAPTION = { size: 76, color: WHITE, highlight: '#ffe500', outline: '#000000' };

export function paletteFor(category: string | undefined, seed: string): { from: string; to: string; accent: string } {
  const known = PALETTES[(category ?? '').trim().toLowerCase()];
  if (known) return known;
  return FALLBACK_PALETTES[createHash('sha1').update(seed).digest()[0] % FALLBACK_PALETTES.length];
}

/** Which scene each sentence gets: the first is the hook, the last the disclosure; the rest by what they say. */
export function sceneRoles(sentences: string[], p: Pick<SceneProduct, 'priceLabel' | 'rating'>): SceneRole[] {
  const n = sentences.length;
  const priceDigits = (p.priceLabel.match(/\d+/) ?? [''])[0];
  const roles: SceneRole[] = sentences.map((s, i) => {
    if (i === 0) return 'hook';
    if (i === n - 1) return 'disclosure';
    // A sentence with the price shows the price badge even when it also mentions the link
    // ("…about $29.99, but prices change, so check the link."): the call to action follows.
    if (priceDigits && s.includes(priceDigits)) return 'price';
    if (/\b(link|enlace)\b/i.test(s)) return 'call-to-action';
    if (/\b(stars?|reviews?|rated|rating|estrellas?|reseñas?|valoraci)/i.test(s)) return 'rating';
    return 'feature';
  });
  // A rated product shows its stars once, on a feature scene when no sentence speaks of them.
  if (p.rating && !roles.includes('rating')) {
    const features = roles.map((r, i) => (r === 'feature' ? i : -1)).filter((i) => i >= 0);
    if (features.length >= 2) roles[features[features.length - 1]] = 'rating';
  }
  return roles;
}

/** Short feature phrases from the title: "…, USB-C Power Bank with 20W Fast Charging, Black" gives "USB-C Power Bank", "20W Fast Charging". */
export function featureCallouts(title: string, brand: string): { name: string; callouts: string[] } {
  let rest = title.trim();
  if (brand && rest.toLowerCase().startsWith(brand.toLowerCase())) rest = rest.slice(brand.length).trim();
  const parts = rest
    .split(/\s*(?:,(?!\d)|\||\s[-–—]\s|\(|\)|:|\bwith\b|\bcon\b|\bfor\b|\bpara\b)\s*/i)
    .map((s) => s.trim())
    .filter((s) => s.length >= 3);
  const name = parts[0] ?? rest;
  const callouts = parts.slice(1).filter((s) => s.length <= 32 && /\p{L}/u.test(s) && s.split(/\s+/).length >= 2);
  // Specs with numbers and units in the name ("10000mAh") are callouts too.
  const specs = name.match(/\b\d[\d.,]*\s?(?:mAh|W|V|GB|TB|oz|ml|mL|L|lb|lbs|kg|g|in|inch|ft|mm|cm|hours?|hrs?|pack|pcs|count|piece)\b/gi) ?? [];
  return { name, callouts: [...callouts, ...specs.filter((s) => !callouts.some((c) => c.includes(s)))].slice(0, 6) };
}

export interface CompositionOptions {
  fontFile: string;
  durationSec: number;
  transitionSec?: number;
}

/** The whole composition: scenes laid out and timed, caption pages, audio placement. */
export function buildComposition(sentences: SceneSentence[], product: SceneProduct, opts: CompositionOptions): Composition {
  const transitionSec = opts.transitionSec ?? TRANSITION_SEC;
  const roles = sceneRoles(
    sentences.map((s) => s.text),
    product,
  );
  const palette = paletteFor(product.category, product.brand + product.title);
  const { name, callouts } = featureCallouts(product.productTitle ?? product.title, product.brand);
  let featureNo = 0;
  const scenes: CompScene[] = sentences.map((s, i) => {
    // A scene starts with its sentence (the first at 0) and lasts until the next sentence starts.
    const startSec = i === 0 ? 0 : round3(s.startSec);
    const endSec = i + 1 < sentences.length ? round3(sentences[i + 1].startSec) : round3(opts.durationSec);
    const role = roles[i];
    const layout = layoutScene(role, i, product, palette, {
      name,
      callout: callouts.length ? callouts[featureNo++ % callouts.length] : undefined,
    });
    return { startSec, endSec, role, transitionIn: i === 0 ? undefined : TRANSITIONS[(i - 1) % TRANSITIONS.length], ...layout };
  });
  const captions: CaptionPage[] = sentences.flatMap((s, i) => {
    const words = timeWords(s.text, s.startSec + s.speech.startSec, s.startSec + s.speech.endSec);
    const holdUntil = i + 1 < sentences.length ? sentences[i + 1].startSec : opts.durationSec;
    return paginate(words, Math.min(holdUntil, s.startSec + s.durationSec + 0.15));
  });
  return {
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    durationSec: opts.durationSec,
    fontFile: opts.fontFile,
    audio: sentences.map((s) => ({ path: s.audioPath, startSec: round3(s.startSec), durationSec: s.durationSec })),
    scenes,
    captions,
    captionStyle: { ...CAPTION, centerX: (SAFE_AREA.left + SAFE_AREA.right) / 2, centerY: SAFE_AREA.captionY, maxWidth: SAFE_AREA.right - SAFE_AREA.left },
    disclosure: { text: product.disclosure, size: 36, centerY: SAFE_AREA.top + 50 },
    transitionSec,
  };
}

type Palette = { from: string; to: string; accent: string };

function layoutScene(
  role: SceneRole,
  index: number,
  p: SceneProduct,
  palette: Palette,
  data: { name: string; callout?: string },
): Pick<CompScene, 'background' | 'image' | 'texts' | 'motion'> {
  const words = WORDS[p.language] ?? WORDS.en;
  // Consecutive scenes never look alike: dark and light scenes alternate (a cut the eye, and a scene
  // detector, sees), light ones in the category's accent colour with dark text.
  const light = index % 2 === 1;
  const gradient = light
    ? { kind: 'gradient' as const, from: mix(palette.accent, WHITE, 0.6), to: mix(palette.accent, WHITE, 0.1) }
    : { kind: 'gradient' as const, from: palette.from, to: palette.to };
  const [from, to] = DRIFTS[index % DRIFTS.length];
  const pan = { kind: 'pan' as const, canvasScale: CANVAS_SCALE, from, to };
  const cx = (SAFE_AREA.left + SAFE_AREA.right) / 2;
  const maxW = SAFE_AREA.right - SAFE_AREA.left;
  const texts: CompText[] = [];
  const text = (t: string, y: number, size: number, color: string, extra: Partial<CompText> = {}) => {
    if (!t.trim()) return;
    // On a light scene, plain white or accent text turns dark (and needs no outline); gold keeps a dark outline.
    const ink = light && !extra.box && (color === WHITE || color === palette.accent) ? palette.from : color;
    const outline = extra.box ? 0 : light ? (ink === GOLD ? 3 : 0) : 4;
    texts.push({ text: wrap(t, size, extra.box ? maxW - 60 : maxW), x: cx, y, size, color: ink, outline, ...extra });
  };
  const img = p.imagePath;
  // The content area: between the disclosure (top) and the captions (SAFE_AREA.captionY).
  switch (role) {
    case 'hook':
      if (img)
        return {
          background: { kind: 'blurred-image' },
          image: { path: img, box: { x: 90, y: 440, w: 900, h: 680 } },
          texts,
          motion: { kind: 'zoom', zoomTo: 1.08 },
        };
      text(p.brand.toUpperCase(), 540, 52, palette.accent);
      text(clip(data.name, 70), 820, 70, WHITE);
      break;
    case 'feature':
      if (img) {
        text(data.callout ?? p.brand, 500, 56, DARK, { box: palette.accent });
        return { background: gradient, image: { path: img, box: shiftBox({ x: 160, y: 600, w: 760, h: 540 }) }, texts: shift(texts), motion: pan };
      }
      text('✓', 580, 140, palette.accent);
      text(data.callout ?? data.name, 860, 76, WHITE);
      break;
    case 'rating': {
      const stars = Math.max(1, Math.min(5, Math.round(p.rating ?? 5)));
      text('★'.repeat(stars), 600, 124, GOLD);
      if (p.rating) text(`${p.rating.toFixed(1)} ${words.outOf}`, 800, 86, WHITE);
      if (p.reviewCount) text(`${p.reviewCount.toLocaleString(p.language === 'es' ? 'es-ES' : 'en-US')} ${words.reviews}`, 940, 58, palette.accent);
      break;
    }
    case 'price':
      if (img) {
        text(p.priceLabel, 1030, 120, DARK, { box: GOLD });
        return { background: gradient, image: { path: img, box: shiftBox({ x: 220, y: 440, w: 640, h: 460 }) }, texts: shift(texts), motion: pan };
      }
      text(p.brand.toUpperCase(), 540, 52, palette.accent);
      text(p.priceLabel, 790, 150, DARK, { box: GOLD });
      text(words.priceNote, 990, 36, WHITE, { outline: 2 });
      break;
    case 'call-to-action':
      if (img) {
        text(p.linkCue ?? '', 1030, 70, DARK, { box: palette.accent });
        return { background: gradient, image: { path: img, box: shiftBox({ x: 260, y: 440, w: 560, h: 440 }) }, texts: shift(texts), motion: pan };
      }
      text(p.brand.toUpperCase(), 540, 52, palette.accent);
      text(p.linkCue ?? '', 820, 80, DARK, { box: palette.accent });
      break;
    case 'disclosure':
      text(words.ad, 520, 48, DARK, { box: palette.accent });
      text(p.brand.toUpperCase(), 690, 58, WHITE);
      text(clip(data.name, 60), 880, 54, WHITE);
      break;
  }
  return { background: gradient, texts: shift(texts), motion: pan };
}

function shiftBox(b: { x: number; y: number; w: number; h: number }) {
  return { ...b, x: b.x + OFFSET.x, y: b.y + OFFSET.y };
}

/** Frame coordinates to pan-canvas coordinates (the window starts around the canvas centre). */
function shift(texts: CompText[]): CompText[] {
  return texts.map((t) => ({ ...t, x: t.x + OFFSET.x, y: t.y + OFFSET.y }));
}

/** A rough advance width of DejaVu Sans Bold at `size` px: wide capitals and digits, narrow spaces and punctuation. */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const c of text) em += /[A-Z0-9$€£%★✓@#&WMmw]/.test(c) ? 0.78 : /[\s.,:;'!|il]/.test(c) ? 0.36 : 0.66;
  return em * size;
}

/** Greedy word wrap to maxWidth, at most `maxLines` lines (the rest is cut with an ellipsis). */
export function wrap(text: string, size: number, maxWidth: number, maxLines = 3): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = lines[maxLines - 1].replace(/\s*\S*$/, '') + '…';
  }
  return lines.join('\n');
}

/** The colour a fraction t of the way from a to b. */
export function mix(a: string, b: string, t: number): string {
  const ch = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  return (
    '#' +
    [0, 1, 2]
      .map((i) =>
        Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1).replace(/\s+\S*$/, '') + '…';
}

function evenUp(x: number): number {
  return Math.ceil(x / 2) * 2;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export { CANVAS };
