import type { Language } from '../writer/types.js';

export interface VoiceSegment {
  text: string;
  /** A WAV file (mono, PCM) for this sentence. */
  audioPath: string;
  durationSec: number;
  /** Paid synthesis (e.g. OpenAI TTS): characters sent and whether this file came from the cache (no charge). */
  usage?: { characters: number; cached: boolean };
}

/** The voice port: one audio file per sentence, so captions can be timed exactly. */
export interface VoiceProvider {
  readonly name: string;
  synthesize(sentences: string[], language: Language, outDir: string): Promise<VoiceSegment[]>;
}
