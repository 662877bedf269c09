/**
 * HyParView membership (Leitão, Pereira, Rodrigues, "HyParView: a membership protocol for reliable
 * gossip-based broadcast", DSN 2007). A sans-IO wire protocol (src/core/protocol.ts).
 *
 * Each node keeps a small symmetric **active view** (open connections; they double as the failure
 * detector) and a larger **passive view** of backups. The paper's mechanisms, by section:
 *   §4.2 join:  JOIN to a contact, which takes the newcomer into its active view and sends FORWARDJOIN
 *               random walks (ARWL hops) to its other active peers; the newcomer enters the passive view at
 *               hop PRWL and the active view where a walk ends. As in other implementations, a walk's end
 *               links up through a NEIGHBOR round trip, so an unreachable newcomer never enters a view.
 *   §4.3 active view management: a failed active peer (connection down, or silent past the keep-alive
 *               timeout) is replaced by a passive peer asked with NEIGHBOR — high priority when the active
 *               view is empty (always accepted), low otherwise (accepted only with room). A peer dropped to
 *               make room gets DISCONNECT and keeps the dropper as a passive peer.
 *   §4.4 passive view management: every shuffle period the **active role** sends itself, ka active and
 *               kp passive peers along a random walk; the node where the walk ends (**passive role**)
 *               answers with as many of its passive peers; both merge, evicting first what they sent.
 *               The answer goes over a connection of its own, as in the paper, or (`shuffleReplyVia:
 *               'walk'`, whole nodes) back along the walk over active links, without a new connection.
 * Two timers: the shuffle period, and a repair tick that sends keep-alives, detects silent peers, expires
 * NEIGHBOR attempts, retries a join and refills the active view.
 *   Beyond the paper, a **reserve** (./reserve.ts) keeps the last peers that were in our views: a node with
 *   no passive peer left and room for neighbours (95% of the nodes crashed at once) tries those, with backoff.
 *
 * Other protocols of the node hear about neighbours through `NeighborListener`s; anti-entropy and pub/sub
 * draw peers from `sample()` (the peer-sampling service).
 *
 * Hygiene (what peers say about others is not taken on trust):
 *   - SHUFFLE and FORWARDJOIN travel along active links, and are refused from anyone else: a stranger's
 *     message naming third parties causes no dial at all.
 *   - Every dial to a peer someone else named — a passive peer promoted, the newcomer at a walk's end, the
 *     origin of a shuffle answered — fits a node-wide budget and the budget of the neighbour that named it
 *     (./budget.ts); one neighbour alone names at most `maxPassivePerSource` passive peers, and promotion
 *     prefers former neighbours, then peers named by several sources (./peerbook.ts).
 *   - With identities, peers travel as records signed by the peer itself (./records.ts): a record without
 *     its owner's signature is not believed.
 */
import { UsageError, type PeerError } from '../core/errors.js'
import type { NeighborListener, NeighborSource } from '../core/neighbors.js'
import type { Identity, PeerVerifier } from '../core/identity.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import type { PeerSampling } from '../core/sampling.js'
import { SmallSet } from '../core/smallset.js'
import { Strikes } from '../core/strikes.js'
import { MembershipCodec } from './codec.js'
import { DialBudget } from './budget.js'
import { DEFAULT_HYPARVIEW, checkHyParViewConfig, type HyParViewConfig, type HyParViewStats, type MembershipEvent, type MembershipTimer, type NeighborDownReason } from './config.js'
import type { MembershipMessage, PeerInfo } from './messages.js'
import { NO_SOURCES, PeerBook, rankOf, sourcesOf } from './peerbook.js'
import { RecordChecker, sharedRecordChecker, signRecord } from './records.js'
import { Reserve } from './reserve.js'
import { RandomSet } from './views.js'

export * from './config.js'

/**
 * The settings `config` gives (checked), and the wire spec they make. Nodes built from the same settings
 * object (unchanged since) share the result, which nothing changes: a simulation of 10⁶ nodes keeps one
 * copy, not 10⁶.
 */
