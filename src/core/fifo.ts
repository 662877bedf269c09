/**
 * A map that remembers insertion order cheaply enough to drop its oldest entries one by one; with a
 * `limit`, adding a new key past it drops the oldest entry (the bound of every table fed by peers).
 *
 * `Map` alone is a trap for that: V8 leaves a hole for every deleted entry until the table is rebuilt,
 * and `map.keys().next()` walks over all the holes at the front, so deleting the oldest entry of a
 * 100,000-entry map costs ~40 µs at steady state (measured here) instead of well under 1 µs. This keeps
 * the order in an array of the map's own slots; a slot the map no longer points to (its key deleted or
 * set anew) is skipped lazily, and the array is compacted as it drains or when stale slots outnumber live
 * entries (so deletions out of order cannot grow it without bound).
 */
interface Slot<K, V> { readonly key: K, value: V }

export class FifoMap<K, V> {
  /** key → its slot; the order array holds the same slot objects, so a slot is live iff the map still points to it. */
  private readonly map = new Map<K, Slot<K, V>>()
  private order: Array<Slot<K, V>> = []
  private head = 0

  constructor (readonly limit = Infinity) {}

  get size (): number {
    return this.map.size
  }

  has (key: K): boolean {
    return this.map.has(key)
  }

  get (key: K): V | undefined {
    return this.map.get(key)?.value
  }

  /** Sets `key`; a new key becomes the newest, an existing one keeps its place. */
  set (key: K, value: V): void {
    const e = this.map.get(key)
    if (e !== undefined) {
      e.value = value
      return
    }
    const slot = { key, value }
    this.map.set(key, slot)
    this.order.push(slot)
    if (this.map.size > this.limit) this.shift()
    if (this.order.length - this.head > 2 * this.map.size + 1024) this.rebuild()
  }

  /** Sets `key` as the newest entry, whether or not it was there. */
  renew (key: K, value: V): void {
    this.map.delete(key)
    this.set(key, value)
  }

  delete (key: K): boolean {
    return this.map.delete(key)
  }

  /** The oldest entry, or undefined when empty. */
  oldest (): { key: K, value: V } | undefined {
    while (this.head < this.order.length) {
      const o = this.order[this.head]!
      if (this.map.get(o.key) === o) return o
      this.head++
      this.compact()
    }
    return undefined
  }

  /** Removes and returns the oldest entry. */
  shift (): { key: K, value: V } | undefined {
    const o = this.oldest()
    if (o === undefined) return undefined
    this.map.delete(o.key)
    this.head++
    this.compact()
    return o
  }

  /** Entries oldest first. */
  * entries (): Generator<[K, V]> {
    for (let i = this.head; i < this.order.length; i++) {
      const o = this.order[i]!
      if (this.map.get(o.key) === o) yield [o.key, o.value]
    }
  }

  /** Drops every stale slot of the order array. */
  private rebuild (): void {
    this.order = this.order.slice(this.head).filter(o => this.map.get(o.key) === o)
    this.head = 0
  }

  private compact (): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head)
      this.head = 0
    }
  }
}
