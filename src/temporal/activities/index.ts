import type { Db } from '../../db.js';
import type { CatalogProvider } from '../../providers/catalog/index.js';
import { productActivities } from './products.js';
import { workflowLogActivities } from './workflow-log.js';

export interface ActivityDeps {
  db: Db;
  catalog: () => CatalogProvider;
}

/** Every activity the worker registers; workflows import only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...workflowLogActivities(deps.db),
    ...productActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
