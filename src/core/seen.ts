/**
 * A bounded set of recently seen message ids with a time-to-live: ids expire `ttlMs` after they were
 * added, and the oldest go first when `maxSize` is reached. Insertion order is time order, so expiry
 * only ever looks at the front. Used by Plumtree (its seen set and its payload cache) and flood gossip.
 *
 * Kept small per id, since every node of a simulated overlay holds one or two of these: a `Map` from the
 * id to its entry number, and a ring of entries (the id, the time it was added in a Float64Array, and
 * the value when the cache carries one) indexed by entry number. That is one map entry and three array
 * slots an id, with no object and no boxed time per id (the earlier map of `{ key, value }` slots cost
 * about twice as much, and one object each for the collector to trace). An entry is live while the map
 * still gives its number; `delete` clears its slot, and the ring is compacted when deleted slots fill it.
 */

export class SeenCache<V = true> {
  /** id → its entry number (entry s lives in ring slot s & (cap − 1)). */
  private readonly index = new Map<string, number>()
  private cap = 16
  private ids: Array<string | undefined> = new Array<string | undefined>(16).fill(undefined)
  private times = new Float64Array(16)
  /** Values other than `true`, per slot, for caches that carry one (Plumtree's payload cache); made when first needed. */
  private values: Array<V | undefined> | null = null
  /** Entry number of the oldest slot in use (live or deleted), and of the next one. */
  private head = 0
  private tail = 0

  constructor (readonly ttlMs: number, readonly maxSize: number) {}

  get size (): number {
    return this.index.size
  }

  has (id: string): boolean {
    return this.index.has(id)
  }

  get (id: string): V | undefined {
    const s = this.index.get(id)
    if (s === undefined) return undefined
    return this.values?.[s & (this.cap - 1)] ?? (true as V)
  }

  /** Adds `id` (if absent) at time `now`; returns false if it was already there. */
  add (now: number, id: string, value: V): boolean {
    this.expire(now)
    if (this.index.has(id)) return false
    if (this.tail - this.head === this.cap) this.resize()
    const s = this.tail++
    const slot = s & (this.cap - 1)
    this.ids[slot] = id
    this.times[slot] = now
    if (value !== true) (this.values ??= new Array<V | undefined>(this.cap).fill(undefined))[slot] = value
    this.index.set(id, s)
    if (this.index.size > this.maxSize) this.dropOldest()
    return true
  }

  delete (id: string): boolean {
    const s = this.index.get(id)
    if (s === undefined) return false
    this.index.delete(id)
    this.clear(s & (this.cap - 1))
    return true
  }

  expire (now: number): void {
    const horizon = now - this.ttlMs
    const mask = this.cap - 1
    while (this.head < this.tail) {
      const slot = this.head & mask
      const id = this.ids[slot]
      if (id !== undefined) {
        if (this.times[slot]! > horizon) return
        this.index.delete(id)
        this.clear(slot)
      }
      this.head++
    }
  }

  private dropOldest (): void {
    const mask = this.cap - 1
    while (this.head < this.tail) {
      const slot = this.head++ & mask
      const id = this.ids[slot]
      if (id !== undefined) {
        this.index.delete(id)
        this.clear(slot)
        return
      }
    }
  }

  private clear (slot: number): void {
    this.ids[slot] = undefined
    if (this.values !== null) this.values[slot] = undefined
  }

  /** The ring is full: copy the live entries, oldest first, into a ring twice as large (or as large, when deleted slots made it full). */
  private resize (): void {
    const live = this.index.size
    const cap = live * 2 <= this.cap ? this.cap : this.cap * 2
    const ids = new Array<string | undefined>(cap).fill(undefined)
    const times = new Float64Array(cap)
    const values = this.values === null ? null : new Array<V | undefined>(cap).fill(undefined)
    const mask = this.cap - 1
    let n = 0
    for (let s = this.head; s < this.tail; s++) {
      const id = this.ids[s & mask]
      if (id === undefined) continue
      ids[n] = id
      times[n] = this.times[s & mask]!
      if (values !== null) values[n] = this.values![s & mask]
      this.index.set(id, n++)
    }
    this.cap = cap
    this.ids = ids
    this.times = times
    this.values = values
    this.head = 0
    this.tail = n
  }
}
