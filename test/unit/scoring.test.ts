import { describe, expect, it } from 'vitest';
import { profitScore, scoreProduct, trendScore, viralityScore } from '../../src/domain/scoring.js';
import { selectTop, type SelectionCandidate } from '../../src/domain/selection.js';

const base = { price: 30, commissionRate: 0.04, rating: 4.5, reviewCount: 2000, salesRank: 1000 };
const weights = { trend: 0.35, profit: 0.4, virality: 0.25 };

describe('trendScore', () => {
  it('gives rank 1 a perfect score and rank 1,000 half of it (log scale)', () => {
    expect(trendScore({ salesRank: 1 })).toBe(1);
    expect(trendScore({ salesRank: 1000 })).toBeCloseTo(0.5, 10);
  });
  it('gives 0 to rank 1,000,000 and worse, never a negative score', () => {
    expect(trendScore({ salesRank: 1_000_000 })).toBe(0);
    expect(trendScore({ salesRank: 50_000_000 })).toBe(0);
  });
  it('gives an unranked product a weak 0.1 rather than nothing', () => {
    expect(trendScore({ salesRank: null })).toBe(0.1);
  });
});

describe('profitScore', () => {
  it('saturates with the commission per sale: $8 → 1 - 1/e', () => {
    expect(profitScore({ price: 200, commissionRate: 0.04 })).toBeCloseTo(1 - Math.exp(-1), 10);
  });
  it('is 0 without commission and stays below 1 for huge commissions', () => {
    expect(profitScore({ price: 100, commissionRate: 0 })).toBe(0);
    expect(profitScore({ price: 10_000, commissionRate: 0.1 })).toBeLessThanOrEqual(1);
  });
  it('grows with the price at the same rate', () => {
    expect(profitScore({ price: 100, commissionRate: 0.04 })).toBeGreaterThan(profitScore({ price: 20, commissionRate: 0.04 }));
  });
});

describe('viralityScore', () => {
  it('prefers well-rated, much-reviewed, cheap products', () => {
    const hit = viralityScore({ rating: 4.8, reviewCount: 100_000, price: 15 });
    const flop = viralityScore({ rating: 3.2, reviewCount: 10, price: 900 });
    expect(hit).toBeGreaterThan(0.85);
    expect(flop).toBeLessThan(0.35);
  });
  it('matches the documented formula', () => {
    const q = (4 / 5) ** 2;
    const s = Math.log10(1 + 999) / 5;
    const i = 1 / (1 + 150 / 150);
    expect(viralityScore({ rating: 4, reviewCount: 999, price: 150 })).toBeCloseTo(0.45 * q + 0.35 * s + 0.2 * i, 12);
  });
});

describe('scoreProduct', () => {
  it('keeps every score within 0..1 for extreme inputs', () => {
    for (const p of [
      { price: 0.01, commissionRate: 0, rating: 0, reviewCount: 0, salesRank: 1 },
      { price: 1e6, commissionRate: 1, rating: 5, reviewCount: 1e9, salesRank: 1e9 },
      { price: 10, commissionRate: 0.05, rating: null, reviewCount: 0, salesRank: null },
    ]) {
      for (const v of Object.values(scoreProduct(p, weights))) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });
  it('computes overall as the weighted average of the three scores', () => {
    const s = scoreProduct(base, { trend: 1, profit: 2, virality: 1 });
    expect(s.overallScore).toBeCloseTo((s.trendScore + 2 * s.profitScore + s.viralityScore) / 4, 12);
  });
  it('follows the weights: with only the trend weight, overall equals trend', () => {
    const s = scoreProduct(base, { trend: 1, profit: 0, virality: 0 });
    expect(s.overallScore).toBe(s.trendScore);
  });
});

describe('selectTop', () => {
  const mk = (asin: string, category: string, overallScore: number, selectionWeight = 1): SelectionCandidate => ({
    id: asin,
    asin,
    title: asin,
    category,
    overallScore,
    selectionWeight,
  });

  it('picks the highest effective scores (score × selection weight)', () => {
    const picked = selectTop([mk('A', 'x', 0.9), mk('B', 'y', 0.5, 2), mk('C', 'z', 0.8)], { limit: 2, maxPerCategory: 3 });
    expect(picked.map((p) => p.asin)).toEqual(['B', 'A']);
  });
  it('caps products per category so one category cannot fill the day', () => {
    const cands = [mk('A1', 'a', 0.99), mk('A2', 'a', 0.98), mk('A3', 'a', 0.97), mk('B1', 'b', 0.5), mk('C1', 'c', 0.4)];
    const picked = selectTop(cands, { limit: 4, maxPerCategory: 2 });
    expect(picked.map((p) => p.asin)).toEqual(['A1', 'A2', 'B1', 'C1']);
  });
  it('tops up from capped categories when there are too few categories', () => {
    const cands = [mk('A1', 'a', 0.9), mk('A2', 'a', 0.8), mk('A3', 'a', 0.7)];
    expect(selectTop(cands, { limit: 3, maxPerCategory: 1 }).map((p) => p.asin)).toEqual(['A1', 'A2', 'A3']);
  });
  it('breaks ties by ASIN so the choice is deterministic', () => {
    expect(selectTop([mk('B', 'x', 0.5), mk('A', 'y', 0.5)], { limit: 1, maxPerCategory: 1 })[0].asin).toBe('A');
  });
  it('returns fewer than the limit when there are fewer products, and nothing for limit 0', () => {
    expect(selectTop([mk('A', 'x', 0.5)], { limit: 5, maxPerCategory: 1 })).toHaveLength(1);
    expect(selectTop([mk('A', 'x', 0.5)], { limit: 0, maxPerCategory: 1 })).toHaveLength(0);
  });
});