function resolve (config: Partial<HyParViewConfig>): { config: HyParViewConfig, wire: WireSpec<MembershipMessage> } {
  let r = RESOLVED.get(config)
  if (r === undefined || !sameSettings(r.given, config)) {
    // Unless set, the idle period is the period itself: shuffles never slow down.
    const c: HyParViewConfig = { ...DEFAULT_HYPARVIEW, shuffleIdlePeriodMs: config.shufflePeriodMs ?? DEFAULT_HYPARVIEW.shufflePeriodMs, ...config }
    checkHyParViewConfig(c)
    r = { given: { ...config }, config: c, wire: { protocolIds: ['/grapevine/membership/2.0.0'], codec: new MembershipCodec(c.codec), maxFrameBytes: c.maxFrameBytes } }
    RESOLVED.set(config, r)
  }
  return r
}

const RESOLVED = new WeakMap<Partial<HyParViewConfig>, { given: Partial<HyParViewConfig>, config: HyParViewConfig, wire: WireSpec<MembershipMessage> }>()

function sameSettings (a: object, b: object): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every(k => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
}

interface ActivePeer { lastHeard: number, lastSent: number }
/** A NEIGHBOR request: its priority, when it expires, and whether a connection to the peer was open before it (then it is let go, not closed, when the request fails). */
interface Attempt { high: boolean, deadline: number, wasConnected: boolean }

export class HyParView implements WireProtocol<MembershipMessage, MembershipTimer>, PeerSampling, NeighborSource {
  readonly name: string
  readonly wire: WireSpec<MembershipMessage>
  readonly config: HyParViewConfig
  readonly stats: HyParViewStats = {
    joinsHandled: 0, forwardJoins: 0, neighborRequests: 0, neighborAccepted: 0, neighborRejected: 0,
    neighborFailed: 0, failuresDetected: 0, silentPeers: 0, evictions: 0, shufflesStarted: 0,
    shufflesAnswered: 0, keepAlivesSent: 0, malformed: 0, unsolicited: 0, fromStrangers: 0, excessPeers: 0, dials: 0,
    dialsDeferred: 0, badRecords: 0, refusedWaiting: 0, shuffleRepliesRelayed: 0, shuffleRepliesLost: 0, reserveTried: 0
  }

  private readonly env: Env<MembershipMessage, MembershipTimer, MembershipEvent>
  private readonly active = new Map<NodeId, ActivePeer>()
  private readonly passive = new RandomSet<NodeId>()
  /** Peers that were in our views, for when both views are empty. */
  private readonly reserve: Reserve
  /** What we know of the peers in our views, attempts and join: addresses, who named them, whether we met. */
  private readonly book = new PeerBook()
  /** How many passive peers each source named alone (each ≤ maxPassivePerSource); `PeerEntry.share` says which peers. */
  private readonly shares = new Map<NodeId, number>()
  private readonly budget: DialBudget
  /** NEIGHBOR requests awaiting an answer. At most `activeSize` + the walks ending here. */
  private readonly attempts = new Map<NodeId, Attempt>()
  /** Peers the driver says we are connected to (bounded by the driver's connections). */
  private readonly connected = new SmallSet<NodeId>()
  private joining: { contact: NodeId, deadline: number } | undefined
  /** The contact of our last join: where to join again if we end up knowing nobody. */
  private bootstrap: NodeId | undefined
  private lastShuffle: { exchange: number, sent: NodeId[] } | undefined
  /** The shuffle period now: `shufflePeriodMs`, longer after shuffles that taught nothing (`shuffleIdlePeriodMs`). */
  private shuffleEvery: number
  private token = 0
  private readonly listeners: NeighborListener[] = []
  private readonly strikes: Strikes
  private readonly self: PeerInfo
  /** Checks peers' signed records; null without identities (a simulation with plain ids): records are then believed. */
  private readonly records: RecordChecker | null

