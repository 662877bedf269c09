/**
 * A bounded set of recently seen message ids with a time-to-live: ids expire `ttlMs` after they were
 * added, and the oldest go first when `maxSize` is reached. Insertion order is time order, so expiry
 * only ever looks at the front.
 */

export class SeenCache<V = true> {
  /** id → when it was added. A plain number per id keeps a million-entry cache light. */
  private readonly items = new Map<string, number>()
  /** Values other than `true`, for caches that carry one (Plumtree's payload cache). */
  private readonly values = new Map<string, V>()
  /** When the oldest entry expires: `expire` has nothing to do before then. */
  private nextExpiry = Infinity

  constructor (readonly ttlMs: number, readonly maxSize: number) {}

  get size (): number {
    return this.items.size
  }

  has (id: string): boolean {
    return this.items.has(id)
  }

  get (id: string): V | undefined {
    if (!this.items.has(id)) return undefined
    return this.values.get(id) ?? (true as V)
  }

  /** Adds `id` (if absent) at time `now`; returns false if it was already there. */
  add (now: number, id: string, value: V): boolean {
    this.expire(now)
    if (this.items.has(id)) return false
    if (this.items.size === 0) this.nextExpiry = now + this.ttlMs
    this.items.set(id, now)
    if (value !== true) this.values.set(id, value)
    if (this.items.size > this.maxSize) this.delete(this.items.keys().next().value!)
    return true
  }

  delete (id: string): boolean {
    this.values.delete(id)
    return this.items.delete(id)
  }

  expire (now: number): void {
    if (now < this.nextExpiry) return
    const horizon = now - this.ttlMs
    this.nextExpiry = Infinity
    for (const [id, at] of this.items) {
      if (at > horizon) {
        this.nextExpiry = at + this.ttlMs
        break
      }
      this.delete(id)
    }
  }
}
