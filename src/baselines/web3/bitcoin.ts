/**
 * Bitcoin-style transaction relay, announce then fetch, as a sans-IO core: a simulator baseline for
 * `grapevine sim paper web3`, never offered on the network. After Bitcoin Core's net_processing.cpp and
 * txrequest.cpp (v0.21 onwards; the constants below are theirs):
 *   - a node that accepts a transaction queues its id for every peer not known to have it, and announces the
 *     queue in one `inv` when that peer's trickle timer fires. The timers are Poisson: exponential waits of
 *     mean 2 s for each outbound peer (OUTBOUND_INVENTORY_BROADCAST_INTERVAL) and of mean 5 s for the
 *     inbound peers, which share one timer so they cannot tell a source by timing
 *     (INBOUND_INVENTORY_BROADCAST_INTERVAL, `NextInvToInbounds`); at most INVENTORY_BROADCAST_MAX = 1000
 *     ids per `inv`. A timer is only drawn when something is queued: the process is memoryless, so the next
 *     firing after any moment is the same exponential wait.
 *   - a node missing an announced id asks one announcer for it with `getdata`; announcements from outbound
 *     (preferred) peers are requested at once, from inbound ones after NONPREF_PEER_TX_DELAY = 2 s, and from
 *     a peer with MAX_PEER_TX_REQUEST_IN_FLIGHT = 100 requests open after OVERLOADED_PEER_TX_DELAY = 2 s
 *     more. A request unanswered for GETDATA_TX_INTERVAL = 60 s, or answered with `notfound`, moves to
 *     another announcer (txrequest.cpp: preferred announcers first, then the earliest announcement).
 *   - the `tx` itself travels only in answer to `getdata`.
 *   - what each peer has (announced to us, or announced by us) is remembered for the last 50,000 ids
 *     (`m_tx_inventory_known_filter`, a rolling Bloom filter of 50,000 entries per peer): ./inventory.ts.
 * Left out: fee filters (BIP 133: every transaction here pays enough), wtxid relay (BIP 339 changes which
 * hash is announced, not the exchange), orphans, mempool policy, and the batching of several ids into one
 * `getdata` (here one `getdata` per id: at one transaction a second per network the difference is a few
 * header bytes). Sizes are the wire's: a 24-byte message header, and for inv / getdata / notfound a
 * CompactSize count plus 36 bytes per entry (4-byte type, 32-byte hash); a `tx` is its payload. The hop
 * count a `tx` carries is for measurement only and is not counted.
 */
import { UsageError } from '../../core/errors.js'
import { FifoMap } from '../../core/fifo.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../../core/protocol.js'
import { SizedJsonCodec } from './codec.js'
import { KnownInventory, compactSizeLength } from './inventory.js'

export type BitcoinMessage =
  | { kind: 'inv', ids: string[] }
  | { kind: 'getdata', ids: string[] }
  | { kind: 'notfound', ids: string[] }
  | { kind: 'tx', id: string, payload: Uint8Array, hop: number }

export type BitcoinTimer =
  | { kind: 'trickle-out', peer: NodeId }
  | { kind: 'trickle-in' }
  | { kind: 'request', id: string }
  | { kind: 'expire', id: string, peer: NodeId }

/** A transaction accepted: from a peer, or broadcast here (`from` null, hop 0). */
export interface BitcoinDelivery { type: 'deliver', id: string, payload: Uint8Array, from: NodeId | null, hop: number }

export interface BitcoinRelayConfig {
  inboundInvIntervalMs: number
  outboundInvIntervalMs: number
  invMax: number
  nonPreferredDelayMs: number
  overloadedDelayMs: number
  maxInFlightPerPeer: number
  getdataIntervalMs: number
  /** Ids remembered per peer as known to it. */
  knownMax: number
  /** Transactions kept to answer `getdata` (the mempool). */
  storeMax: number
  /** Announced ids being fetched at once (txrequest's table). */
  trackedMax: number
  /** Ids accepted in one inv / getdata / notfound (MAX_INV_SZ); more is malformed. */
  maxInvSize: number
}

export const DEFAULT_BITCOIN_RELAY: BitcoinRelayConfig = {
  inboundInvIntervalMs: 5_000,
  outboundInvIntervalMs: 2_000,
  invMax: 1_000,
  nonPreferredDelayMs: 2_000,
  overloadedDelayMs: 2_000,
  maxInFlightPerPeer: 100,
  getdataIntervalMs: 60_000,
  knownMax: 50_000,
  storeMax: 50_000,
  trackedMax: 50_000,
  maxInvSize: 50_000
}

export interface BitcoinRelayStats {
  delivered: number
  /** `tx` copies of transactions already had. */
  duplicates: number
  invsSent: number
  idsAnnounced: number
  getdataSent: number
  txSent: number
  /** Requests that went unanswered for `getdataIntervalMs` or were answered `notfound`, and moved on. */
  retries: number
  malformed: number
}

