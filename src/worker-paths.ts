import { fileURLToPath } from 'node:url';

/** The workflow bundle's entry module. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./temporal/workflows/index.ts', import.meta.url));
