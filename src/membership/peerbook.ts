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
 * nodes saves a hash table per node. For the same reason an entry keeps the peer's record as it came (the
 * object a shuffle passes on, never copied) and its first source apart from the rarer others.
 */
import type { NodeId } from '../core/protocol.js'
import type { PeerInfo } from './messages.js'

/** Distinct sources remembered per peer: enough to tell "several" from "one". */
export const MAX_SOURCES = 4

export interface PeerEntry {
  /** The peer's record: its addresses, and in signed mode its sequence number and signature. Never changed, only replaced. */
  info: PeerInfo
  /** The first peer that named this one to us (undefined: we learned it ourselves — a join contact, our own disk). */
  source: NodeId | undefined
  /** The other sources, up to MAX_SOURCES in all (undefined while there is at most one). */
  more: NodeId[] | undefined
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
    return this.get(id)?.info.addrs ?? NO_ADDRS
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
      e = { info: record(p), source: source === null || source === p.id ? undefined : source, more: undefined, known: false, share: undefined, refusals: 0, retryAt: 0 }
      this.index?.set(p.id, this.ids.length)
      this.ids.push(p.id)
      this.list.push(e)
      if (this.index === null && this.ids.length > LINEAR_MAX) this.index = new Map(this.ids.map((x, i) => [x, i]))
      return e
    }
    const had = e.info
    const hadSeq = had.seq ?? 0
    if (seq > hadSeq || (p.addrs.length > 0 && (had.addrs.length === 0 || (source === null && seq === hadSeq))) || (p.signature !== undefined && had.signature === undefined)) {
      e.info = record(p)
    }
    if (source !== null && source !== p.id) addSource(e, source)
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

  /** The peer named by `source` alone (the share of the passive view one sender controls). */
  onlyFrom (id: NodeId, source: NodeId): boolean {
    const e = this.get(id)
    return e !== undefined && !e.known && e.more === undefined && e.source === source
  }

  /** The record to pass on about `id` (what a shuffle carries). */
  info (id: NodeId): PeerInfo {
    return this.get(id)?.info ?? { id, addrs: NO_ADDRS }
  }
}

const NO_ADDRS: readonly Uint8Array[] = Object.freeze([])

/** The promotion rank of entry `e` (of a peer with no entry: 2). */
export function rankOf (e: PeerEntry | undefined): Rank {
  if (e === undefined) return 2
  if (e.known) return 0
  return e.more !== undefined ? 1 : 2
}

/** The sources of entry `e`, first first. */
export function sourcesOf (e: PeerEntry): readonly NodeId[] {
  return e.source === undefined ? NO_SOURCES : e.more === undefined ? [e.source] : [e.source, ...e.more]
}

/** How many peers named the entry's peer. */
export function sourceCount (e: PeerEntry): number {
  return e.source === undefined ? 0 : 1 + (e.more?.length ?? 0)
}

export const NO_SOURCES: readonly NodeId[] = Object.freeze([])

function addSource (e: PeerEntry, source: NodeId): void {
  if (e.source === undefined) {
    e.source = source
    return
  }
  if (e.source === source || e.more?.includes(source) === true || sourceCount(e) >= MAX_SOURCES) return
  if (e.more === undefined) e.more = [source]
  else e.more.push(source)
}

/**
 * `p` as an entry keeps it: the record itself when it has the shape passed on (an unsigned record is an id
 * and addresses; a signed one also has its sequence number), else a copy of that shape.
 */
function record (p: PeerInfo): PeerInfo {
  if (p.signature === undefined) return p.seq === undefined ? p : { id: p.id, addrs: p.addrs }
  return p.seq === undefined ? { id: p.id, addrs: p.addrs, seq: 0, signature: p.signature } : p
}
