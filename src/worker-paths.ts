import path from 'node:path';
import { PROJECT_ROOT } from './project-root.js';

/** The workflow bundle's entry module. */
export const WORKFLOWS_PATH = path.join(PROJECT_ROOT, 'src', 'temporal', 'workflows', 'index.ts');

let prebuilt: string | undefined;

/** Workers started by scripts/worker.js use the workflow bundle built with their compiled code. */
export function usePrebuiltWorkflowBundle(file: string): void {
  prebuilt = file;
}

/** The prebuilt workflow bundle, if this process was given one (else the worker bundles at start). */
export function prebuiltWorkflowBundle(): string | undefined {
  return prebuilt;
}