  /**
   * `identity`: the node's key, whose peer id must be the node's id; with it the node signs its own record
   * and believes only signed ones (checked by `verifier`, or by the checker the nodes of this process share).
   */
  constructor (env: Env<MembershipMessage, MembershipTimer, MembershipEvent>, config: Partial<HyParViewConfig> = {}, identity: Identity | null = null, verifier?: PeerVerifier) {
    this.name = env.name
    ;({ config: this.config, wire: this.wire } = resolve(config))
    this.shuffleEvery = this.config.shufflePeriodMs
    this.env = env
    if (identity !== null && identity.peerId !== env.id) throw new UsageError('ERR_IDENTITY', `membership: the identity's peer id (${identity.peerId}) is not the node's id (${env.id}); give the node its own identity, or none`)
    this.self = identity === null ? { id: env.id, addrs: this.config.selfAddrs } : signRecord(identity, this.config.recordSeq, this.config.selfAddrs)
    this.records = identity === null ? null : verifier === undefined ? sharedRecordChecker() : new RecordChecker(verifier)
    this.strikes = new Strikes(this.config.maxStrikes)
    const c = this.config
    this.reserve = new Reserve(c.reserveSize, c.reserveRetryMs, c.reserveRetryMaxMs)
    this.budget = new DialBudget({ burst: c.dialBurst, intervalMs: c.dialIntervalMs, sourceBurst: c.sourceDialBurst, sourceIntervalMs: c.sourceDialIntervalMs, maxSources: 256 })
  }

  // ---- what other protocols and the application see ----

  addNeighborListener (listener: NeighborListener): void {
    this.listeners.push(listener)
  }

  neighbors (): NodeId[] {
    return [...this.active.keys()]
  }

  activeView (): NodeId[] {
    return this.neighbors()
  }

  passiveView (): NodeId[] {
    return [...this.passive.values()]
  }

  /**
   * Adds peers known from an earlier run (a node's data directory) to the passive view. With an empty
   * active view the next repair tick asks one of them to be a neighbour at high priority (§4.3), so a
   * restarted node rejoins without a bootstrap contact; peers that are gone fail and are forgotten.
   */
  seedPassive (peers: readonly PeerInfo[]): void {
    for (const p of peers) this.addPassive(p, null)
  }

  /** Active and passive peers with their addresses (what a node keeps to rejoin after a restart). */
  knownPeers (): PeerInfo[] {
    return [...this.active.keys(), ...this.passive.values()].map(id => this.book.info(id))
  }

  addressesOf (id: NodeId): readonly Uint8Array[] {
    return this.book.addrsOf(id)
  }

  /** Peer sampling: active peers first (live, connected), then passive ones, each group in random order. */
  sample (k: number): NodeId[] {
    if (k <= 0) return []
    const act = [...this.active.keys()]
    if (k === 1 && act.length > 0) return [act[this.env.rng.int(act.length)]!]
    const out = this.env.rng.sample(act, k)
    if (out.length < k) out.push(...this.passive.sample(this.env.rng, k - out.length))
    return out
  }

  // ---- commands ----

  /** Joins the overlay through `contact` (a peer id, or a peer with its addresses). */
  join (now: number, contact: NodeId | PeerInfo): void {
    const c = typeof contact === 'string' ? { id: contact, addrs: [] } : contact
    if (c.id === this.env.id) throw new UsageError('ERR_JOIN_SELF', 'a node cannot join through itself; give the id of another node as contact')
    this.book.note(c, null)
    this.bootstrap = c.id
    this.joining = { contact: c.id, deadline: now + this.config.joinTimeoutMs }
    this.env.io.connect(c.id)
    this.env.io.send(c.id, { kind: 'join', peer: this.self })
  }

  /** Leaves gracefully: every active peer is told, and keeps this node only as a passive peer. */
  leave (now: number): void {
    this.joining = undefined
    for (const peer of [...this.active.keys()]) {
      this.sendTo(now, peer, { kind: 'disconnect' })
      this.env.io.disconnect(peer)
      this.removeActive(now, peer, 'left')
    }
  }

  // ---- driver inputs ----

  start (now: number): void {
    const token = ++this.token
    const rng = this.env.rng
    this.env.io.setTimer(now + rng.float() * this.config.repairPeriodMs, { kind: 'repair', token })
    this.env.io.setTimer(now + rng.float() * this.config.shufflePeriodMs, { kind: 'shuffle', token })
  }

  onTimer (now: number, timer: MembershipTimer): void {
    if (timer.token !== this.token) return
    const period = timer.kind === 'repair' ? this.config.repairPeriodMs : this.shuffleEvery
    this.env.io.setTimer(now + period * (1 + this.config.jitter * (2 * this.env.rng.float() - 1)), timer)
    if (timer.kind === 'repair') this.repairTick(now)
    else this.shuffleActiveRole(now)
  }

