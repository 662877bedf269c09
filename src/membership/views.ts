/**
 * A set with O(1) add, delete, membership and uniform random choice: HyParView's passive view.
 */
import type { Rng } from '../core/rng.js'

export class RandomSet<T> {
  private readonly items: T[] = []
  private readonly index = new Map<T, number>()

  get size (): number {
    return this.items.length
  }

  has (x: T): boolean {
    return this.index.has(x)
  }

  add (x: T): boolean {
    if (this.index.has(x)) return false
    this.index.set(x, this.items.length)
    this.items.push(x)
    return true
  }

  delete (x: T): boolean {
    const i = this.index.get(x)
    if (i === undefined) return false
    const last = this.items.pop()!
    if (i < this.items.length) {
      this.items[i] = last
      this.index.set(last, i)
    }
    this.index.delete(x)
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
