/** The credential cache's container: bounded, least recently used out first, entries gone at their TTL. */
import { LruCache } from '../../lambda/core/lru-cache';

function clocked(max: number) {
  let now = 1_000_000;
  const cache = new LruCache<string, number>({ max, now: () => now });
  return { cache, tick: (ms: number) => (now += ms) };
}

describe('Class: LruCache', () => {
  describe('Method: get', () => {
    it('returns what was set until its TTL has passed, then nothing', () => {
      // Prepare
      const { cache, tick } = clocked(10);
      cache.set('a', 1, 5000);

      // Act + Assess
      tick(4999);
      expect(cache.get('a')).toBe(1);
      tick(1);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('keeps each entry for its own TTL', () => {
      // Prepare
      const { cache, tick } = clocked(10);
      cache.set('long', 1, 5000);
      cache.set('short', 2, 2000);

      // Act
      tick(2000);

      // Assess
      expect([cache.get('long'), cache.get('short')]).toEqual([1, undefined]);
    });
  });

  describe('Method: set', () => {
    it('evicts the least recently used entry when full, a read counting as a use', () => {
      // Prepare
      const { cache } = clocked(3);
      cache.set('a', 1, 5000);
      cache.set('b', 2, 5000);
      cache.set('c', 3, 5000);
      cache.get('a');

      // Act
      cache.set('d', 4, 5000);

      // Assess
      expect(cache.size).toBe(3);
      expect(['a', 'b', 'c', 'd'].map((k) => cache.get(k))).toEqual([1, undefined, 3, 4]);
    });

    it('replaces an entry without growing, with a new TTL', () => {
      // Prepare
      const { cache, tick } = clocked(2);
      cache.set('a', 1, 1000);
      cache.set('b', 2, 1000);

      // Act
      tick(500);
      cache.set('a', 10, 1000);
      tick(600);

      // Assess
      expect(cache.size).toBe(2);
      expect([cache.get('a'), cache.get('b')]).toEqual([10, undefined]);
    });

    it('counts the TTL from the start it is given', () => {
      // Prepare
      const { cache, tick } = clocked(2);
      const sent = 1_000_000;
      tick(300);

      // Act
      cache.set('a', 1, 1000, sent);

      // Assess
      tick(699);
      expect(cache.get('a')).toBe(1);
      tick(1);
      expect(cache.get('a')).toBeUndefined();
    });

    it('keeps nothing for a TTL of 0', () => {
      // Prepare
      const { cache } = clocked(2);
      cache.set('a', 1, 1000);

      // Act
      cache.set('a', 2, 0);

      // Assess
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('never holds more than its bound, whatever is set', () => {
      // Prepare
      const { cache, tick } = clocked(50);

      // Act
      for (let i = 0; i < 1000; i++) {
        cache.set(`k${i % 180}`, i, 1 + (i % 7) * 100);
        if (i % 3 === 0) cache.get(`k${(i * 7) % 180}`);
        tick(i % 5);
      }

      // Assess
      expect(cache.size).toBeLessThanOrEqual(50);
    });
  });
});
