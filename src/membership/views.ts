/**
 * A set with O(1) add, delete, membership and uniform random choice: HyParView's passive view.
 *
 * Elements sit in an array (for random choice); an index map from element to position is built only once
 * the set grows past `LINEAR_MAX` — below that a scan of the array is as fast, and a simulation of 10⁶
 * nodes saves a hash table per node. The order of the elements is the same either way.
 */
import type { Rng } from '../core/rng.js'

/** Sizes up to which membership is a scan of the array (HyParView's default passive view holds 30). */
const LINEAR_MAX = 48

export class RandomSet<T> {
  private readonly items: T[] = []
  private index: Map<T, number> | null = null

  get size (): number {
    return this.items.length
  }

  has (x: T): boolean {
    return this.index === null ? this.items.includes(x) : this.index.has(x)
  }

  add (x: T): boolean {
    if (this.has(x)) return false
    this.index?.set(x, this.items.length)
    this.items.push(x)
    if (this.index === null && this.items.length > LINEAR_MAX) this.index = new Map(this.items.map((y, i) => [y, i]))
    return true
  }

  delete (x: T): boolean {
    const i = this.index === null ? this.items.indexOf(x) : this.index.get(x)
    if (i === undefined || i < 0) return false
    const last = this.items.pop()!
    if (i < this.items.length) {
      this.items[i] = last
      this.index?.set(last, i)
    }
    this.index?.delete(x)
    return true
  }
  /** A uniform element, or undefined when empty (or when every element is excluded). */
  random (rng: Rng, exclude?: (x: T) => boolean): T | undefined {
    const n = this.items.length
    if (n === 0) return undefined
    if (exclude === undefined) return this.items[rng.int(n)]
    // A few random probes, then a scan from a random start, so the answer is uniform-ish and always found.
    for (let k = 0; k < 4; k++) {
      const x = this.items[rng.int(n)]!
      if (!exclude(x)) return x
    }
    const start = rng.int(n)
    for (let k = 0; k < n; k++) {
      const x = this.items[(start + k) % n]!
      if (!exclude(x)) return x
    }
    return undefined
  }

  sample (rng: Rng, k: number): T[] {
    return rng.sample(this.items, k)
  }

  values (): readonly T[] {
    return this.items
  }
}
