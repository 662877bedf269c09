/**
 * Cyclon (Voulgaris, Gavidia, van Steen, "CYCLON: Inexpensive Membership Management for Unstructured P2P
 * Overlays", J. Network and Systems Management 13(2), 2005): a baseline for HyParView's comparison
 * (Leitão et al., DSN 2007 §5), run in the simulator only. A sans-IO wire protocol (src/core/protocol.ts).
 *
 * Each node keeps a fixed-size **cache** of `(peer, age)` entries — its partial view; the gossip layer
 * (./gossip.ts) draws its targets from it. No connections are held: every exchange is a message sent
 * without a link, and a crashed peer is never told to anyone.
 *   enhanced shuffling, every shuffle period (one "cycle"): age every entry by one; pick the oldest
 *        entry Q and ℓ − 1 other random entries; remove Q from the cache; send Q the ℓ − 1 entries and our
 *        own with age 0. Q answers with up to ℓ random entries of its cache; each side drops entries naming
 *        itself or already cached, fills empty slots first, then replaces the entries it sent. A dead Q
 *        never answers, and its entry is already gone: that is Cyclon's only failure handling.
 *   join: the newcomer asks an introducer, which starts `cacheSize` random walks of `walkLength`
 *        hops carrying the newcomer's id; where a walk ends, the node swaps a random entry of its cache
 *        for the newcomer (age 0) and hands the entry it dropped to the newcomer, so in-degrees stay even.
 *        (A node with room keeps the newcomer and hands over itself.)
 */
import { UsageError, type PeerError } from '../core/errors.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import { BaselineCodec, type Entry, type Layout } from './codec.js'
import type { PartialView } from './gossip.js'

export type CyclonMessage =
  /** A newcomer asks its introducer to let it in. */
  | { readonly kind: 'join' }
  /** A join random walk carrying the newcomer `peer`, `ttl` hops left. */
  | { readonly kind: 'joinWalk', readonly peer: NodeId, readonly ttl: number }
  /** Where a walk ended: the entry given to the newcomer. */
  | { readonly kind: 'joinReply', readonly entries: readonly Entry[] }
  | { readonly kind: 'shuffle', readonly entries: readonly Entry[] }
  | { readonly kind: 'shuffleReply', readonly entries: readonly Entry[] }

export interface CyclonTimer { kind: 'shuffle', token: number }

const LAYOUT: Layout = {
  join: { code: 1 },
  joinWalk: { code: 2, peer: true, ttl: true },
  joinReply: { code: 3, entries: true },
  shuffle: { code: 4, entries: true },
  shuffleReply: { code: 5, entries: true }
}

export interface CyclonConfig {
  /** Entries in the cache (Cyclon's c). */
  cacheSize: number
  /** Entries exchanged per shuffle (Cyclon's ℓ), our own included. */
  shuffleLength: number
  /** One shuffle per period: a "cycle" of the papers' simulations. */
  shufflePeriodMs: number
  /** Hops of a join random walk. */
  walkLength: number
}

/**
 * Cache 35 and shuffle length 14 as the HyParView paper configured Cyclon for 10,000 nodes (§5: the cache
 * holds as many peers as HyParView's active and passive views together); the join walks' length is our
 * choice (Cyclon's join asks for about the average path length, ≈ 3 hops here).
 */
export const DEFAULT_CYCLON: CyclonConfig = { cacheSize: 35, shuffleLength: 14, shufflePeriodMs: 1000, walkLength: 4 }

export interface CyclonStats {
  shufflesStarted: number
  shufflesAnswered: number
  repliesUnmatched: number
  joinWalksEnded: number
  malformed: number
}

export class Cyclon implements WireProtocol<CyclonMessage, CyclonTimer>, PartialView {
  readonly name: string
  readonly wire: WireSpec<CyclonMessage>
  readonly config: CyclonConfig
  readonly stats: CyclonStats = { shufflesStarted: 0, shufflesAnswered: 0, repliesUnmatched: 0, joinWalksEnded: 0, malformed: 0 }
  /** The cache: ids and ages side by side (at most cacheSize; scanned linearly). */
  private readonly ids: NodeId[] = []
  private readonly ages: number[] = []
  private pending: { peer: NodeId, sent: NodeId[] } | undefined
  private token = 0

