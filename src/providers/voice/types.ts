import type { Language } from '../writer/types.js';

export interface VoiceSegment {
  text: string;
  /** A WAV file (mono, PCM) for this sentence. */
  audioPath: string;
  durationSec: number;
}

/** The voice port: one audio file per sentence, so captions can be timed exactly. */
export interface VoiceProvider {
  readonly name: string;
  synthesize(sentences: string[], language: Language, outDir: string): Promise<VoiceSegment[]>;
}
