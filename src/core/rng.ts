/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna) seeded through splitmix32.
 *
 * One master seed yields independent streams by label (`Rng.fork('node:n17')`), so adding a node or a
 * protocol never shifts the numbers any other node draws. Protocol cores take an `Rng`; they never draw from an
 * unseeded random source (ARCHITECTURE.md, "The sans-IO contract").
 */

/** 32-bit FNV-1a of a string, used to mix stream labels into seeds. */
export function hashString (s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** One step of splitmix32: a good 32-bit mixer for seeding. */
export function mix32 (x: number): number {
  x = (x + 0x9e3779b9) | 0
  let z = x
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  /** The seed words this generator started from; forks derive from them, not from the current state. */
  private readonly origin: readonly [number, number]

  constructor (seed: number, stream = 0) {
    const s0 = mix32(seed >>> 0)
    const s1 = mix32(s0 ^ (stream >>> 0) ^ 0x6a09e667)
    this.origin = [s0, s1]
    this.a = mix32(s1 ^ 0xbb67ae85)
    this.b = mix32(this.a ^ 0x3c6ef372)
    this.c = mix32(this.b ^ 0xa54ff53a)
    this.d = mix32(this.c ^ 0x510e527f)
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1
  }

  /** An independent generator for `label`, a pure function of this generator's seed and the label. */
  fork (label: string): Rng {
    return new Rng(this.origin[0] ^ hashString(label, this.origin[1]), hashString(label))
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32 (): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** A uniform float in [0, 1) with 53 bits of precision. */
  float (): number {
    const hi = this.nextU32() >>> 5
    const lo = this.nextU32() >>> 6
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /** A uniform integer in [0, n). */
  int (n: number): number {
    if (n <= 0) return 0
    if (n <= 0x100000000) {
      // Lemire's nearly-divisionless method would need 64-bit products; rejection keeps it exact.
      const limit = 0x100000000 - (0x100000000 % n)
      for (;;) {
        const x = this.nextU32()
        if (x < limit) return x % n
      }
    }
    return Math.floor(this.float() * n)
  }

  /** A uniform float in [lo, hi). */
  range (lo: number, hi: number): number {
    return lo + (hi - lo) * this.float()
  }

  /** True with probability p. */
  chance (p: number): boolean {
    return p > 0 && (p >= 1 || this.float() < p)
  }

  /** A uniform element of a non-empty array. */
  pick<T> (items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }

  /** Up to k distinct elements chosen uniformly (order random). */
  sample<T> (items: readonly T[], k: number): T[] {
    if (k >= items.length) return this.shuffle(items.slice())
    if (k * 4 < items.length) {
      const chosen = new Set<number>()
      while (chosen.size < k) chosen.add(this.int(items.length))
      return [...chosen].map(i => items[i]!)
    }
    return this.shuffle(items.slice()).slice(0, k)
  }
}

function rotl (x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
