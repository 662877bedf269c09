/**
 * A binary min-heap of simulator events ordered by (time, sequence number), so events at the same virtual
 * instant run in the order they were scheduled (ARCHITECTURE.md, "The sans-IO contract").
 */

export interface Scheduled {
  time: number
  seq: number
}

export class EventHeap<T extends Scheduled> {
  private items: T[] = []

  get size (): number {
    return this.items.length
  }

  push (e: T): void {
    const a = this.items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(e, a[p]!)) break
      a[i] = a[p]!
      i = p
    }
    a[i] = e
  }

  peek (): T | undefined {
    return this.items[0]
  }

  pop (): T | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]!
    const last = a.pop()!
    if (a.length > 0) {
      let i = 0
      const n = a.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && before(a[r]!, a[l]!) ? r : l
        if (!before(a[c]!, last)) break
        a[i] = a[c]!
        i = c
      }
      a[i] = last
    }
    return top
  }
}

function before (x: Scheduled, y: Scheduled): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq)
}
