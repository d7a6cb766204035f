// The composition of one short, as data: scenes (one per sentence) with their background, product
// image, on-screen text and camera motion, the word-by-word caption pages, and the audio. The ffmpeg
// plan (ffmpeg-plan.ts) turns it into one filter graph; bench/moviepy-compare.ts hands the same
// composition to MoviePy, so both renderers draw the same video.

/** Colours are '#rrggbb'; positions and sizes are in output pixels (1080 x 1920, origin top left). */
export interface Composition {
  width: number;
  height: number;
  fps: number;
  durationSec: number;
  /** The font every text is drawn in (a TrueType file; libass loads its directory). */
  fontFile: string;
  /** The sentence audio files and where each starts in the video (the audio is their concatenation with silences). */
  audio: { path: string; startSec: number; durationSec: number }[];
  scenes: CompScene[];
  /** Caption pages: a few words on screen at a time, the word being spoken highlighted. */
  captions: CaptionPage[];
  /** Caption styling shared by every page. */
  captionStyle: { size: number; color: string; highlight: string; outline: string; centerX: number; centerY: number; maxWidth: number };
  /** The affiliate disclosure: on screen for the whole video, in a dark box at the top. */
  disclosure: { text: string; size: number; centerY: number };
  /** How long a scene takes to slide in over the previous one. */
  transitionSec: number;
}

export interface CompScene {
  startSec: number;
  /** Where the next scene starts (the video's end for the last one); the next scene then slides in over this one for transitionSec. */
  endSec: number;
  /** What this scene shows (for tests and the note): hook, feature, rating, price, call to action, disclosure. */
  role: SceneRole;
  background: { kind: 'gradient'; from: string; to: string } | { kind: 'blurred-image' };
  /** The product image, fitted inside box (centered, aspect kept). */
  image?: { path: string; box: Box };
  texts: CompText[];
  /**
   * The camera: the scene is drawn on a canvas larger than the frame (width x height scaled by
   * `canvasScale`) and the visible window moves from `from` to `to` (top-left offsets on the canvas)
   * over the scene, or the product image zooms from 1 to `zoomTo` (image scenes).
   */
  motion: { kind: 'pan'; canvasScale: number; from: Point; to: Point } | { kind: 'zoom'; zoomTo: number };
  /** How this scene arrives over the previous one (none for the first). */
  transitionIn?: 'slideleft' | 'slideup' | 'slideright' | 'slidedown';
}

export type SceneRole = 'hook' | 'feature' | 'rating' | 'price' | 'call-to-action' | 'disclosure';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Text centered on (x, y) in scene-canvas pixels, already wrapped (lines joined by \n); `box` draws it on a filled box. */
export interface CompText {
  text: string;
  x: number;
  y: number;
  /** The font size as libass takes it (\\fs, in output pixels of the line height, not em pixels). */
  size: number;
  color: string;
  box?: string;
  /** Outline width in pixels (0: none). */
  outline?: number;
}

export interface CaptionPage {
  startSec: number;
  endSec: number;
  words: { text: string; startSec: number; endSec: number }[];
}
