/**
 * A binary min-heap of simulator events ordered by (time, sequence number), so events at the same virtual
 * instant run in the order they were scheduled (ARCHITECTURE.md, "The sans-IO contract").
 *
 * The keys live in two typed arrays beside the items, so sifting compares numbers in contiguous memory
 * instead of following a pointer to each event (the heap of a 10⁶-node simulation holds millions).
 */

export interface Scheduled {
  time: number
  seq: number
}

export class EventHeap<T extends Scheduled> {
  private items: Array<T | undefined> = []
  private times = new Float64Array(1024)
  private seqs = new Float64Array(1024)
  private n = 0

  get size (): number {
    return this.n
  }

  push (e: T): void {
    if (this.n === this.times.length) this.grow()
    const items = this.items
    const times = this.times
    const seqs = this.seqs
    const t = e.time
    const s = e.seq
    let i = this.n++
    while (i > 0) {
      const p = (i - 1) >> 1
      const pt = times[p]!
      if (pt < t || (pt === t && seqs[p]! < s)) break
      items[i] = items[p]
      times[i] = pt
      seqs[i] = seqs[p]!
      i = p
    }
    items[i] = e
    times[i] = t
    seqs[i] = s
  }

  peek (): T | undefined {
    return this.n === 0 ? undefined : this.items[0]
  }

  /** The time of the first event (Infinity when empty), without touching the event. */
  peekTime (): number {
    return this.n === 0 ? Infinity : this.times[0]!
  }

  pop (): T | undefined {
    if (this.n === 0) return undefined
    const items = this.items
    const times = this.times
    const seqs = this.seqs
    const top = items[0]
    const n = --this.n
    const last = items[n]
    const lt = times[n]!
    const ls = seqs[n]!
    items[n] = undefined
    if (n > 0) {
      let i = 0
      for (;;) {
        let c = 2 * i + 1
        if (c >= n) break
        const r = c + 1
        if (r < n && (times[r]! < times[c]! || (times[r] === times[c] && seqs[r]! < seqs[c]!))) c = r
        const ct = times[c]!
        if (lt < ct || (lt === ct && ls < seqs[c]!)) break
        items[i] = items[c]
        times[i] = ct
        seqs[i] = seqs[c]!
        i = c
      }
      items[i] = last
      times[i] = lt
      seqs[i] = ls
    }
    return top
  }

  private grow (): void {
    const times = new Float64Array(this.times.length * 2)
    times.set(this.times)
    this.times = times
    const seqs = new Float64Array(this.seqs.length * 2)
    seqs.set(this.seqs)
    this.seqs = seqs
  }
}