/** The P2P message header (magic, command, length, checksum). */
const HEADER = 24

export function bitcoinMessageSize (m: BitcoinMessage): number {
  if (m.kind === 'tx') return HEADER + m.payload.length
  return HEADER + compactSizeLength(m.ids.length) + 36 * m.ids.length
}

interface Peer {
  outbound: boolean
  queue: string[]
  inFlight: Set<string>
  timerPending: boolean
}

interface Announcer { peer: NodeId, at: number, preferred: boolean }

interface Want {
  announcers: Announcer[]
  tried: Set<NodeId>
  requested: NodeId | null
  /** The time of the request timer pending for it (Infinity: none). */
  timerAt: number
}

interface Stored { payload: Uint8Array, hop: number }

export class BitcoinRelay implements WireProtocol<BitcoinMessage, BitcoinTimer> {
  readonly name: string
  readonly wire: WireSpec<BitcoinMessage>
  readonly config: BitcoinRelayConfig
  readonly stats: BitcoinRelayStats = { delivered: 0, duplicates: 0, invsSent: 0, idsAnnounced: 0, getdataSent: 0, txSent: 0, retries: 0, malformed: 0 }
  private readonly peers = new Map<NodeId, Peer>()
  private readonly store: FifoMap<string, Stored>
  private readonly wanted: FifoMap<string, Want>
  private readonly known: KnownInventory
  private inboundTimerPending = false
  private seq = 0

