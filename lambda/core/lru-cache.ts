/**
 * A bounded cache whose entries expire: at most `max` entries, the least
 * recently used one evicted first, each entry dropped `ttl` milliseconds
 * after it was set. A Map keeps the order (insertion order; a hit re-inserts
 * its entry at the end).
 *
 * The authorizer's credential cache. It replaced the `lru-cache` package,
 * whose load alone cost about 3 ms of every cold start for features this
 * cache does not need (docs/performance.md).
 */
export interface LruCacheOptions {
  /** most entries kept; at least 1 */
  readonly max: number;
  /** epoch milliseconds; injectable for tests */
  readonly now?: () => number;
}

interface Slot<V> {
  readonly value: V;
  /** epoch milliseconds from which the entry is gone */
  readonly expiresAt: number;
}

export class LruCache<K, V> {
  private readonly slots = new Map<K, Slot<V>>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: LruCacheOptions) {
    this.max = Math.max(1, Math.floor(options.max));
    this.now = options.now ?? Date.now;
  }

  /** Entries held, expired ones not yet dropped included (they are dropped when read or evicted). */
  get size(): number {
    return this.slots.size;
  }

  /** The live value, which becomes the most recently used; undefined when absent or expired. */
  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.slots.delete(key);
    if (this.now() >= slot.expiresAt) return undefined;
    this.slots.set(key, slot);
    return slot.value;
  }

  /**
   * Keeps `value` until `ttl` milliseconds after `start` (default: now;
   * nothing when `ttl` is not above 0), evicting the least recently used
   * entry when full.
   */
  set(key: K, value: V, ttl: number, start: number = this.now()): void {
    this.slots.delete(key);
    if (!(ttl > 0)) return;
    if (this.slots.size >= this.max) this.slots.delete(this.slots.keys().next().value as K);
    this.slots.set(key, { value, expiresAt: start + ttl });
  }
}
