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
 * has been away longer gets the origin from version 0, and the origin's head shows it which keys are gone.
 *
 * Trust (ARCHITECTURE.md, "Authenticated state"; ./auth.ts, ./store.ts): every entry and head is signed by
 * its origin and checked before it is applied, whoever relays it; a peer that relays something its origin
 * did not sign is penalised, and banned after `maxStrikes`. A node is the only writer of its origin, so it
 * must never reuse a version its peers have seen: when a peer shows it a head of its own that is newer than
 * what it holds (its data was damaged or restored from a backup), or when its driver says its data was
 * damaged, it **recovers**: it refuses writes, asks peers for everything they hold of it (checking its own
 * signatures), then moves to a new generation holding the newest of what it had and what they had.
 *
 * Forgetting the dead: an origin from which nothing new was learned for `originTtlMs` is forgotten, and a
 * bounded memory of forgotten origins keeps a lagging peer from bringing it back; a live node that writes
 * nothing re-announces itself every `heartbeatMs` (a reserved key) so it is never taken for dead.
 */
import { checkChoice, checkConfig, checkNumbers } from '../core/config.js'
import { PeerError, UsageError } from '../core/errors.js'
import { PeerVerifier, type Identity, type SignaturePolicy } from '../core/identity.js'
import { StateAuth, bigToBytes, type StateRejection } from './auth.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import type { PeerSampling } from '../core/sampling.js'
import { FifoMap } from '../core/fifo.js'
import { Strikes } from '../core/strikes.js'
import { DEFAULT_CODEC_LIMITS, StateCodec, digestSize, messageOverhead, type StateCodecLimits } from './codec.js'
import { utf8Length } from '../core/bytes.js'
import type { Digest, Entry, OriginDelta, StateMessage } from './messages.js'
import { Store, type OriginMeta, type StoreLimits } from './store.js'

export type ExchangeStyle = 'push' | 'pull' | 'pushpull'
export type Content = 'delta' | 'full'

export interface AntiEntropyConfig {
  style: ExchangeStyle
  content: Content
  /** Time between two exchanges this node starts. */
  periodMs: number
  /**
   * Pull and push-pull (delta): after `idleAfterExchanges` exchanges in a row (and at least one sweep of the
   * digest) that moved nothing either way, the period doubles at each further quiet exchange up to this;
   * anything learned, written or sent brings it back to `periodMs` at once (= periodMs: never idle).
   */
  idlePeriodMs: number
  idleAfterExchanges: number
  /** Each period is stretched or shrunk by up to this fraction, at random. */
  jitter: number
  /** Largest delta-mode message, in bytes. */
  mtu: number
  /** Largest message of any kind (full state included); larger frames are dropped unread. */
  maxFrameBytes: number
  /**
   * A whole origin sent from version 0 may fill a message of up to this many bytes on its own, past the
   * MTU (never past maxFrameBytes): its receiver checks it with one signature instead of one per entry
   * (0: never past the MTU).
   */
  wholeOriginBytes: number
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
  /** StrictSign: entries and heads signed by their origin and checked (default); StrictNoSign: closed clusters. */
  signaturePolicy: SignaturePolicy
  /** Checks signatures; the simulator shares one that remembers verdicts. */
  verifier?: PeerVerifier
  /** An origin nothing new was learned from for this long is forgotten (0: never). */
  originTtlMs: number
  /** A node that wrote nothing for this long writes its heartbeat key, so it is not forgotten (0: never). */
  heartbeatMs: number
  /** Forgotten origins remembered (so a lagging peer cannot bring them back). */
  maxForgotten: number
  /** Recovery ends once peers answered this many exchanges... */
  recoveryExchanges: number
  /** ...or after this many periods. */
  recoveryTimeoutPeriods: number
  store: StoreLimits
  codec: StateCodecLimits
}

/** The key a node writes to say it is alive when it wrote nothing else (hidden from applications). */
export const HEARTBEAT_KEY = 'grapevine/alive'

