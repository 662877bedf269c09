/**
 * A bounded set of recently seen message ids with a time-to-live: ids expire `ttlMs` after they were
 * added, and the oldest go first when `maxSize` is reached. Insertion order is time order, so expiry
 * only ever looks at the front.
 */

import { FifoMap } from './fifo.js'

export class SeenCache<V = true> {
  /** id → when it was added, oldest first. */
  private readonly items = new FifoMap<string, number>()
  /** Values other than `true`, for caches that carry one (Plumtree's payload cache). */
  private readonly values = new Map<string, V>()

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
    this.items.set(id, now)
    if (value !== true) this.values.set(id, value)
    if (this.items.size > this.maxSize) this.dropOldest()
    return true
  }

  delete (id: string): boolean {
    this.values.delete(id)
    return this.items.delete(id)
  }

  expire (now: number): void {
    const horizon = now - this.ttlMs
    for (let o = this.items.oldest(); o !== undefined && o.value <= horizon; o = this.items.oldest()) this.dropOldest()
  }

  private dropOldest (): void {
    const o = this.items.shift()
    if (o !== undefined) this.values.delete(o.key)
  }
}