  onMessage (now: number, from: NodeId, msg: MembershipMessage): void {
    const link = this.active.get(from)
    if (link !== undefined) link.lastHeard = now
    switch (msg.kind) {
      case 'join':
      case 'joinReply':
      case 'neighbor':
      case 'neighborReply':
        // The sender's own record: it must be the sender's, and (with identities) signed.
        if (msg.peer.id !== from) return this.unsolicited()
        if (this.believe(from, [msg.peer], true).length === 0) return
        if (msg.kind === 'join') return this.onJoin(now, from, msg.peer)
        if (msg.kind === 'joinReply') return this.onJoinReply(now, from, msg.peer)
        if (msg.kind === 'neighbor') return this.onNeighbor(now, from, msg.peer, msg.high)
        return this.onNeighborReply(now, from, msg.peer, msg.accepted)
      case 'forwardJoin':
        if (link === undefined) return this.fromStranger()
        if (this.believe(from, [msg.peer], false).length === 0) return
        return this.onForwardJoin(now, from, msg.peer, msg.ttl)
      case 'disconnect': return this.onDisconnect(now, from)
      case 'shuffle':
        if (link === undefined) return this.fromStranger()
        if (this.believe(from, [msg.peer], msg.peer.id === from).length === 0) return
        return this.shufflePassiveRole(now, from, msg.peer, msg.ttl, msg.peers, msg.exchange, msg.path ?? [])
      case 'shuffleReply':
        if (msg.route !== undefined && msg.route.length > 0) {
          // Relayed answers travel along active links only.
          if (link === undefined) return this.fromStranger()
          return this.relayShuffleReply(now, msg.peers, msg.exchange, msg.route)
        }
        return this.onShuffleReply(from, msg.peers, msg.exchange)
      case 'keepalive':
        // A keep-alive over a link we do not hold: tell the peer, so views stay symmetric.
        if (link === undefined) this.env.io.send(from, { kind: 'disconnect' })
    }
  }

  onPeerUp (_now: number, peer: NodeId, _link: PeerLink): void {
    this.connected.add(peer)
  }

  onPeerDown (now: number, peer: NodeId): void {
    this.connected.delete(peer)
    if (this.attempts.delete(peer)) {
      this.stats.neighborFailed++
      this.forgetPassive(peer)
      this.reserve.delete(peer) // tried and failed: the reserve does not dial it again
    }
    if (this.active.has(peer)) {
      this.stats.failuresDetected++
      this.removeActive(now, peer, 'failed')
    }
    if (this.joining?.contact === peer) this.joining.deadline = now // retry at the next tick
    this.refill(now)
  }

  onMalformed (now: number, from: NodeId, _error: PeerError): void {
    this.stats.malformed++
    if (!this.strikes.strike(from)) return
    this.env.io.report(from, 'ban', `${this.config.maxStrikes} malformed frames`)
    this.reserve.delete(from)
    this.env.io.disconnect(from)
    if (this.active.has(from)) this.removeActive(now, from, 'failed')
    this.attempts.delete(from)
    this.forgetPassive(from)
    this.refill(now)
  }

  // ---- join (§4.2) ----

  /** Contact: take the newcomer in, and announce it with random walks through our other active peers. */
  private onJoin (now: number, from: NodeId, peer: PeerInfo): void {
    this.stats.joinsHandled++
    this.book.note(peer, null)
    this.addActive(now, from)
    for (const n of this.active.keys()) {
      if (n !== from) this.sendTo(now, n, { kind: 'forwardJoin', peer, ttl: this.config.arwl })
    }
    this.sendTo(now, from, { kind: 'joinReply', peer: this.self })
  }

  private onJoinReply (now: number, from: NodeId, peer: PeerInfo): void {
    if (this.joining?.contact !== from) return this.unsolicited()
    this.joining = undefined
    this.book.note(peer, null)
    this.addActive(now, from)
  }

  /** A join walk, from an active neighbour (`from`, the source of what it says about the newcomer). */
  private onForwardJoin (now: number, from: NodeId, peer: PeerInfo, ttl: number): void {
    this.stats.forwardJoins++
    if (peer.id === this.env.id || this.active.has(peer.id)) return
    if (ttl === 0 || this.active.size <= 1) return this.linkTo(now, from, peer)
    if (ttl === this.config.prwl) this.addPassive(peer, from)
    const next = this.randomActive(x => x === from || x === peer.id)
    if (next === undefined) return this.linkTo(now, from, peer)
    this.sendTo(now, next, { kind: 'forwardJoin', peer, ttl: ttl - 1 })
  }