export const DEFAULT_ANTI_ENTROPY: AntiEntropyConfig = {
  style: 'pushpull',
  content: 'delta',
  periodMs: 1000,
  // The core's default is the papers' protocol, an exchange every period forever; whole nodes idle (src/node/builder.ts).
  idlePeriodMs: 1000,
  idleAfterExchanges: 5,
  jitter: 0.1,
  mtu: 64 * 1024,
  maxFrameBytes: 4 * 1024 * 1024,
  wholeOriginBytes: 2 * 1024 * 1024,
  pushWindowPeriods: 30,
  tombstoneGraceMs: 60 * 60 * 1000,
  exchangeTimeoutPeriods: 3,
  maxPendingExchanges: 64,
  maxStrikes: 5,
  generation: 0,
  signaturePolicy: 'StrictSign',
  originTtlMs: 24 * 60 * 60 * 1000,
  heartbeatMs: 4 * 60 * 60 * 1000,
  maxForgotten: 100_000,
  recoveryExchanges: 3,
  recoveryTimeoutPeriods: 10,
  store: { maxOrigins: 100_000, maxEntries: 10_000_000 },
  codec: DEFAULT_CODEC_LIMITS
}

/** `seq`: a round timer made stale by an earlier round scheduled on waking from idle. */
export type StateTimer = { kind: 'round', token: number, seq: number } | { kind: 'gc', token: number }

