/**
 * Which products get videos today. Greedy by effective score (overall score ×
 * selection weight, which optimization raises for winners), with a cap per
 * category so one hot category cannot fill the whole day.
 */

export interface SelectionCandidate {
  id: string;
  asin: string;
  title: string;
  category: string;
  overallScore: number;
  selectionWeight: number;
}

export interface SelectionOptions {
  limit: number;
  maxPerCategory: number;
}

export function effectiveScore(c: Pick<SelectionCandidate, 'overallScore' | 'selectionWeight'>): number {
  return c.overallScore * c.selectionWeight;
}

export function selectTop<T extends SelectionCandidate>(candidates: readonly T[], opts: SelectionOptions): T[] {
  if (opts.limit <= 0) return [];
  // Stable, deterministic order: score, then ASIN as a tie-breaker.
  const sorted = [...candidates].sort((a, b) => effectiveScore(b) - effectiveScore(a) || a.asin.localeCompare(b.asin));
  const perCategory = new Map<string, number>();
  const chosen: T[] = [];
  const skipped: T[] = [];
  for (const c of sorted) {
    if (chosen.length >= opts.limit) break;
    const n = perCategory.get(c.category) ?? 0;
    if (n >= opts.maxPerCategory) {
      skipped.push(c);
      continue;
    }
    perCategory.set(c.category, n + 1);
    chosen.push(c);
  }
  // Too few categories to fill the day under the cap: top up with the best of the rest.
  for (const c of skipped) {
    if (chosen.length >= opts.limit) break;
    chosen.push(c);
  }
  return chosen;
}