  /**
   * The end of a join walk: ask the newcomer to link with us (it always accepts: high priority) — a dial
   * to a peer `from` named, so within the budget; past it the newcomer is only kept as a passive peer.
   */
  private linkTo (now: number, from: NodeId, peer: PeerInfo): void {
    if (this.attempts.has(peer.id)) return
    if (!this.budget.take(now, [from])) {
      this.stats.dialsDeferred++
      return this.addPassive(peer, from)
    }
    this.stats.dials++
    this.book.note(peer, from)
    this.ask(now, peer.id, true)
  }

  // ---- active view management (§4.3) ----

  /** Sends NEIGHBOR to `peer`; the answer, a connection failure or the timeout settles it. */
  private ask (now: number, peer: NodeId, high: boolean): void {
    this.stats.neighborRequests++
    this.attempts.set(peer, { high, deadline: now + this.config.neighborTimeoutMs, wasConnected: this.connected.has(peer) })
    this.env.io.connect(peer)
    this.env.io.send(peer, { kind: 'neighbor', peer: this.self, high })
  }

  private onNeighbor (now: number, from: NodeId, peer: PeerInfo, high: boolean): void {
    this.book.note(peer, null)
    const accepted = high || this.active.has(from) || this.active.size < this.config.activeSize
    if (accepted) this.addActive(now, from)
    else this.addPassive(peer, null)
    this.sendTo(now, from, { kind: 'neighborReply', peer: this.self, accepted })
  }

  private onNeighborReply (now: number, from: NodeId, peer: PeerInfo, accepted: boolean): void {
    const attempt = this.attempts.get(from)
    if (attempt === undefined) {
      // Too late (we gave up on it): if it took us in, tell it we did not take it.
      if (accepted && !this.active.has(from)) this.env.io.send(from, { kind: 'disconnect' })
      return this.unsolicited()
    }
    this.attempts.delete(from)
    this.book.note(peer, null)
    if (accepted) {
      this.stats.neighborAccepted++
      this.addActive(now, from)
    } else {
      this.stats.neighborRejected++
      this.addPassive(peer, null)
      this.book.demote(from) // it is full: no longer first in line
      this.book.refused(from, now, this.config.refusedRetryMs, this.config.refusedRetryMaxMs) // … nor asked again soon
      if (!this.active.has(from)) this.letGo(from, attempt)
    }
  }

  private onDisconnect (now: number, from: NodeId): void {
    if (!this.active.has(from)) return
    this.removeActive(now, from, 'disconnected')
    this.env.io.disconnect(from)
  }

  /** Adds `peer` to the active view, dropping a random member (told by DISCONNECT) when full. */
  private addActive (now: number, peer: NodeId): void {
    if (peer === this.env.id || this.active.has(peer)) return
    if (this.active.size >= this.config.activeSize) {
      const victim = this.randomActive(x => x === peer)!
      this.stats.evictions++
      this.sendTo(now, victim, { kind: 'disconnect' })
      this.env.io.disconnect(victim)
      this.removeActive(now, victim, 'evicted')
    }
    this.passive.delete(peer)
    this.unclaim(peer)
    this.book.markKnown(peer)
    this.reserve.note(this.book.info(peer))
    this.reserve.found()
    this.active.set(peer, { lastHeard: now, lastSent: now })
    this.env.io.connect(peer)
    this.env.io.emit({ type: 'neighborUp', peer })
    for (const l of this.listeners) l.neighborUp(now, peer)
  }

  /** Removes `peer` from the active view; unless it failed, it stays known as a passive peer. */
  private removeActive (now: number, peer: NodeId, reason: NeighborDownReason): void {
    if (!this.active.delete(peer)) return
    this.shuffleEvery = this.config.shufflePeriodMs
    if (reason === 'failed') this.forgetPassive(peer)
    else this.addPassive(this.book.info(peer), null)
    this.env.io.emit({ type: 'neighborDown', peer, reason })
    for (const l of this.listeners) l.neighborDown(now, peer)
  }

