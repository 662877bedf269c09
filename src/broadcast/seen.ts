/**
 * A bounded set of recently seen message ids with a time-to-live: ids expire `ttlMs` after they were
 * added, and the oldest go first when `maxSize` is reached. Insertion order is time order, so expiry
 * only ever looks at the front.
 */

export class SeenCache<V = true> {
  private readonly items = new Map<string, { at: number, value: V }>()

  constructor (readonly ttlMs: number, readonly maxSize: number) {}

  get size (): number {
    return this.items.size
  }

  has (id: string): boolean {
    return this.items.has(id)
  }

  get (id: string): V | undefined {
    return this.items.get(id)?.value
  }

  /** Adds `id` (if absent) at time `now`; returns false if it was already there. */
  add (now: number, id: string, value: V): boolean {
    this.expire(now)
    if (this.items.has(id)) return false
    this.items.set(id, { at: now, value })
    if (this.items.size > this.maxSize) this.items.delete(this.items.keys().next().value!)
    return true
  }

  delete (id: string): boolean {
    return this.items.delete(id)
  }

  expire (now: number): void {
    const horizon = now - this.ttlMs
    for (const [id, e] of this.items) {
      if (e.at > horizon) break
      this.items.delete(id)
    }
  }

  entries (): IterableIterator<[string, { at: number, value: V }]> {
    return this.items.entries()
  }
}
