import type { Language } from '../writer/types.js';
import type { VoiceSegment } from '../voice/types.js';
import type { ImageFormat } from '../../domain/image-format.js';

export interface RenderInput {
  videoId: string;
  language: Language;
  /** Timed speech, one file per sentence: one scene per sentence, captions word by word in sync with these. */
  segments: VoiceSegment[];
  title: string;
  brand: string;
  /** e.g. "$29.99". */
  priceLabel: string;
  /** The product's own title (the scenes' feature callouts come from it); default `title`. */
  productTitle?: string;
  /** The product's category (picks the scenes' colours), its rating and review count (the rating scene). */
  category?: string;
  rating?: number | null;
  reviewCount?: number;
  /**
   * The on-screen call to action of this cut: "Link in bio" where captions carry no link (TikTok,
   * Instagram), "Link in the description ↓" on YouTube. Empty: no call-to-action card.
   */
  linkCue?: string;
  /** A local image file of the product, when one could be fetched; otherwise the scenes are drawn from the product's data. */
  imagePath?: string;
  /**
   * The image's format as detected from its magic bytes (detectImageFormat). The
   * renderer checks it against the file and hands ffmpeg/ffprobe that demuxer
   * explicitly; when absent it detects the format itself. A file that is not a
   * PNG, JPEG, WebP or GIF is never used (the scenes are drawn from the product's data).
   */
  imageFormat?: ImageFormat;
  /** The affiliate disclosure, on screen for the whole video. */
  disclosure: string;
  /** Output files (the renderer writes them atomically: temp file, then rename). */
  videoPath: string;
  thumbnailPath: string;
  /** Hard cap on the video length in seconds (default 60). */
  maxDurationSec?: number;
  onProgress?: (fraction: number) => void;
  /** Aborting stops the render (the encoder is killed, nothing is left under the final names). */
  signal?: AbortSignal;
}

export interface RenderOutput {
  videoPath: string;
  thumbnailPath: string;
  durationSec: number;
  width: number;
  height: number;
  sizeBytes: number;
  /** Sentences the length guard dropped (the last one, the disclosure, is always kept). */
  droppedSentences?: number;
  /** True when finished files from an earlier attempt were returned without rendering again. */
  reused?: boolean;
  /** Non-fatal problems, e.g. a product image that could not be decoded (the scenes were drawn from the product's data). */
  warnings?: string[];
}

export interface VideoRenderer {
  readonly name: string;
  render(input: RenderInput): Promise<RenderOutput>;
}
