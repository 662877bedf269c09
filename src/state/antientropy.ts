/**
 * Anti-entropy replicated state (Demers et al., "Epidemic algorithms for replicated database maintenance",
 * PODC 1987; van Renesse et al., "Efficient reconciliation and flow control for anti-entropy protocols"
 * (Scuttlebutt), LADIS 2008). A sans-IO wire protocol (src/core/protocol.ts).
 *
 * Every node owns the keys it writes; each write takes the next version of its origin. Forever, once a
 * period (with jitter), the node's timer fires and it takes the **active role**: it picks one peer from
 * the peer-sampling service and starts an exchange. The peer takes the **passive role** and answers.
 * Exchange styles and contents (see ./messages.ts for the messages):
 *   - push:      send what the peer may lack — the full state, or (delta) the version suffixes of the origins
 *                that changed within the last `pushWindowPeriods` periods (rumor spreading with a horizon);
 *   - pull:      send a digest (delta) or an empty request (full); the peer answers with what is newer;
 *   - push-pull: SYN(digest) → ACK(digest, deltas) → ACK2(deltas), or full state both ways.
 * Delta messages are bounded by `mtu` (digests are paged, deltas filled in scuttle-depth order) so a large
 * backlog flows over several rounds; full-state messages are bounded by `maxFrameBytes`.
 *
 * Deletes are versioned tombstones, collected `tombstoneGraceMs` after this node learned them; a peer that
 * has been away longer is reset from version 0 (see ./store.ts), so deleted keys do not come back.
 */
import { checkChoice, checkConfig, checkNumbers } from '../core/config.js'
import { PeerError, UsageError } from '../core/errors.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import type { PeerSampling } from '../core/sampling.js'
import { FifoMap } from '../core/fifo.js'
import { Strikes } from '../core/strikes.js'
import { DEFAULT_CODEC_LIMITS, StateCodec, digestSize, messageOverhead, type StateCodecLimits } from './codec.js'
import { utf8Length } from '../core/bytes.js'
import type { Entry, OriginDelta, StateMessage } from './messages.js'
import { Store, type OriginMeta, type StoreLimits } from './store.js'

export type ExchangeStyle = 'push' | 'pull' | 'pushpull'
export type Content = 'delta' | 'full'

export interface AntiEntropyConfig {
  style: ExchangeStyle
  content: Content
  /** Time between two exchanges this node starts. */
  periodMs: number
  /** Each period is stretched or shrunk by up to this fraction, at random. */
  jitter: number
  /** Largest delta-mode message, in bytes. */
  mtu: number
  /** Largest message of any kind (full state included); larger frames are dropped unread. */
  maxFrameBytes: number
  /** Push (delta): origins that changed within this many periods are pushed. */
  pushWindowPeriods: number
  /** A tombstone is collected this long after this node learned it. */
  tombstoneGraceMs: number
  /** An exchange not answered within this many periods is forgotten. */
  exchangeTimeoutPeriods: number
  /** Most exchanges awaiting an answer. */
  maxPendingExchanges: number
  /** Malformed messages from one peer before it is banned. */
  maxStrikes: number
  /** This node's incarnation: a restart that lost its state must use a larger one. */
  generation: number
  store: StoreLimits
  codec: StateCodecLimits
}

export const DEFAULT_ANTI_ENTROPY: AntiEntropyConfig = {
  style: 'pushpull',
  content: 'delta',
  periodMs: 1000,
  jitter: 0.1,
  mtu: 64 * 1024,
  maxFrameBytes: 4 * 1024 * 1024,
  pushWindowPeriods: 30,
  tombstoneGraceMs: 60 * 60 * 1000,
  exchangeTimeoutPeriods: 3,
  maxPendingExchanges: 64,
  maxStrikes: 5,
  generation: 0,
  store: { maxOrigins: 100_000, maxEntries: 10_000_000 },
  codec: DEFAULT_CODEC_LIMITS
}

export type StateTimer = { kind: 'round', token: number } | { kind: 'gc', token: number }

/** A key of some origin changed at this node (a local write, or an update learned from a peer). */
export interface StateChange {
  type: 'change'
  origin: NodeId
  key: string
  value: Uint8Array
  version: number
  deleted: boolean
  local: boolean
  /** The origin's record after the change (what a node persists beside the entry). */
  meta: OriginMeta
}

export type StateEvent = StateChange

export interface AntiEntropyStats {
  rounds: number
  exchangesStarted: number
  exchangesAnswered: number
  entriesApplied: number
  entriesStale: number
  entriesRefused: number
  resets: number
  malformed: number
  unsolicited: number
  tombstonesCollected: number
  peersBanned: number
}

/** A recently learned version of an origin, for push (delta). */
interface Recent { origin: NodeId, version: number, at: number }

