/** The languages the scripts and their formatting support (CONTENT_LANGUAGE). */
export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];
