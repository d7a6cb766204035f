// Request parsing shared by the route modules: one schema per idea, one way to turn a zod error into a 400.
import { z } from 'zod';
import { fromZod } from './errors.js';

/** `?limit=` on list routes: a whole number from 1 to 500. */
export const limitParam = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 1 to 500')
  .transform(Number)
  .pipe(z.number().min(1, 'must be at least 1').max(500, 'must be at most 500'))
  .optional();

/** Parses a body, params or query with `schema`; a failure is a 400 naming the field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZod(r.error);
  return r.data;
}