export class AntiEntropy implements WireProtocol<StateMessage, StateTimer> {
  readonly name: string
  readonly wire: WireSpec<StateMessage>
  readonly config: AntiEntropyConfig
  private readonly store: Store
  readonly stats: AntiEntropyStats = {
    rounds: 0, exchangesStarted: 0, exchangesAnswered: 0, entriesApplied: 0, entriesStale: 0,
    entriesRefused: 0, resets: 0, malformed: 0, unsolicited: 0, tombstonesCollected: 0, peersBanned: 0
  }

  private readonly env: Env<StateMessage, StateTimer, StateEvent>
  private readonly peers: PeerSampling
  private token = 0
  private nextExchange = 1
  /** Exchanges this node started and awaits an answer to: id → (peer, started at). */
  private readonly pending: FifoMap<number, { peer: NodeId, at: number }>
  /** Where the next digest page starts. */
  private digestCursor = ''
  /** Tombstones in the order this node learned them, for collection. */
  private tombstones: Array<{ origin: NodeId, key: string, version: number, at: number }> = []
  private tombstoneHead = 0
  /** Versions learned recently, oldest first, for push (delta). */
  private recent: Recent[] = []
  private recentHead = 0
  private readonly strikes: Strikes
  private readonly observers: Array<(now: number, change: StateChange) => void> = []

