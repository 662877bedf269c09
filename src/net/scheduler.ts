/**
 * Real time for the cores: `now()` in milliseconds (monotonic, from `performance.now()`), and the cores'
 * timers kept in one heap behind a single Node timer, so thousands of pending core timers cost one
 * `setTimeout`. Callbacks run in (time, order of scheduling) order, as in the simulator.
 */
import { EventHeap } from '../core/heap.js'

interface Job { time: number, seq: number, fn: () => void }

export class Scheduler {
  private readonly heap = new EventHeap<Job>()
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private stopped = false

  constructor (private readonly onError: (err: unknown) => void = () => {}) {}

  now (): number {
    return performance.now()
  }

  at (time: number, fn: () => void): void {
    if (this.stopped) return
    this.heap.push({ time, seq: this.seq++, fn })
    this.arm()
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm (): void {
    const next = this.heap.peek()
    if (next === undefined || next.time >= this.timerAt) return
    clearTimeout(this.timer)
    this.timerAt = next.time
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.time - this.now()))
    this.timer.unref()
  }

  private fire (): void {
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.now()
    while (!this.stopped) {
      const next = this.heap.peek()
      if (next === undefined || next.time > now) break
      this.heap.pop()
      try {
        next.fn()
      } catch (err) {
        this.onError(err)
      }
    }
    if (!this.stopped) this.arm()
  }
}