  /**
   * Asks passive peers to fill the free active slots (one request per free slot), best ranked first
   * (./peerbook.ts: former neighbours, then peers named by several sources, then the rest; at
   * random within a rank), each dial within the budget. A peer the budget puts off waits for a later tick.
   */
  private refill (now: number): void {
    let free = this.config.activeSize - this.active.size - this.attempts.size
    if (free <= 0 || this.passive.size === 0) return
    const book = this.book
    const byRank: NodeId[][] = [[], [], []]
    // A peer that turned us down waits out its backoff, unless we have no neighbour at all (high priority: always accepted).
    const patient = this.active.size > 0
    let waiting = false
    for (const x of this.env.rng.shuffle(this.passive.values().slice())) {
      if (this.attempts.has(x)) continue
      const e = book.get(x)
      if (patient && e !== undefined && e.retryAt > now) waiting = true
      else byRank[rankOf(e)]!.push(x)
    }
    if (waiting) this.stats.refusedWaiting++
    let deferred = false
    for (const candidate of byRank.flat()) {
      if (free === 0) break
      const e = book.get(candidate)
      if (!this.budget.take(now, e === undefined || e.known ? NO_SOURCES : sourcesOf(e))) {
        deferred = true
        continue
      }
      this.stats.dials++
      this.ask(now, candidate, this.active.size === 0)
      free--
    }
    if (deferred) this.stats.dialsDeferred++
  }

  /**
   * A NEIGHBOR request failed: drop our hold on the peer. Close the connection (when no other core holds
   * it) only if the request opened it; one that was open before serves someone else — perhaps a core at the
   * peer's end, which has no say in our hang-ups.
   */
  private letGo (peer: NodeId, attempt: Attempt): void {
    if (attempt.wasConnected) this.env.io.release(peer)
    else this.env.io.disconnect(peer)
  }

  private repairTick (now: number): void {
    const { keepAliveIntervalMs, keepAliveTimeoutMs, joinTimeoutMs } = this.config
    for (const [peer, link] of this.active) {
      if (now - link.lastHeard > keepAliveTimeoutMs) {
        this.stats.silentPeers++
        this.env.io.disconnect(peer)
        this.removeActive(now, peer, 'failed')
      } else if (now - link.lastSent >= keepAliveIntervalMs) {
        this.stats.keepAlivesSent++
        this.sendTo(now, peer, { kind: 'keepalive' })
      }
    }
    for (const [peer, a] of this.attempts) {
      if (a.deadline > now) continue
      this.attempts.delete(peer)
      this.stats.neighborFailed++
      this.forgetPassive(peer)
      this.reserve.delete(peer)
      if (!this.active.has(peer)) this.letGo(peer, a)
    }
    if (this.passive.size === 0 && this.attempts.size === 0 && this.active.size < this.config.activeSize) {
      // No backup left and room for neighbours (a mass failure): try the reserve, a batch per tick (refill
      // below asks them). Isolated, also join again through our original contact.
      if (this.active.size === 0 && this.joining === undefined && this.bootstrap !== undefined) this.joining = { contact: this.bootstrap, deadline: now }
      for (const p of this.reserve.next(now, this.config.passiveSize)) {
        if (this.active.has(p.id)) continue
        this.stats.reserveTried++
        this.addPassive(p, null)
      }
    }
    if (this.joining !== undefined && this.joining.deadline <= now && this.active.size === 0) {
      this.joining.deadline = now + joinTimeoutMs
      this.env.io.connect(this.joining.contact)
      this.env.io.send(this.joining.contact, { kind: 'join', peer: this.self })
    }
    this.refill(now)
  }

  // ---- passive view management (§4.4) ----

  /** Shuffle, active role: send a sample of our views along a random walk. */
  private shuffleActiveRole (now: number): void {
    const target = this.randomActive()
    if (target === undefined) return
    const { shuffleKa, shuffleKp, shuffleTtl } = this.config
    const act = this.env.rng.sample([...this.active.keys()].filter(x => x !== target), shuffleKa)
    const sent = this.shareable([...act, ...this.passive.sample(this.env.rng, shuffleKp)])
    // Random, so that only the peers on the walk can answer it.
    const exchange = this.env.rng.nextU32() || 1
    this.lastShuffle = { exchange, sent }
    this.stats.shufflesStarted++
    this.sendTo(now, target, { kind: 'shuffle', peer: this.self, ttl: shuffleTtl, peers: sent.map(id => this.book.info(id)), exchange })
  }