  constructor (private readonly env: Env<CyclonMessage, CyclonTimer, never>, config: Partial<CyclonConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_CYCLON, ...config }
    const c = this.config
    if (!Number.isInteger(c.cacheSize) || c.cacheSize < 1) throw new UsageError('ERR_CONFIG', `cyclon: cacheSize must be a whole number ≥ 1 (got ${c.cacheSize})`)
    if (!Number.isInteger(c.shuffleLength) || c.shuffleLength < 1 || c.shuffleLength > c.cacheSize) throw new UsageError('ERR_CONFIG', `cyclon: shuffleLength must be a whole number in 1..cacheSize (got ${c.shuffleLength})`)
    if (!(c.shufflePeriodMs > 0)) throw new UsageError('ERR_CONFIG', `cyclon: shufflePeriodMs must be > 0 (got ${c.shufflePeriodMs})`)
    if (!Number.isInteger(c.walkLength) || c.walkLength < 0) throw new UsageError('ERR_CONFIG', `cyclon: walkLength must be a whole number ≥ 0 (got ${c.walkLength})`)
    this.wire = { protocolIds: ['/grapevine-sim/cyclon/1.0.0'], codec: new BaselineCodec<CyclonMessage>(LAYOUT), maxFrameBytes: 64 * 1024 }
  }

  partialView (): NodeId[] {
    return [...this.ids]
  }

  /** The cache with ages (for tests and reports). */
  cache (): Entry[] {
    return this.ids.map((id, i) => ({ id, age: this.ages[i]! }))
  }

  join (_now: number, contact: NodeId): void {
    if (contact === this.env.id) throw new UsageError('ERR_JOIN_SELF', 'a node cannot join through itself; give the id of another node as contact')
    this.add(contact, 0)
    this.env.io.send(contact, { kind: 'join' })
  }

  start (now: number): void {
    const token = ++this.token
    this.env.io.setTimer(now + this.env.rng.float() * this.config.shufflePeriodMs, { kind: 'shuffle', token })
  }

  onTimer (now: number, timer: CyclonTimer): void {
    if (timer.token !== this.token) return
    this.env.io.setTimer(now + this.config.shufflePeriodMs, timer)
    this.shuffle()
  }

  onPeerUp (_now: number, _peer: NodeId, _link: PeerLink): void {}
  onPeerDown (): void {}

  onMalformed (_now: number, _from: NodeId, _error: PeerError): void {
    this.stats.malformed++
  }

  onMessage (_now: number, from: NodeId, msg: CyclonMessage): void {
    switch (msg.kind) {
      case 'join':
        // The introducer: one walk per cache slot of the newcomer (from itself when it knows nobody else).
        for (let i = 0; i < this.config.cacheSize; i++) this.walk(from, this.config.walkLength)
        return
      case 'joinWalk': return this.walk(msg.peer, msg.ttl)
      case 'joinReply': return this.merge(msg.entries, [])
      case 'shuffle': {
        this.stats.shufflesAnswered++
        const reply = this.env.rng.sample(this.ids.filter(id => id !== from), this.config.shuffleLength)
        this.env.io.send(from, { kind: 'shuffleReply', entries: reply.map(id => ({ id, age: this.ages[this.ids.indexOf(id)]! })) })
        return this.merge(msg.entries, reply)
      }
      case 'shuffleReply':
        if (this.pending?.peer !== from) {
          this.stats.repliesUnmatched++
          return
        }
        this.merge(msg.entries, this.pending.sent)
        this.pending = undefined
    }
  }

  /** Enhanced shuffling, the side whose timer fired. */
  private shuffle (): void {
    for (let i = 0; i < this.ages.length; i++) this.ages[i]!++
    if (this.ids.length === 0) return
    let oldest = 0
    for (let i = 1; i < this.ages.length; i++) if (this.ages[i]! > this.ages[oldest]!) oldest = i
    const q = this.ids[oldest]!
    this.remove(oldest)
    const others = this.env.rng.sample(this.ids, this.config.shuffleLength - 1)
    this.stats.shufflesStarted++
    this.pending = { peer: q, sent: others }
    this.env.io.send(q, { kind: 'shuffle', entries: [{ id: this.env.id, age: 0 }, ...others.map(id => ({ id, age: this.ages[this.ids.indexOf(id)]! }))] })
  }

  /** Join: forward a join walk, or end it here. */
  private walk (newcomer: NodeId, ttl: number): void {
    const next = this.ids.filter(id => id !== newcomer)
    if (ttl > 0 && next.length > 0) {
      this.env.io.send(next[this.env.rng.int(next.length)]!, { kind: 'joinWalk', peer: newcomer, ttl: ttl - 1 })
      return
    }
    if (newcomer === this.env.id || this.ids.includes(newcomer)) return
    this.stats.joinWalksEnded++
    if (this.ids.length < this.config.cacheSize) {
      this.add(newcomer, 0)
      this.env.io.send(newcomer, { kind: 'joinReply', entries: [{ id: this.env.id, age: 0 }] })
      return
    }
    const i = this.env.rng.int(this.ids.length)
    const given = { id: this.ids[i]!, age: this.ages[i]! }
    this.ids[i] = newcomer
    this.ages[i] = 0
    this.env.io.send(newcomer, { kind: 'joinReply', entries: [given] })
  }

  /** The end of a shuffle: skip ourselves and what we hold; fill empty slots, then replace what we sent. */
  private merge (received: readonly Entry[], sent: readonly NodeId[]): void {
    let s = 0
    for (const e of received) {
      if (e.id === this.env.id || this.ids.includes(e.id)) continue
      if (this.ids.length < this.config.cacheSize) {
        this.add(e.id, e.age)
        continue
      }
      while (s < sent.length && !this.ids.includes(sent[s]!)) s++
      if (s === sent.length) return
      const i = this.ids.indexOf(sent[s++]!)
      this.ids[i] = e.id
      this.ages[i] = e.age
    }
  }

  private add (id: NodeId, age: number): void {
    if (id === this.env.id || this.ids.includes(id)) return
    if (this.ids.length >= this.config.cacheSize) return
    this.ids.push(id)
    this.ages.push(age)
  }

  private remove (i: number): void {
    const last = this.ids.length - 1
    this.ids[i] = this.ids[last]!
    this.ages[i] = this.ages[last]!
    this.ids.pop()
    this.ages.pop()
  }
}
