/**
 * What a HyParView node remembers about each peer in its views, its pending NEIGHBOR requests and its
 * join contact: the addresses the peer can be dialled at, **who told us about it** (up to `MAX_SOURCES`
 * distinct authenticated senders), and whether it has been our neighbour. The last two rank passive peers
 * for promotion: a former neighbour comes first; then a peer named by several distinct sources (one liar
 * cannot fake that); then the rest. (A peer we know first-hand — it told us itself, it is our join
 * contact, it comes from our own disk — has no source: it costs no source's budget.)
 *
 * Bounded by the views: an entry lives while its peer is in a view, an attempt or the join contact
 * (HyParView forgets the others). Entries sit in two parallel arrays, found by a scan while there are few
 * (a view's worth, ~35 by default) and through an index map built past `LINEAR_MAX`: a simulation of 10⁶
 * nodes saves a hash table per node.
 */
import type { NodeId } from '../core/protocol.js'
import type { PeerInfo } from './messages.js'

/** Distinct sources remembered per peer: enough to tell "several" from "one". */
export const MAX_SOURCES = 4

export interface PeerEntry {
  addrs: readonly Uint8Array[]
  /** The sequence number of the peer's address record (0 when unsigned). */
  seq: number
  /** The peer's signature of its record (signed mode). */
  signature: Uint8Array | undefined
  /** Peers that named this one to us (empty: we learned it ourselves — a join contact, our own disk). */
  sources: NodeId[]
  /** It has been in our active view. */
  known: boolean
  /** As a passive peer: the one source that named it, whose share of the passive view it counts in. */
  share: NodeId | undefined
  /** Refusals of our NEIGHBOR in a row, and when it may be asked again (low priority). */
  refusals: number
  retryAt: number
}

/** Promotion rank: 0 a former neighbour, 1 named by several sources, 2 the rest. */
export type Rank = 0 | 1 | 2

/** Entries up to which lookups scan the arrays. */
const LINEAR_MAX = 64

export class PeerBook {
  private readonly ids: NodeId[] = []
  private readonly list: PeerEntry[] = []
  private index: Map<NodeId, number> | null = null

  get size (): number {
    return this.ids.length
  }

  get (id: NodeId): PeerEntry | undefined {
    const i = this.index === null ? this.ids.indexOf(id) : this.index.get(id) ?? -1
    return i < 0 ? undefined : this.list[i]
  }

  addrsOf (id: NodeId): readonly Uint8Array[] {
    return this.get(id)?.addrs ?? []
  }

  /**
   * Notes what we were told about `p`: its record replaces ours when newer, signed where ours is not, or
   * first-hand (the peer itself, over a connection) — a third party cannot overwrite addresses we hold
   * with a record no newer; `source` (the sender that named it; null for first-hand knowledge) joins its
   * sources.
   */
  note (p: PeerInfo, source: NodeId | null): PeerEntry {
    let e = this.get(p.id)
    const seq = p.seq ?? 0
    if (e === undefined) {
      e = { addrs: p.addrs, seq, signature: p.signature, sources: source === null || source === p.id ? [] : [source], known: false, share: undefined, refusals: 0, retryAt: 0 }
      this.index?.set(p.id, this.ids.length)
      this.ids.push(p.id)
      this.list.push(e)
      if (this.index === null && this.ids.length > LINEAR_MAX) this.index = new Map(this.ids.map((x, i) => [x, i]))
      return e
    }
    if (seq > e.seq || (p.addrs.length > 0 && (e.addrs.length === 0 || (source === null && seq === e.seq))) || (p.signature !== undefined && e.signature === undefined)) {
      e.addrs = p.addrs
      e.seq = seq
      e.signature = p.signature
    }
    if (source !== null && source !== p.id && !e.sources.includes(source) && e.sources.length < MAX_SOURCES) e.sources.push(source)
    return e
  }

  markKnown (id: NodeId): void {
    const e = this.get(id)
    if (e === undefined) return
    e.known = true
    e.refusals = 0
    e.retryAt = 0
  }

  /** It turned down our NEIGHBOR (full): not asked again before `now + base · 2^(refusals − 1)`, at most `max` ahead. */
  refused (id: NodeId, now: number, base: number, max: number): void {
    const e = this.get(id)
    if (e === undefined) return
    e.refusals = Math.min(e.refusals + 1, 30)
    e.retryAt = now + Math.min(max, base * 2 ** (e.refusals - 1))
  }

  /** Whether a refusal still puts it off at `now`. */
  waiting (id: NodeId, now: number): boolean {
    const e = this.get(id)
    return e !== undefined && e.retryAt > now
  }

  /** Back to the rank its sources give it (a former neighbour that turned down our request). */
  demote (id: NodeId): void {
    const e = this.get(id)
    if (e !== undefined) e.known = false
  }

  delete (id: NodeId): void {
    const i = this.index === null ? this.ids.indexOf(id) : this.index.get(id) ?? -1
    if (i < 0) return
    const lastId = this.ids.pop()!
    const last = this.list.pop()!
    if (i < this.ids.length) {
      this.ids[i] = lastId
      this.list[i] = last
      this.index?.set(lastId, i)
    }
    this.index?.delete(id)
  }

  rank (id: NodeId): Rank {
    const e = this.get(id)
    if (e === undefined) return 2
    if (e.known) return 0
    return e.sources.length >= 2 ? 1 : 2
  }

  /** The peer named by `source` alone (the share of the passive view one sender controls). */
  onlyFrom (id: NodeId, source: NodeId): boolean {
    const e = this.get(id)
    return e !== undefined && !e.known && e.sources.length === 1 && e.sources[0] === source
  }

  /** The record to pass on about `id` (what a shuffle carries). */
  info (id: NodeId): PeerInfo {
    const e = this.get(id)
    if (e === undefined) return { id, addrs: [] }
    return e.signature === undefined ? { id, addrs: e.addrs } : { id, addrs: e.addrs, seq: e.seq, signature: e.signature }
  }
}