  /**
   * Shuffle, passive role (from an active neighbour): forward the walk, or end it here by answering and
   * merging. Answering dials the origin unless it is a neighbour: a dial to a peer `from` named, so within
   * the budget; past it the walk ends unanswered (the origin's shuffle simply brings nothing back).
   */
  private shufflePassiveRole (now: number, from: NodeId, origin: PeerInfo, ttl: number, peers: readonly PeerInfo[], exchange: number, path: readonly NodeId[]): void {
    if (origin.id === this.env.id) return
    const left = ttl - 1
    const walk = this.config.shuffleReplyVia === 'walk'
    if (left > 0 && this.active.size > 1) {
      const next = this.randomActive(x => x === from || x === origin.id)
      if (next !== undefined) {
        this.sendTo(now, next, { kind: 'shuffle', peer: origin, ttl: left, peers, exchange, ...(walk ? { path: [...path, this.env.id] } : {}) })
        return
      }
    }
    this.stats.shufflesAnswered++
    const taken = this.believe(from, this.capped(peers, this.config.maxPassivePerSource - 1), origin.id === from)
    const reply = this.shareable(this.passive.sample(this.env.rng, taken.length + 1))
    if (this.active.has(origin.id)) {
      this.sendTo(now, origin.id, { kind: 'shuffleReply', peers: reply.map(id => this.book.info(id)), exchange })
    } else if (walk && path.length > 0 && path[path.length - 1] === from) {
      // Back the way the walk came: `from` first, then the earlier forwarders, the origin last.
      const route = [...path.slice(0, -1).reverse(), origin.id]
      this.sendTo(now, from, { kind: 'shuffleReply', peers: reply.map(id => this.book.info(id)), exchange, route })
    } else if (this.budget.take(now, [from])) {
      this.stats.dials++
      this.env.io.send(origin.id, { kind: 'shuffleReply', peers: reply.map(id => this.book.info(id)), exchange })
    } else {
      this.stats.dialsDeferred++
    }
    this.merge(from, [origin, ...taken], reply)
  }

  /**
   * A shuffle answer travelling back along a walk we forwarded: pass it to the next hop if that is still an
   * active neighbour (no dial: a hop that left our view ends it, counted). Nothing in it is believed here;
   * the origin checks the exchange number and each record's signature, and counts the answer as its
   * neighbour's word. The route only shrinks and is at most a walk long (the codec's `maxTtl`).
   */
  private relayShuffleReply (now: number, peers: readonly PeerInfo[], exchange: number, route: readonly NodeId[]): void {
    const next = route[0]!
    if (!this.active.has(next)) {
      this.stats.shuffleRepliesLost++
      return
    }
    this.stats.shuffleRepliesRelayed++
    this.sendTo(now, next, { kind: 'shuffleReply', peers, exchange, ...(route.length > 1 ? { route: route.slice(1) } : {}) })
  }

  private onShuffleReply (from: NodeId, peers: readonly PeerInfo[], exchange: number): void {
    const last = this.lastShuffle
    if (last === undefined || last.exchange !== exchange) return this.unsolicited()
    this.lastShuffle = undefined
    const believed = this.believe(from, this.capped(peers, this.config.maxPassivePerSource), true)
    const news = believed.some(p => p.id !== this.env.id && !this.active.has(p.id) && !this.passive.has(p.id))
    this.merge(from, believed, last.sent)
    // Nothing new: the next shuffle waits twice as long, up to shuffleIdlePeriodMs; news brings the period back.
    this.shuffleEvery = news ? this.config.shufflePeriodMs : Math.min(2 * this.shuffleEvery, this.config.shuffleIdlePeriodMs)
  }

  /** The first `max` of `peers` (one message changes at most that many passive entries); the rest counted. */
  private capped (peers: readonly PeerInfo[], max: number): readonly PeerInfo[] {
    if (peers.length <= max) return peers
    this.stats.excessPeers += peers.length - max
    return peers.slice(0, max)
  }

