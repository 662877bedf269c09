/**
 * HyParView's reserve: the last `size` peers a node has had in its views, kept after they leave them, for
 * the case the paper's two views do not cover — every active and passive peer gone at once (Leitão, Pereira,
 * Rodrigues, DSN 2007, §4.3 repairs the active view from the passive view only; at 95% failure some nodes
 * lose all of both). A node with no passive peer left, no request pending and
 * room in its active view moves reserve peers back into its passive view, `batch` at a time, one batch per
 * repair tick, until one pass over the reserve is done; if that pass found nobody, the next waits `retryMs`,
 * doubled per fruitless pass up to `retryMaxMs` (a node that finds a neighbour starts again from `retryMs`).
 * A peer that did not answer is deleted, so the reserve dials nobody twice in vain.
 *
 * Bounded (`size` entries, oldest replaced first) and sans-IO: the caller passes the time.
 */
import type { NodeId } from '../core/protocol.js'
import type { PeerInfo } from './messages.js'

export class Reserve {
  private readonly peers: PeerInfo[] = []
  /** The peers' ids, position by position: looking one up scans these without visiting the records. */
  private readonly ids: NodeId[] = []
  /** Where the next peer is written once full (the oldest). */
  private write = 0
  /** Position of the next batch in the current pass; -1: no pass under way. */
  private cursor = -1
  private taken = 0
  private nextPassAt = 0
  private backoffMs: number

  constructor (private readonly size: number, private readonly retryMs: number, private readonly retryMaxMs: number) {
    this.backoffMs = retryMs
  }

  get length (): number {
    return this.peers.length
  }

  /** Remembers `p` (a peer that entered one of our views); a peer already kept gets its newer record. */
  note (p: PeerInfo): void {
    if (this.size === 0) return
    const i = this.indexOf(p.id)
    if (i >= 0) {
      this.peers[i] = p
      return
    }
    if (this.peers.length < this.size) {
      this.peers.push(p)
      this.ids.push(p.id)
      return
    }
    this.peers[this.write] = p
    this.ids[this.write] = p.id
    this.write = (this.write + 1) % this.size
  }

  /** Forgets `id` (a banned peer). */
  delete (id: NodeId): void {
    const i = this.indexOf(id)
    if (i < 0) return
    this.peers.splice(i, 1)
    this.ids.splice(i, 1)
    if (this.write > i) this.write--
    if (this.write >= this.peers.length) this.write = 0
  }

  /** The node has a neighbour again: the next isolation starts a pass at once. */
  found (): void {
    this.cursor = -1
    this.backoffMs = this.retryMs
    this.nextPassAt = 0
  }

  /** The node is isolated: the next `batch` peers to try, or none (waiting out the backoff, or nothing kept). */
  next (now: number, batch: number): PeerInfo[] {
    const n = this.peers.length
    if (n === 0) return []
    if (this.cursor < 0) {
      if (now < this.nextPassAt) return []
      this.cursor = 0
      this.taken = 0
    }
    const out: PeerInfo[] = []
    while (out.length < batch && this.taken < n) {
      out.push(this.peers[this.cursor % n]!)
      this.cursor++
      this.taken++
    }
    if (this.taken >= n) {
      // A full pass: the next one waits, longer each time it comes to this.
      this.cursor = -1
      this.nextPassAt = now + this.backoffMs
      this.backoffMs = Math.min(2 * this.backoffMs, this.retryMaxMs)
    }
    return out
  }

  private indexOf (id: NodeId): number {
    return this.ids.indexOf(id)
  }
}