  constructor (env: Env<StateMessage, StateTimer, StateEvent>, peers: PeerSampling, config: Partial<AntiEntropyConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_ANTI_ENTROPY, ...config }
    validate(this.config)
    this.env = env
    this.peers = peers
    this.wire = { protocolIds: ['/grapevine/state/1.0.0'], codec: new StateCodec(this.config.codec), maxFrameBytes: this.config.maxFrameBytes }
    this.store = new Store(env.id, this.config.generation, this.config.store)
    this.strikes = new Strikes(this.config.maxStrikes)
    this.pending = new FifoMap(this.config.maxPendingExchanges)
  }

  // ---- local commands ----

  /** Writes `key` of this node's own origin. */
  set (now: number, key: string, value: Uint8Array): Entry {
    this.checkKey(key)
    if (value.length > this.config.codec.maxValueBytes) {
      throw new UsageError('ERR_VALUE_TOO_LARGE', `value of ${value.length} bytes exceeds maxValueBytes (${this.config.codec.maxValueBytes}); store large blobs elsewhere and replicate a reference`)
    }
    return this.learn(now, this.env.id, this.store.writeOwn(key, value, false), true)
  }

  /** Deletes `key` of this node's own origin (a versioned tombstone). Returns undefined if absent. */
  delete (now: number, key: string): Entry | undefined {
    this.checkKey(key)
    const cur = this.store.own.entries.get(key)
    if (cur === undefined || cur.deleted) return undefined
    return this.learn(now, this.env.id, this.store.writeOwn(key, new Uint8Array(0), true), true)
  }

  /** The live value of `key` written by `origin` (default: this node). */
  get (key: string, origin: NodeId = this.env.id): Uint8Array | undefined {
    const e = this.store.origins.get(origin)?.entries.get(key)
    return e === undefined || e.deleted ? undefined : e.value
  }

  /** The current entry (tombstones included) of `key` written by `origin`. */
  entry (key: string, origin: NodeId = this.env.id): Entry | undefined {
    return this.store.origins.get(origin)?.entries.get(key)
  }

  /** How many origins this node holds. */
  get originCount (): number {
    return this.store.origins.size
  }

  /** The record of `origin`, if held. */
  originMeta (origin: NodeId): OriginMeta | undefined {
    const rec = this.store.origins.get(origin)
    return rec === undefined ? undefined : { generation: rec.generation, known: rec.known, gcVersion: rec.gcVersion }
  }

  /** Installs what was known of `origin` before a restart (from a data directory); call before `start`. */
  restore (origin: NodeId, meta: OriginMeta, entries: readonly Entry[]): void {
    this.store.restore(origin, meta.generation, meta.known, meta.gcVersion, entries)
  }

  /** Calls `fn` for every change, as the `change` event does, for cores composed with this one on a node. */
  observe (fn: (now: number, change: StateChange) => void): void {
    this.observers.push(fn)
  }

  /** Every entry, tombstones included, with its origin. */
  * allEntries (): Generator<{ origin: NodeId, entry: Entry }> {
    for (const [origin, rec] of this.store.origins) for (const entry of rec.entries.values()) yield { origin, entry }
  }

  /** Every live `(origin, key, value, version)`. */
  * entries (): Generator<{ origin: NodeId, key: string, value: Uint8Array, version: number }> {
    for (const [origin, rec] of this.store.origins) {
      for (const e of rec.entries.values()) if (!e.deleted) yield { origin, key: e.key, value: e.value, version: e.version }
    }
  }

  // ---- driver inputs ----

  start (now: number): void {
    const token = ++this.token
    this.env.io.setTimer(now + this.env.rng.float() * this.config.periodMs, { kind: 'round', token })
    this.env.io.setTimer(now + this.gcInterval(), { kind: 'gc', token })
  }

  onTimer (now: number, timer: StateTimer): void {
    if (timer.token !== this.token) return
    if (timer.kind === 'round') {
      const { periodMs, jitter } = this.config
      this.env.io.setTimer(now + periodMs * (1 + jitter * (2 * this.env.rng.float() - 1)), timer)
      this.activeRoleStart(now)
    } else {
      this.env.io.setTimer(now + this.gcInterval(), timer)
      this.collectTombstones(now)
    }
  }

  onMessage (now: number, from: NodeId, msg: StateMessage): void {
    if (msg.kind === 'pullReply' || msg.kind === 'ack') this.activeRoleAnswered(now, from, msg)
    else this.passiveRole(now, from, msg)
  }

  onPeerUp (_now: number, _peer: NodeId, _link: PeerLink): void {}

  onPeerDown (_now: number, peer: NodeId): void {
    for (const [id, p] of [...this.pending.entries()]) if (p.peer === peer) this.pending.delete(id)
  }

  onMalformed (_now: number, from: NodeId, _error: PeerError): void {
    this.stats.malformed++
    if (this.strikes.strike(from)) {
      this.stats.peersBanned++
      this.env.io.report(from, 'ban', `${this.config.maxStrikes} malformed frames`)
    }
  }

  // ---- active role ----

  /** Active role, step 1: the period is up; pick a peer and open an exchange. */
  private activeRoleStart (now: number): void {
    this.stats.rounds++
    this.expirePending(now)
    const peer = this.peers.sample(1)[0]
    if (peer === undefined) return
    const { style, content, mtu, maxFrameBytes } = this.config
    const exchange = this.nextExchange
    this.nextExchange = (this.nextExchange % 0xffffffff) + 1
    this.stats.exchangesStarted++
    if (style === 'push') {
      const deltas = content === 'full'
        ? this.store.fullState(maxFrameBytes - messageOverhead(exchange))
        : this.store.deltasFrom(this.recentBases(now), mtu - messageOverhead(exchange))
      if (deltas.length > 0) this.env.io.send(peer, { kind: 'push', exchange, deltas })
      return
    }
    this.pending.set(exchange, { peer, at: now })
    const kind = style === 'pull' ? 'pull' : 'syn'
    if (content === 'full') {
      const deltas = kind === 'pull' ? [] : this.store.fullState(maxFrameBytes - messageOverhead(exchange))
      this.env.io.send(peer, { kind, exchange, deltas })
    } else {
      const digest = this.store.digestPage(this.digestCursor, mtu - messageOverhead(exchange, '\uffff', '\uffff'))
      this.digestCursor = digest.end
      this.env.io.send(peer, { kind, exchange, digest, deltas: [] })
    }
  }

  /** Active role, step 2: the passive side answered an exchange we started. */
  private activeRoleAnswered (now: number, from: NodeId, msg: StateMessage): void {
    if (!this.settle(from, msg.exchange)) return
    this.applyDeltas(now, msg.deltas)
    if (msg.kind === 'ack' && msg.digest !== undefined) {
      // Push-pull, delta: send what the peer's digest shows it lacks (ACK2).
      const deltas = this.store.deltasFor(msg.digest, this.config.mtu - messageOverhead(msg.exchange))
      this.env.io.send(from, { kind: 'ack2', exchange: msg.exchange, deltas })
    }
  }

  // ---- passive role ----

  /** The peer started an exchange (or is finishing one, with ACK2): take what it sent, answer if asked. */
  private passiveRole (now: number, from: NodeId, msg: StateMessage): void {
    const { mtu, maxFrameBytes } = this.config
    switch (msg.kind) {
      case 'push':
      case 'ack2':
        this.applyDeltas(now, msg.deltas)
        return
      case 'pull': {
        this.stats.exchangesAnswered++
        const deltas = msg.digest === undefined
          ? this.store.fullState(maxFrameBytes - messageOverhead(msg.exchange))
          : this.store.deltasFor(msg.digest, mtu - messageOverhead(msg.exchange))
        this.env.io.send(from, { kind: 'pullReply', exchange: msg.exchange, deltas })
        return
      }
      case 'syn': {
        this.stats.exchangesAnswered++
        if (msg.digest === undefined) {
          // Full content: our state before merging theirs, then merge.
          const deltas = this.store.fullState(maxFrameBytes - messageOverhead(msg.exchange))
          this.applyDeltas(now, msg.deltas)
          this.env.io.send(from, { kind: 'ack', exchange: msg.exchange, deltas })
        } else {
          // Delta content: our digest over their range, and what their digest shows they lack.
          const budget = mtu - messageOverhead(msg.exchange, msg.digest.start, msg.digest.end)
          const digest = this.store.digestRange(msg.digest.start, msg.digest.end, Math.floor(budget / 2))
          const deltas = this.store.deltasFor(msg.digest, budget - digestSize(digest))
          this.env.io.send(from, { kind: 'ack', exchange: msg.exchange, digest, deltas })
        }
      }
    }
  }

  /** Records the answer to exchange `id` from `from`; false (and counted) if we did not start it. */
  private settle (from: NodeId, id: number): boolean {
    const p = this.pending.get(id)
    if (p === undefined || p.peer !== from) {
      this.stats.unsolicited++
      return false
    }
    this.pending.delete(id)
    return true
  }

  private expirePending (now: number): void {
    const horizon = now - this.config.exchangeTimeoutPeriods * this.config.periodMs
    for (let o = this.pending.oldest(); o !== undefined && o.value.at < horizon; o = this.pending.oldest()) this.pending.shift()
  }

  /** Push (delta): for each origin learned within the window, send from just below its oldest such version. */
  private recentBases (now: number): Map<NodeId, number> {
    const horizon = now - this.config.pushWindowPeriods * this.config.periodMs
    while (this.recentHead < this.recent.length && this.recent[this.recentHead]!.at < horizon) this.recentHead++
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead)
      this.recentHead = 0
    }
    const bases = new Map<NodeId, number>()
    for (let i = this.recentHead; i < this.recent.length; i++) {
      const r = this.recent[i]!
      const base = r.version - 1
      const cur = bases.get(r.origin)
      if (cur === undefined || base < cur) bases.set(r.origin, base)
    }
    return bases
  }

  // ---- applying what peers send ----

  private applyDeltas (now: number, deltas: readonly OriginDelta[]): void {
    for (const d of deltas) {
      const r = this.store.apply(d)
      this.stats.entriesStale += r.stale
      this.stats.entriesRefused += r.refused
      if (r.reset) this.stats.resets++
      for (const e of r.applied) this.learn(now, d.origin, e, false)
    }
  }

  private learn (now: number, origin: NodeId, e: Entry, local: boolean): Entry {
    if (!local) this.stats.entriesApplied++
    if (this.config.style === 'push' && this.config.content === 'delta') {
      this.recent.push({ origin, version: e.version, at: now })
      if (this.recent.length - this.recentHead > this.config.store.maxEntries) this.recentHead++
    }
    if (e.deleted) this.tombstones.push({ origin, key: e.key, version: e.version, at: now })
    const change: StateChange = { type: 'change', origin, key: e.key, value: e.value, version: e.version, deleted: e.deleted, local, meta: this.originMeta(origin)! }
    for (const fn of this.observers) fn(now, change)
    this.env.io.emit(change)
    return e
  }

  private collectTombstones (now: number): void {
    const horizon = now - this.config.tombstoneGraceMs
    const t = this.tombstones
    while (this.tombstoneHead < t.length && t[this.tombstoneHead]!.at <= horizon) {
      const { origin, key, version } = t[this.tombstoneHead++]!
      if (this.store.collect(origin, key, version)) this.stats.tombstonesCollected++
    }
    if (this.tombstoneHead > 1024 && this.tombstoneHead * 2 > t.length) {
      this.tombstones = t.slice(this.tombstoneHead)
      this.tombstoneHead = 0
    }
  }

  private gcInterval (): number {
    return Math.max(this.config.periodMs, this.config.tombstoneGraceMs / 10)
  }

  private checkKey (key: string): void {
    if (typeof key !== 'string' || key === '') throw new UsageError('ERR_KEY', 'key must be a non-empty string')
    if (utf8Length(key) > this.config.codec.maxKeyBytes) {
      throw new UsageError('ERR_KEY_TOO_LONG', `key is longer than maxKeyBytes (${this.config.codec.maxKeyBytes} bytes); use a shorter key or raise the limit`)
    }
  }
}

function validate (c: AntiEntropyConfig): void {
  checkNumbers('state', c, {
    periodMs: 'positive', mtu: 'positive', maxFrameBytes: 'positive', pushWindowPeriods: 'positive', tombstoneGraceMs: 'positive',
    exchangeTimeoutPeriods: 'positive', maxPendingExchanges: 'whole', maxStrikes: 'whole', jitter: 'fraction', generation: 'count'
  })
  checkChoice('state', 'style', c.style, ['push', 'pull', 'pushpull'])
  checkChoice('state', 'content', c.content, ['delta', 'full'])
  checkConfig(c.mtu <= c.maxFrameBytes, `state.mtu (${c.mtu}) must not exceed state.maxFrameBytes (${c.maxFrameBytes})`)
  checkConfig(c.mtu >= 512, `state.mtu must be at least 512 bytes (got ${c.mtu})`)
}
