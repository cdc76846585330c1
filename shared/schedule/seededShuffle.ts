/**
 * cyrb53, a small 53-bit string hash (public domain, bryc,
 * https://github.com/bryc/code/blob/master/jshash/experimental/cyrb53.js). Math.imul keeps
 * it exact and identical on every JavaScript engine, which is the point: screens must agree.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Orders items by a hash of (seed, id): the same seed and the same set of ids give the same
 * order everywhere, whatever order the items arrived in. Unlike a seeded Fisher–Yates, adding
 * or removing one item leaves the relative order of the others untouched, so a manifest
 * update does not reshuffle the whole rotation.
 */
export function seededShuffle<T>(
  items: readonly T[],
  seed: string,
  idOf: (item: T) => string,
): T[] {
  const keyed = items.map((item) => {
    const id = idOf(item);
    return { item, id, key: hash53(`${seed}\u0000${id}`) };
  });
  keyed.sort((a, b) => a.key - b.key || compareIds(a.id, b.id));
  return keyed.map((k) => k.item);
}

/** Compares ids by UTF-16 code units: unlike localeCompare it cannot differ between screens. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