/** A key of some origin changed at this node (a local write, or an update learned from a peer). */
export interface StateChange {
  type: 'change'
  origin: NodeId
  key: string
  value: Uint8Array
  version: number
  deleted: boolean
  local: boolean
  /** The entry as stored (with its signature), or for `gone` the entry that left. */
  entry: Entry
  /**
   * The entry left the store entirely (the origin showed the key is gone, or the origin was forgotten):
   * applications see a deletion, persisters delete the row.
   */
  gone: boolean
  /** The origin's record after the change (what a node persists beside the entry); undefined once forgotten. */
  meta: OriginMeta | undefined
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
  /** Deltas refused because their origin did not sign something in them, by reason. */
  rejected: Record<StateRejection, number>
  /** Records rebuilt from version 0 because they did not match their origin's head. */
  resyncs: number
  /** Signatures checked (memoised verdicts excluded). */
  signaturesChecked: number
  /** Origins forgotten after `originTtlMs` of silence, and deltas of forgotten origins ignored. */
  originsForgotten: number
  forgottenIgnored: number
  /** Times this node recovered its own origin, and the entries it took back from peers. */
  recoveries: number
  recoveredEntries: number
  /** Deltas that started beyond what we held (ignored; the gap is filled by a later exchange). */
  gaps: number
  /** Push-pull ACK2s not sent because the peer lacked nothing (an idle exchange is two messages). */
  emptyAck2Skipped: number
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
    entriesRefused: 0, resets: 0, malformed: 0, unsolicited: 0, tombstonesCollected: 0, peersBanned: 0,
    rejected: { 'bad-entry-signature': 0, 'bad-head-signature': 0, 'unexpected-signature': 0, 'head-mismatch': 0 },
    resyncs: 0, signaturesChecked: 0, originsForgotten: 0, forgottenIgnored: 0, recoveries: 0, recoveredEntries: 0, gaps: 0, emptyAck2Skipped: 0
  }

  private readonly env: Env<StateMessage, StateTimer, StateEvent>
  private readonly peers: PeerSampling
  private token = 0
  private nextExchange = 1
  /** Exchanges this node started and awaits an answer to: id → (peer, started at). */
  private readonly pending: FifoMap<number, { peer: NodeId, at: number }>
  /** Where the next digest page starts. */
  private digestCursor = ''
  /** Exchanges in a row that moved nothing; digest pages in the current and in the last whole sweep. */
  private quiet = 0
  private pages = 0
  private sweepPages = 1
  /** The live round timer, and when it fires. */
  private roundSeq = 0
  private roundAt = 0
  /** Tombstones in the order this node learned them, for collection. */
  private tombstones: Array<{ origin: NodeId, key: string, version: number, at: number }> = []
  private tombstoneHead = 0
  /** Versions learned recently, oldest first, for push (delta). */
  private recent: Recent[] = []
  private recentHead = 0
  private readonly strikes: Strikes
  private readonly observers: Array<(now: number, change: StateChange) => void> = []
  private readonly auth: StateAuth
  /** When something new was last learned of each origin (for forgetting the silent ones). */
  private readonly heardAt = new Map<NodeId, number>()
  /** Forgotten origins and the newest (generation, version) held of each when forgotten. */
  private readonly forgotten: FifoMap<NodeId, { generation: number, version: number }>
  /** When this node last wrote (for the heartbeat). */
  private lastWrite = -Infinity
  /** Set while recovering our own origin: since when, who answered, and the newest entry per key so far. */
  private recovery: { since: number, answered: number, salvage: Map<string, { generation: number, entry: Entry }> } | undefined

  constructor (env: Env<StateMessage, StateTimer, StateEvent>, peers: PeerSampling, identity: Identity | null, config: Partial<AntiEntropyConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_ANTI_ENTROPY, ...config }
    validate(this.config)
    this.env = env
    this.peers = peers
    this.wire = { protocolIds: ['/grapevine/state/2.0.0'], codec: new StateCodec(this.config.codec), maxFrameBytes: this.config.maxFrameBytes }
    this.auth = new StateAuth(env.id, this.config.signaturePolicy, identity, this.config.verifier ?? new PeerVerifier())
    this.store = new Store(env.id, this.config.generation, this.config.store, this.auth)
    this.store.wholeOriginBytes = Math.min(this.config.wholeOriginBytes, this.config.maxFrameBytes)
    this.strikes = new Strikes(this.config.maxStrikes)
    this.pending = new FifoMap(this.config.maxPendingExchanges)
    this.forgotten = new FifoMap(this.config.maxForgotten)
  }

  /** True while the node recovers its own entries from peers (writes are refused meanwhile). */
  get recovering (): boolean {
    return this.recovery !== undefined
  }

  // ---- local commands ----

  /** Writes `key` of this node's own origin. */
  set (now: number, key: string, value: Uint8Array): Entry {
    this.checkKey(key)
    this.checkWritable()
    if (value.length > this.config.codec.maxValueBytes) {
      throw new UsageError('ERR_VALUE_TOO_LARGE', `value of ${value.length} bytes exceeds maxValueBytes (${this.config.codec.maxValueBytes}); store large blobs elsewhere and replicate a reference`)
    }
    return this.writeOwn(now, key, value, false)
  }

  /** Deletes `key` of this node's own origin (a versioned tombstone). Returns undefined if absent. */
  delete (now: number, key: string): Entry | undefined {
    this.checkKey(key)
    this.checkWritable()
    const cur = this.store.own.entries.get(key)
    if (cur === undefined || cur.deleted) return undefined
    return this.writeOwn(now, key, new Uint8Array(0), true)
  }

  private writeOwn (now: number, key: string, value: Uint8Array, deleted: boolean): Entry {
    this.lastWrite = now
    return this.learn(now, this.env.id, this.store.writeOwn(key, value, deleted), true)
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
    if (rec === undefined) return undefined
    const meta: OriginMeta = { generation: rec.generation, known: rec.known, gcVersion: rec.gcVersion, count: rec.count, sum: bigToBytes(rec.sum) }
    if (rec.head !== undefined && origin !== this.env.id) meta.head = rec.head
    return meta
  }

  /**
   * Installs what was known of `origin` before a restart (from a data directory, trusted as it is); call
   * before `start`. Our own head is signed again from our entries; others' come from `meta.head`.
   */
  restore (origin: NodeId, meta: OriginMeta, entries: readonly Entry[]): void {
    this.store.restore(origin, meta.generation, meta.known, meta.gcVersion, entries, origin === this.env.id ? undefined : meta.head)
  }

  /**
   * Recovers our own origin from peers before writing again (the driver calls this at start when the data
   * directory was damaged; the core calls it itself when a peer shows it a newer head of its own).
   * `generation`: the generation to move to (above any this node used before; default: one above what it saw).
   */
  recover (now: number, generation?: number): void {
    if (this.recovery !== undefined) return
    const own = this.store.own
    const salvage = new Map<string, { generation: number, entry: Entry }>()
    for (const e of own.entries.values()) salvage.set(e.key, { generation: own.generation, entry: e })
    this.recovery = { since: now, answered: 0, salvage }
    this.stats.recoveries++
    this.store.renewOwn(Math.max(generation ?? 0, own.generation + 1))
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
    this.scheduleRound(now + this.env.rng.float() * this.config.periodMs)
    this.env.io.setTimer(now + this.gcInterval(), { kind: 'gc', token })
  }

  onTimer (now: number, timer: StateTimer): void {
    if (timer.token !== this.token) return
    if (timer.kind === 'round') {
      if (timer.seq !== this.roundSeq) return
      this.scheduleRound(now + this.roundPeriod() * (1 + this.config.jitter * (2 * this.env.rng.float() - 1)))
      this.recoveryCheck(now)
      this.activeRoleStart(now)
    } else {
      this.env.io.setTimer(now + this.gcInterval(), timer)
      this.collectTombstones(now)
      this.forgetSilent(now)
      this.heartbeat(now)
    }
  }

  /** The period now: `periodMs`, or longer after quiet exchanges (pull and push-pull in delta mode only). */
  private roundPeriod (): number {
    const { periodMs, idlePeriodMs, idleAfterExchanges, style, content } = this.config
    const after = Math.max(idleAfterExchanges, this.sweepPages)
    if (style === 'push' || content === 'full' || this.quiet < after || idlePeriodMs <= periodMs) return periodMs
    return Math.min(idlePeriodMs, periodMs * 2 ** Math.min(this.quiet - after + 1, 30))
  }

  private scheduleRound (at: number): void {
    this.roundAt = at
    this.env.io.setTimer(at, { kind: 'round', token: this.token, seq: ++this.roundSeq })
  }

  /** Something moved (learned, written, or sent to a peer that lacked it): back to `periodMs` at once. */
  private wake (now: number): void {
    this.quiet = 0
    if (this.token > 0 && this.roundAt > now + this.config.periodMs) this.scheduleRound(now + this.config.periodMs * this.env.rng.float())
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
      const digest = this.advertise(this.store.digestPage(this.digestCursor, mtu - messageOverhead(exchange, '\uffff', '\uffff')))
      this.digestCursor = digest.end
      if (digest.start === '') this.pages = 0
      this.pages++
      if (digest.end === '') this.sweepPages = this.pages
      this.env.io.send(peer, { kind, exchange, digest, deltas: [] })
    }
  }

  /** Active role, step 2: the passive side answered an exchange we started. */
  private activeRoleAnswered (now: number, from: NodeId, msg: StateMessage): void {
    if (!this.settle(from, msg.exchange)) return
    this.applyDeltas(now, from, msg.deltas)
    if (this.recovery !== undefined) this.recovery.answered++
    let sent = false
    if (msg.kind === 'ack' && msg.digest !== undefined) {
      // Push-pull, delta: send what the peer's digest shows it lacks (ACK2) — nothing when it lacks nothing.
      const deltas = this.store.deltasFor(msg.digest, this.config.mtu - messageOverhead(msg.exchange))
      if (deltas.length > 0) {
        sent = true
        this.env.io.send(from, { kind: 'ack2', exchange: msg.exchange, deltas })
      } else this.stats.emptyAck2Skipped++
    }
    if (sent || msg.deltas.length > 0) this.wake(now)
    else this.quiet++
  }

  // ---- passive role ----

  /** The peer started an exchange (or is finishing one, with ACK2): take what it sent, answer if asked. */
  private passiveRole (now: number, from: NodeId, msg: StateMessage): void {
    const { mtu, maxFrameBytes } = this.config
    switch (msg.kind) {
      case 'push':
      case 'ack2':
        this.applyDeltas(now, from, msg.deltas)
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
          this.applyDeltas(now, from, msg.deltas)
          this.env.io.send(from, { kind: 'ack', exchange: msg.exchange, deltas })
        } else {
          // Delta content: our digest over their range, and what their digest shows they lack.
          const budget = mtu - messageOverhead(msg.exchange, msg.digest.start, msg.digest.end)
          const digest = this.advertise(this.store.digestRange(msg.digest.start, msg.digest.end, Math.floor(budget / 2)))
          const deltas = this.store.deltasFor(msg.digest, budget - digestSize(digest))
          if (deltas.length > 0) this.wake(now)
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

  private applyDeltas (now: number, from: NodeId, deltas: readonly OriginDelta[]): void {
    const checked = this.auth.verified
    for (const d of deltas) {
      if (d.origin === this.env.id) {
        this.applyOwn(now, from, d)
        continue
      }
      const gone = this.forgotten.get(d.origin)
      if (gone !== undefined) {
        if (d.generation < gone.generation || (d.generation === gone.generation && d.head.version <= gone.version)) {
          this.stats.forgottenIgnored++
          continue
        }
        this.forgotten.delete(d.origin) // it is alive again
      }
      const fresh = !this.store.origins.has(d.origin)
      const r = this.store.apply(d)
      this.stats.entriesStale += r.stale
      this.stats.entriesRefused += r.refused
      if (r.reset) this.stats.resets++
      if (r.resync) this.stats.resyncs++
      if (r.rejected !== undefined) this.reject(from, d.origin, r.rejected)
      if (r.applied.length > 0 || r.reset || fresh) this.heardAt.set(d.origin, now)
      for (const e of r.dropped) this.lose(now, d.origin, e)
      for (const e of r.applied) this.learn(now, d.origin, e, false)
    }
    this.stats.signaturesChecked += this.auth.verified - checked
  }

  /** A peer relayed something its origin did not sign: refuse, count, and make the peer pay. */
  private reject (from: NodeId, origin: NodeId, why: StateRejection): void {
    this.stats.rejected[why]++
    if (this.strikes.strike(from)) {
      this.stats.peersBanned++
      this.env.io.report(from, 'ban', `relayed state of ${origin} its origin did not sign (${why}), ${this.config.maxStrikes} times`)
    } else {
      this.env.io.report(from, 'penalise', `relayed state of ${origin} its origin did not sign (${why})`)
    }
  }

  /**
   * A delta about ourselves. Normally stale (we are the authority); but a head of ours that is newer than
   * what we hold means we lost writes (damaged data, a restored backup): recover. While recovering, keep
   * the newest of each key that carries our own signature.
   */
  private applyOwn (now: number, from: NodeId, d: OriginDelta): void {
    const own = this.store.own
    if (this.recovery === undefined) {
      const ahead = d.generation > own.generation || (d.generation === own.generation && d.head.version > own.known)
      if (!ahead) {
        this.stats.entriesStale += d.entries.length
        return
      }
      const why = this.auth.headProblem(this.env.id, d.generation, d.head)
      if (why !== undefined) {
        this.reject(from, this.env.id, why)
        return
      }
      this.recover(now, d.generation + 1)
    }
    const salvage = this.recovery!.salvage
    for (const e of d.entries) {
      const cur = salvage.get(e.key)
      if (cur !== undefined && (cur.generation > d.generation || (cur.generation === d.generation && cur.entry.version >= e.version))) continue
      const why = this.auth.entryProblem(this.env.id, d.generation, e)
      if (why !== undefined) {
        this.reject(from, this.env.id, why)
        return
      }
      if (cur === undefined && salvage.size >= this.config.store.maxEntries) break
      salvage.set(e.key, { generation: d.generation, entry: e })
    }
    if (this.store.own.generation <= d.generation) this.store.renewOwn(d.generation + 1)
  }

  /** Ends a recovery once enough peers answered (or it timed out): rewrites the newest of each key. */
  private recoveryCheck (now: number): void {
    const r = this.recovery
    if (r === undefined) return
    const timedOut = now - r.since >= this.config.recoveryTimeoutPeriods * this.config.periodMs
    if (r.answered < this.config.recoveryExchanges && !timedOut) return
    this.recovery = undefined
    const own = this.store.own
    const held = new Set([...own.entries.keys()])
    const entries = [...r.salvage.values()].sort((a, b) => a.generation - b.generation || a.entry.version - b.entry.version)
    for (const { entry } of entries) {
      if (entry.deleted || held.has(entry.key)) continue
      this.writeOwn(now, entry.key, entry.value, false)
      this.stats.recoveredEntries++
    }
  }

  /** While recovering, our digests say we hold nothing of ourselves, so peers send us all they have. */
  private advertise (d: Digest): Digest {
    if (this.recovery === undefined) return d
    return { ...d, entries: d.entries.map(e => e.origin === this.env.id ? { origin: e.origin, generation: 0, version: 0 } : e) }
  }

  private checkWritable (): void {
    if (this.recovery !== undefined) {
      throw new UsageError('ERR_RECOVERING', `this node is recovering its own entries from peers (its data was damaged or is older than what peers hold); writes resume within ${this.config.recoveryTimeoutPeriods} periods — retry then`)
    }
  }

  /** Forgets origins nothing new was learned from for `originTtlMs` (never ourselves). */
  private forgetSilent (now: number): void {
    const ttl = this.config.originTtlMs
    if (ttl <= 0) return
    for (const origin of [...this.store.origins.keys()]) {
      if (origin === this.env.id) continue
      const at = this.heardAt.get(origin)
      if (at === undefined) {
        this.heardAt.set(origin, now) // restored from disk: give it a full period
        continue
      }
      if (now - at < ttl) continue
      const rec = this.store.origins.get(origin)!
      this.forgotten.set(origin, { generation: rec.generation, version: Math.max(rec.known, rec.head?.version ?? 0) })
      this.heardAt.delete(origin)
      this.stats.originsForgotten++
      for (const e of this.store.forget(origin)) this.lose(now, origin, e)
    }
  }

  /** A node that wrote nothing for `heartbeatMs` writes its heartbeat key. */
  private heartbeat (now: number): void {
    const every = this.config.heartbeatMs
    if (every <= 0 || this.recovery !== undefined) return
    if (this.lastWrite === -Infinity) this.lastWrite = now
    if (now - this.lastWrite < every) return
    const w = new Uint8Array(8)
    new DataView(w.buffer).setFloat64(0, now)
    this.writeOwn(now, HEARTBEAT_KEY, w, false)
  }

  /** An entry left the store: applications see a deletion, persisters delete the row. */
  private lose (now: number, origin: NodeId, e: Entry): void {
    const change: StateChange = { type: 'change', origin, key: e.key, value: new Uint8Array(0), version: e.version, deleted: true, local: false, entry: e, gone: true, meta: this.originMeta(origin) }
    for (const fn of this.observers) fn(now, change)
    this.env.io.emit(change)
  }

  private learn (now: number, origin: NodeId, e: Entry, local: boolean): Entry {
    if (!local) this.stats.entriesApplied++
    this.wake(now)
    if (this.config.style === 'push' && this.config.content === 'delta') {
      this.recent.push({ origin, version: e.version, at: now })
      if (this.recent.length - this.recentHead > this.config.store.maxEntries) this.recentHead++
    }
    if (e.deleted) this.tombstones.push({ origin, key: e.key, version: e.version, at: now })
    const change: StateChange = { type: 'change', origin, key: e.key, value: e.value, version: e.version, deleted: e.deleted, local, entry: e, gone: false, meta: this.originMeta(origin)! }
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
    const { periodMs, tombstoneGraceMs, originTtlMs, heartbeatMs } = this.config
    const spans = [tombstoneGraceMs, originTtlMs, heartbeatMs].filter(x => x > 0)
    return Math.max(periodMs, Math.min(...spans) / 10)
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
    periodMs: 'positive', idlePeriodMs: 'positive', idleAfterExchanges: 'whole', mtu: 'positive', maxFrameBytes: 'positive', wholeOriginBytes: 'count', pushWindowPeriods: 'positive', tombstoneGraceMs: 'positive',
    exchangeTimeoutPeriods: 'positive', maxPendingExchanges: 'whole', maxStrikes: 'whole', jitter: 'fraction', generation: 'count',
    originTtlMs: 'count', heartbeatMs: 'count', maxForgotten: 'whole', recoveryExchanges: 'count', recoveryTimeoutPeriods: 'positive'
  })
  checkChoice('state', 'style', c.style, ['push', 'pull', 'pushpull'])
  checkChoice('state', 'signaturePolicy', c.signaturePolicy, ['StrictSign', 'StrictNoSign'])
  checkConfig(c.heartbeatMs === 0 || c.originTtlMs === 0 || c.heartbeatMs < c.originTtlMs, `state.heartbeatMs (${c.heartbeatMs}) must be shorter than state.originTtlMs (${c.originTtlMs}), or live nodes are forgotten`)
  checkChoice('state', 'content', c.content, ['delta', 'full'])
  checkConfig(c.mtu <= c.maxFrameBytes, `state.mtu (${c.mtu}) must not exceed state.maxFrameBytes (${c.maxFrameBytes})`)
  checkConfig(c.mtu >= 512, `state.mtu must be at least 512 bytes (got ${c.mtu})`)
}
