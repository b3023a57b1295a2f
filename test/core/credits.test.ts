/** Exact credits' refill windows: UTC days and months, in an order strings keep. */
import { creditsWindow, nextRefillAt } from '../../lambda/core/credits';

describe('Function: creditsWindow', () => {
  it('names the UTC day or month, whatever the local hour', () => {
    // Assess
    expect(creditsWindow('day', Date.UTC(2025, 2, 10, 23, 59, 59, 999))).toBe('2025-03-10');
    expect(creditsWindow('day', Date.UTC(2025, 2, 11))).toBe('2025-03-11');
    expect(creditsWindow('month', Date.UTC(2025, 11, 31, 23))).toBe('2025-12');
  });

  it('orders windows as strings in time order, as the conditional refill compares them', () => {
    // Prepare: a window each day over two years
    const days = Array.from({ length: 730 }, (_, i) => Date.UTC(2024, 0, 1) + i * 86_400_000);
    // Assess
    for (const period of ['day', 'month'] as const) {
      const windows = days.map((d) => creditsWindow(period, d));
      expect([...windows].sort()).toEqual(windows);
    }
  });
});

describe('Function: nextRefillAt', () => {
  it('is the start of the next UTC day or month, across month and year ends', () => {
    // Assess
    expect(new Date(nextRefillAt('day', Date.UTC(2025, 1, 28, 12))).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(new Date(nextRefillAt('day', Date.UTC(2025, 11, 31))).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(nextRefillAt('month', Date.UTC(2025, 11, 15))).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(nextRefillAt('month', Date.UTC(2025, 0, 31, 23, 59))).toISOString()).toBe('2025-02-01T00:00:00.000Z');
  });
});
