/**
 * Exact credits' refill windows (docs/design.md, Exact credits): a key that
 * refills daily holds credits for one UTC day (`YYYY-MM-DD`), monthly for one
 * UTC month (`YYYY-MM`). Windows of one period compare as strings in time
 * order, which the conditional refill relies on (`creditsWindow < :current`).
 */
/** How often a key's exact credits refill. */
export type CreditsPeriod = 'day' | 'month';

/** The window `at` (epoch ms) falls in. */
export function creditsWindow(period: CreditsPeriod, at: number): string {
  return new Date(at).toISOString().slice(0, period === 'day' ? 10 : 7);
}

/** When the window after the one `at` falls in starts (epoch ms): the next refill. */
export function nextRefillAt(period: CreditsPeriod, at: number): number {
  const d = new Date(at);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The period a window is of, from its form (`YYYY-MM-DD` a day, `YYYY-MM` a month). */
export function windowPeriod(window: string): CreditsPeriod {
  return window.length === 10 ? 'day' : 'month';
}