  constructor (private readonly env: Env<BitcoinMessage, BitcoinTimer, BitcoinDelivery>, config: Partial<BitcoinRelayConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_BITCOIN_RELAY, ...config }
    for (const [k, v] of Object.entries(this.config)) {
      if (typeof v !== 'number' || !(v >= 0)) throw new UsageError('ERR_CONFIG', `bitcoin relay: ${k} must be a number ≥ 0 (got ${String(v)})`)
    }
    this.wire = { protocolIds: ['/grapevine/baseline-bitcoin/1.0.0'], codec: new SizedJsonCodec(bitcoinMessageSize), maxFrameBytes: 4_000_000 }
    this.store = new FifoMap(this.config.storeMax)
    this.wanted = new FifoMap(this.config.trackedMax)
    this.known = new KnownInventory(this.config.knownMax)
  }

  /** Originates a transaction of `payload`; returns its id. */
  broadcast (now: number, payload: Uint8Array): string {
    const id = `${this.env.id}/${this.seq++}`
    this.accept(now, id, payload, 0, null)
    return id
  }

  has (id: string): boolean {
    return this.store.has(id)
  }

  start (): void {}

  onPeerUp (_now: number, peer: NodeId, link: PeerLink): void {
    if (!this.peers.has(peer)) this.peers.set(peer, { outbound: link.outbound, queue: [], inFlight: new Set(), timerPending: false })
  }

  onPeerDown (now: number, peer: NodeId): void {
    const p = this.peers.get(peer)
    if (p === undefined) return
    this.peers.delete(peer)
    for (const id of p.inFlight) this.giveUp(now, id, peer)
  }

  onTimer (now: number, t: BitcoinTimer): void {
    switch (t.kind) {
      case 'trickle-out': {
        const p = this.peers.get(t.peer)
        if (p === undefined) return
        p.timerPending = false
        this.flush(t.peer, p)
        if (p.queue.length > 0) this.arm(now, t.peer, p)
        return
      }
      case 'trickle-in': {
        this.inboundTimerPending = false
        let left = false
        for (const [id, p] of this.peers) {
          if (p.outbound) continue
          this.flush(id, p)
          if (p.queue.length > 0) left = true
        }
        if (left) this.armInbound(now)
        return
      }
      case 'request': {
        const w = this.wanted.get(t.id)
        if (w === undefined || w.timerAt > now) return
        w.timerAt = Infinity
        if (w.requested === null) this.request(now, t.id, w) // else the expiry of the open request moves on
        return
      }
      case 'expire': {
        const w = this.wanted.get(t.id)
        if (w === undefined || w.requested !== t.peer) return // answered, or moved on already
        this.peers.get(t.peer)?.inFlight.delete(t.id)
        this.giveUp(now, t.id, t.peer)
      }
    }
  }

  onMessage (now: number, from: NodeId, msg: BitcoinMessage): void {
    const p = this.peers.get(from)
    if (p === undefined) return
    if (msg.kind !== 'tx' && msg.ids.length > this.config.maxInvSize) {
      this.stats.malformed++
      this.env.io.report(from, 'disconnect', `${msg.kind} of ${msg.ids.length} entries`)
      return
    }
    switch (msg.kind) {
      case 'inv':
        for (const id of msg.ids) this.announced(now, from, p, id)
        return
      case 'getdata': {
        const missing: string[] = []
        for (const id of msg.ids) {
          const s = this.store.get(id)
          if (s === undefined) {
            missing.push(id)
            continue
          }
          this.stats.txSent++
          this.env.io.send(from, { kind: 'tx', id, payload: s.payload, hop: s.hop + 1 })
        }
        if (missing.length > 0) this.env.io.send(from, { kind: 'notfound', ids: missing })
        return
      }
      case 'notfound':
        for (const id of msg.ids) {
          if (!p.inFlight.delete(id)) continue
          this.giveUp(now, id, from)
        }
        return
      case 'tx':
        p.inFlight.delete(msg.id)
        this.known.add(msg.id, from)
        if (this.store.has(msg.id)) {
          this.stats.duplicates++
          return
        }
        this.stats.delivered++
        this.accept(now, msg.id, msg.payload, msg.hop, from)
    }
  }

  onMalformed (): void {
    this.stats.malformed++
  }

  // ---- announcing ----

  private accept (now: number, id: string, payload: Uint8Array, hop: number, from: NodeId | null): void {
    this.store.set(id, { payload, hop })
    this.wanted.delete(id)
    this.env.io.emit({ type: 'deliver', id, payload, from, hop })
    for (const [peer, p] of this.peers) {
      if (peer === from || this.known.has(id, peer)) continue
      p.queue.push(id)
      if (p.outbound) this.arm(now, peer, p)
      else this.armInbound(now)
    }
  }

  private exp (meanMs: number): number {
    return -Math.log(1 - this.env.rng.float()) * meanMs
  }

  private arm (now: number, peer: NodeId, p: Peer): void {
    if (p.timerPending) return
    p.timerPending = true
    this.env.io.setTimer(now + this.exp(this.config.outboundInvIntervalMs), { kind: 'trickle-out', peer })
  }

  private armInbound (now: number): void {
    if (this.inboundTimerPending) return
    this.inboundTimerPending = true
    this.env.io.setTimer(now + this.exp(this.config.inboundInvIntervalMs), { kind: 'trickle-in' })
  }

  private flush (peer: NodeId, p: Peer): void {
    if (p.queue.length === 0) return
    const ids: string[] = []
    let i = 0
    for (; i < p.queue.length && ids.length < this.config.invMax; i++) {
      const id = p.queue[i]!
      if (this.known.has(id, peer) || !this.store.has(id)) continue
      this.known.add(id, peer)
      ids.push(id)
    }
    p.queue = i >= p.queue.length ? [] : p.queue.slice(i)
    if (ids.length === 0) return
    this.stats.invsSent++
    this.stats.idsAnnounced += ids.length
    this.env.io.send(peer, { kind: 'inv', ids })
  }

  // ---- fetching (txrequest) ----

  private announced (now: number, from: NodeId, p: Peer, id: string): void {
    this.known.add(id, from)
    if (this.store.has(id)) return
    let w = this.wanted.get(id)
    if (w === undefined) {
      w = { announcers: [], tried: new Set(), requested: null, timerAt: Infinity }
      this.wanted.set(id, w)
    }
    if (w.tried.has(from) || w.announcers.some(a => a.peer === from)) return
    const at = now + (p.outbound ? 0 : this.config.nonPreferredDelayMs) + (p.inFlight.size >= this.config.maxInFlightPerPeer ? this.config.overloadedDelayMs : 0)
    w.announcers.push({ peer: from, at, preferred: p.outbound })
    if (w.requested !== null) return
    if (at <= now) this.request(now, id, w)
    else this.schedule(id, w, at)
  }

  private schedule (id: string, w: Want, at: number): void {
    if (at >= w.timerAt) return
    w.timerAt = at
    this.env.io.setTimer(at, { kind: 'request', id })
  }

  /** Asks the best ready announcer: preferred first, then the earliest; or waits for the next to be ready. */
  private request (now: number, id: string, w: Want): void {
    let best: Announcer | null = null
    let next = Infinity
    for (const a of w.announcers) {
      if (w.tried.has(a.peer) || !this.peers.has(a.peer)) continue
      if (a.at > now) {
        next = Math.min(next, a.at)
        continue
      }
      if (best === null || (a.preferred && !best.preferred) || (a.preferred === best.preferred && a.at < best.at)) best = a
    }
    if (best === null) {
      if (next < Infinity) this.schedule(id, w, next)
      else this.wanted.delete(id) // nobody left to ask: forgotten until announced again
      return
    }
    w.requested = best.peer
    this.peers.get(best.peer)!.inFlight.add(id)
    this.stats.getdataSent++
    this.env.io.send(best.peer, { kind: 'getdata', ids: [id] })
    this.env.io.setTimer(now + this.config.getdataIntervalMs, { kind: 'expire', id, peer: best.peer })
  }

  /** The request to `peer` for `id` failed: try another announcer. */
  private giveUp (now: number, id: string, peer: NodeId): void {
    const w = this.wanted.get(id)
    if (w === undefined || w.requested !== peer) return
    this.stats.retries++
    w.tried.add(peer)
    w.requested = null
    this.request(now, id, w)
  }
}
