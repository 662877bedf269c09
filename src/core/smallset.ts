/**
 * A set that stays an array while it is small: membership is then a scan, which for a handful of elements
 * is as fast as hashing and costs a fraction of a hash table's memory. Past `LINEAR_MAX` elements it turns
 * into a `Set` for good. Either way it iterates in insertion order, as a `Set` does. A node's links and
 * connections are a handful; a simulation of 10⁶ nodes holds several such sets per node.
 *
 * Do not change a SmallSet while iterating over it.
 */

const LINEAR_MAX = 16

export class SmallSet<T> implements Iterable<T> {
  private items: T[] = []
  private set: Set<T> | null = null

  get size (): number {
    return this.set === null ? this.items.length : this.set.size
  }

  has (x: T): boolean {
    return this.set === null ? this.items.includes(x) : this.set.has(x)
  }

  add (x: T): this {
    if (this.set !== null) {
      this.set.add(x)
    } else if (!this.items.includes(x)) {
      this.items.push(x)
      if (this.items.length > LINEAR_MAX) {
        this.set = new Set(this.items)
        this.items = []
      }
    }
    return this
  }

  delete (x: T): boolean {
    if (this.set !== null) return this.set.delete(x)
    const i = this.items.indexOf(x)
    if (i < 0) return false
    this.items.splice(i, 1)
    return true
  }

  clear (): void {
    this.items = []
    this.set = null
  }

  [Symbol.iterator] (): Iterator<T> {
    return this.set === null ? this.items[Symbol.iterator]() : this.set[Symbol.iterator]()
  }
}