  /**
   * Adds `peers`, named by `source`, to the passive view, evicting first the ids in `sent` (what we gave
   * away), then random ones — unless `source` already fills its share, when it replaces its own (addPassive).
   */
  private merge (source: NodeId, peers: readonly PeerInfo[], sent: readonly NodeId[]): void {
    let s = 0
    for (const p of peers) {
      if (p.id === this.env.id || this.active.has(p.id)) continue
      if (!this.passive.has(p.id) && this.passive.size >= this.config.passiveSize && (this.shares.get(source) ?? 0) < this.config.maxPassivePerSource) {
        while (s < sent.length && !this.passive.has(sent[s]!)) s++
        if (s < sent.length) this.forgetPassive(sent[s++]!)
      }
      this.addPassive(p, source)
    }
  }

  /**
   * Adds `p` to the passive view as named by `source` (null: first-hand). A peer already there gains the
   * source. One source alone names at most `maxPassivePerSource` passive peers (`shares`): past that, its
   * new name replaces one of its own, so one neighbour cannot fill the view with its choices.
   */
  private addPassive (p: PeerInfo, source: NodeId | null): void {
    if (p.id === this.env.id || this.active.has(p.id)) return
    if (this.passive.has(p.id)) {
      const e = this.book.note(p, source)
      if (e.share !== undefined && e.more !== undefined) this.unclaim(p.id)
      return
    }
    if (source !== null && (this.shares.get(source) ?? 0) >= this.config.maxPassivePerSource) {
      this.forgetPassive(this.passive.random(this.env.rng, x => this.book.get(x)?.share !== source)!)
    }
    if (this.passive.size >= this.config.passiveSize) this.forgetPassive(this.passive.random(this.env.rng)!)
    const e = this.book.note(p, source)
    this.passive.add(p.id)
    this.reserve.note(p)
    if (source !== null && this.book.onlyFrom(p.id, source)) {
      e.share = source
      this.shares.set(source, (this.shares.get(source) ?? 0) + 1)
    }
  }

  /** `id` leaves the passive view, or is no longer named by one source alone. */
  private unclaim (id: NodeId): void {
    const e = this.book.get(id)
    if (e?.share === undefined) return
    const n = this.shares.get(e.share)! - 1
    if (n === 0) this.shares.delete(e.share)
    else this.shares.set(e.share, n)
    e.share = undefined
  }

  private forgetPassive (id: NodeId): void {
    this.passive.delete(id)
    this.unclaim(id)
    if (!this.active.has(id) && !this.attempts.has(id) && this.bootstrap !== id) this.book.delete(id)
  }

  // ---- helpers ----

  private sendTo (now: number, peer: NodeId, msg: MembershipMessage): void {
    const link = this.active.get(peer)
    if (link !== undefined) link.lastSent = now
    this.env.io.send(peer, msg)
  }

  private randomActive (exclude?: (x: NodeId) => boolean): NodeId | undefined {
    const act = [...this.active.keys()]
    const ok = exclude === undefined ? act : act.filter(x => !exclude(x))
    return ok.length === 0 ? undefined : ok[this.env.rng.int(ok.length)]
  }

  /**
   * The records of `peers` to believe (`from` sent them): all without identities; with them, those their
   * peer signed. The others are counted, and `from` is penalised once if it composed them (`composed`:
   * its own record, its shuffle, its reply) rather than relayed someone's walk.
   */
  private believe (from: NodeId, peers: readonly PeerInfo[], composed: boolean): readonly PeerInfo[] {
    const records = this.records
    if (records === null) return peers
    const ok = peers.filter(p => records.check(p) === 'ok')
    if (ok.length < peers.length) {
      this.stats.badRecords += peers.length - ok.length
      if (composed) this.env.io.report(from, 'penalise', 'peer record without its peer\'s signature')
    }
    return ok
  }

  /** What we may pass on: with identities, only peers whose signed record we hold (not those from our disk). */
  private shareable (ids: NodeId[]): NodeId[] {
    return this.records === null ? ids : ids.filter(id => this.book.get(id)?.info.signature !== undefined)
  }

  /** A SHUFFLE or FORWARDJOIN from outside the active view: refused, so it causes no dial at all. */
  private fromStranger (): void {
    this.stats.fromStrangers++
  }

  private unsolicited (): void {
    this.stats.unsolicited++
  }
}

