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
 * Two timers: the shuffle period, and a repair tick that sends keep-alives, detects silent peers, expires
 * NEIGHBOR attempts, retries a join and refills the active view.
 *
 * Other protocols of the node hear about neighbours through `NeighborListener`s; anti-entropy and pub/sub
 * draw peers from `sample()` (the peer-sampling service).
 */
import { checkConfig, checkNumbers } from '../core/config.js'
import { UsageError, type PeerError } from '../core/errors.js'
import type { NeighborListener, NeighborSource } from '../core/neighbors.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import type { PeerSampling } from '../core/sampling.js'
import { Strikes } from '../core/strikes.js'
import { DEFAULT_MEMBERSHIP_LIMITS, MembershipCodec, type MembershipCodecLimits } from './codec.js'
import type { MembershipMessage, PeerInfo } from './messages.js'
import { RandomSet } from './views.js'

export interface HyParViewConfig {
  /** Active view size (the paper: fanout + 1). */
  activeSize: number
  passiveSize: number
  /** Active random walk length: hops a FORWARDJOIN travels. */
  arwl: number
  /** Passive random walk length: the hop at which the newcomer enters a passive view. */
  prwl: number
  /** Active peers a shuffle carries. */
  shuffleKa: number
  /** Passive peers a shuffle carries. */
  shuffleKp: number
  /** Hops of a shuffle's random walk. */
  shuffleTtl: number
  shufflePeriodMs: number
  /** The repair tick: keep-alives, silent-peer detection, NEIGHBOR expiry, join retry, refilling. */
  repairPeriodMs: number
  /** Send a KEEPALIVE on an active link that carried nothing from us for this long. */
  keepAliveIntervalMs: number
  /** An active peer silent for this long is taken as failed. */
  keepAliveTimeoutMs: number
  /** A NEIGHBOR request unanswered for this long has failed. */
  neighborTimeoutMs: number
  /** A JOIN unanswered for this long is sent again. */
  joinTimeoutMs: number
  /** Periods are stretched or shrunk by up to this fraction, at random. */
  jitter: number
  /** Malformed messages from one peer before it is dropped. */
  maxStrikes: number
  /** How this node can be dialled (a real network fills this in; the simulator leaves it empty). */
  selfAddrs: readonly Uint8Array[]
  maxFrameBytes: number
  codec: MembershipCodecLimits
}

export const DEFAULT_HYPARVIEW: HyParViewConfig = {
  activeSize: 5,
  passiveSize: 30,
  arwl: 6,
  prwl: 3,
  shuffleKa: 3,
  shuffleKp: 4,
  shuffleTtl: 6,
  shufflePeriodMs: 10_000,
  repairPeriodMs: 1_000,
  keepAliveIntervalMs: 5_000,
  keepAliveTimeoutMs: 15_000,
  neighborTimeoutMs: 2_000,
  joinTimeoutMs: 5_000,
  jitter: 0.1,
  maxStrikes: 5,
  selfAddrs: [],
  maxFrameBytes: 64 * 1024,
  codec: DEFAULT_MEMBERSHIP_LIMITS
}

export type MembershipTimer = { kind: 'repair', token: number } | { kind: 'shuffle', token: number }

export type NeighborDownReason = 'failed' | 'disconnected' | 'evicted' | 'left'

export type MembershipEvent =
  | { type: 'neighborUp', peer: NodeId }
  | { type: 'neighborDown', peer: NodeId, reason: NeighborDownReason }

export interface HyParViewStats {
  joinsHandled: number
  forwardJoins: number
  neighborRequests: number
  neighborAccepted: number
  neighborRejected: number
  neighborFailed: number
  failuresDetected: number
  silentPeers: number
  evictions: number
  shufflesStarted: number
  shufflesAnswered: number
  keepAlivesSent: number
  malformed: number
  unsolicited: number
}

interface ActivePeer { lastHeard: number, lastSent: number }
interface Attempt { high: boolean, deadline: number }

export class HyParView implements WireProtocol<MembershipMessage, MembershipTimer>, PeerSampling, NeighborSource {
  readonly name: string
  readonly wire: WireSpec<MembershipMessage>
  readonly config: HyParViewConfig
  readonly stats: HyParViewStats = {
    joinsHandled: 0, forwardJoins: 0, neighborRequests: 0, neighborAccepted: 0, neighborRejected: 0,
    neighborFailed: 0, failuresDetected: 0, silentPeers: 0, evictions: 0, shufflesStarted: 0,
    shufflesAnswered: 0, keepAlivesSent: 0, malformed: 0, unsolicited: 0
  }

  private readonly env: Env<MembershipMessage, MembershipTimer, MembershipEvent>
  private readonly active = new Map<NodeId, ActivePeer>()
  private readonly passive = new RandomSet<NodeId>()
  /** Dialable addresses of the peers in our views, attempts and join. */
  private readonly addrs = new Map<NodeId, readonly Uint8Array[]>()
  /** NEIGHBOR requests awaiting an answer. At most `activeSize` + the walks ending here. */
  private readonly attempts = new Map<NodeId, Attempt>()
  private joining: { contact: NodeId, deadline: number } | undefined
  /** The contact of our last join: where to join again if we end up knowing nobody. */
  private bootstrap: NodeId | undefined
  private lastShuffle: { exchange: number, sent: NodeId[] } | undefined
  private nextExchange = 1
  private token = 0
  private readonly listeners: NeighborListener[] = []
  private readonly strikes: Strikes
  private readonly self: PeerInfo

  constructor (env: Env<MembershipMessage, MembershipTimer, MembershipEvent>, config: Partial<HyParViewConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_HYPARVIEW, ...config }
    validate(this.config)
    this.env = env
    this.wire = { protocolIds: ['/grapevine/membership/1.0.0'], codec: new MembershipCodec(this.config.codec), maxFrameBytes: this.config.maxFrameBytes }
    this.self = { id: env.id, addrs: this.config.selfAddrs }
    this.strikes = new Strikes(this.config.maxStrikes)
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
    for (const p of peers) this.addPassive(p)
  }

  /** Active and passive peers with their addresses (what a node keeps to rejoin after a restart). */
  knownPeers (): PeerInfo[] {
    return [...this.active.keys(), ...this.passive.values()].map(id => ({ id, addrs: this.addrs.get(id) ?? [] }))
  }

  addressesOf (id: NodeId): readonly Uint8Array[] {
    return this.addrs.get(id) ?? []
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
    this.learn(c)
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
    const period = timer.kind === 'repair' ? this.config.repairPeriodMs : this.config.shufflePeriodMs
    this.env.io.setTimer(now + period * (1 + this.config.jitter * (2 * this.env.rng.float() - 1)), timer)
    if (timer.kind === 'repair') this.repairTick(now)
    else this.shuffleActiveRole(now)
  }

  onMessage (now: number, from: NodeId, msg: MembershipMessage): void {
    const link = this.active.get(from)
    if (link !== undefined) link.lastHeard = now
    switch (msg.kind) {
      case 'join': return this.onJoin(now, from, msg.peer)
      case 'joinReply': return this.onJoinReply(now, from, msg.peer)
      case 'forwardJoin': return this.onForwardJoin(now, from, msg.peer, msg.ttl)
      case 'neighbor': return this.onNeighbor(now, from, msg.peer, msg.high)
      case 'neighborReply': return this.onNeighborReply(now, from, msg.peer, msg.accepted)
      case 'disconnect': return this.onDisconnect(now, from)
      case 'shuffle': return this.shufflePassiveRole(now, from, msg.peer, msg.ttl, msg.peers, msg.exchange)
      case 'shuffleReply': return this.onShuffleReply(from, msg.peers, msg.exchange)
      case 'keepalive':
        // A keep-alive over a link we do not hold: tell the peer, so views stay symmetric.
        if (link === undefined) this.env.io.send(from, { kind: 'disconnect' })
    }
  }

  onPeerUp (_now: number, _peer: NodeId, _link: PeerLink): void {}

  onPeerDown (now: number, peer: NodeId): void {
    if (this.attempts.delete(peer)) {
      this.stats.neighborFailed++
      this.forgetPassive(peer)
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
    this.env.io.disconnect(from)
    if (this.active.has(from)) this.removeActive(now, from, 'failed')
    this.attempts.delete(from)
    this.forgetPassive(from)
    this.refill(now)
  }

  // ---- join (§4.2) ----

  /** Contact: take the newcomer in, and announce it with random walks through our other active peers. */
  private onJoin (now: number, from: NodeId, peer: PeerInfo): void {
    if (peer.id !== from) return this.unsolicited()
    this.stats.joinsHandled++
    this.learn(peer)
    this.addActive(now, from)
    for (const n of this.active.keys()) {
      if (n !== from) this.sendTo(now, n, { kind: 'forwardJoin', peer, ttl: this.config.arwl })
    }
    this.sendTo(now, from, { kind: 'joinReply', peer: this.self })
  }

  private onJoinReply (now: number, from: NodeId, peer: PeerInfo): void {
    if (this.joining?.contact !== from || peer.id !== from) return this.unsolicited()
    this.joining = undefined
    this.learn(peer)
    this.addActive(now, from)
  }

  private onForwardJoin (now: number, from: NodeId, peer: PeerInfo, ttl: number): void {
    this.stats.forwardJoins++
    if (peer.id === this.env.id || this.active.has(peer.id)) return
    if (ttl === 0 || this.active.size <= 1) return this.linkTo(now, peer)
    if (ttl === this.config.prwl) this.addPassive(peer)
    const next = this.randomActive(x => x === from || x === peer.id)
    if (next === undefined) return this.linkTo(now, peer)
    this.sendTo(now, next, { kind: 'forwardJoin', peer, ttl: ttl - 1 })
  }

  /** The end of a join walk: ask the newcomer to link with us (it always accepts: high priority). */
  private linkTo (now: number, peer: PeerInfo): void {
    if (this.attempts.has(peer.id)) return
    this.learn(peer)
    this.ask(now, peer.id, true)
  }

  // ---- active view management (§4.3) ----

  /** Sends NEIGHBOR to `peer`; the answer, a connection failure or the timeout settles it. */
  private ask (now: number, peer: NodeId, high: boolean): void {
    this.stats.neighborRequests++
    this.attempts.set(peer, { high, deadline: now + this.config.neighborTimeoutMs })
    this.env.io.connect(peer)
    this.env.io.send(peer, { kind: 'neighbor', peer: this.self, high })
  }

  private onNeighbor (now: number, from: NodeId, peer: PeerInfo, high: boolean): void {
    if (peer.id !== from) return this.unsolicited()
    this.learn(peer)
    const accepted = high || this.active.has(from) || this.active.size < this.config.activeSize
    if (accepted) this.addActive(now, from)
    else this.addPassive(peer)
    this.sendTo(now, from, { kind: 'neighborReply', peer: this.self, accepted })
  }

  private onNeighborReply (now: number, from: NodeId, peer: PeerInfo, accepted: boolean): void {
    if (!this.attempts.delete(from)) {
      // Too late (we gave up on it): if it took us in, tell it we did not take it.
      if (accepted && !this.active.has(from)) this.env.io.send(from, { kind: 'disconnect' })
      return this.unsolicited()
    }
    this.learn(peer)
    if (accepted) {
      this.stats.neighborAccepted++
      this.addActive(now, from)
    } else {
      this.stats.neighborRejected++
      this.addPassive(peer)
      if (!this.active.has(from)) this.env.io.disconnect(from)
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
    this.active.set(peer, { lastHeard: now, lastSent: now })
    this.env.io.connect(peer)
    this.env.io.emit({ type: 'neighborUp', peer })
    for (const l of this.listeners) l.neighborUp(now, peer)
  }

  /** Removes `peer` from the active view; unless it failed, it stays known as a passive peer. */
  private removeActive (now: number, peer: NodeId, reason: NeighborDownReason): void {
    if (!this.active.delete(peer)) return
    if (reason === 'failed') this.forgetPassive(peer)
    else this.addPassive({ id: peer, addrs: this.addressesOf(peer) })
    this.env.io.emit({ type: 'neighborDown', peer, reason })
    for (const l of this.listeners) l.neighborDown(now, peer)
  }

  /** Asks passive peers to fill the free active slots (one request per free slot). */
  private refill (now: number): void {
    let free = this.config.activeSize - this.active.size - this.attempts.size
    while (free > 0) {
      const candidate = this.passive.random(this.env.rng, x => this.attempts.has(x))
      if (candidate === undefined) return
      this.ask(now, candidate, this.active.size === 0)
      free--
    }
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
      if (!this.active.has(peer)) this.env.io.disconnect(peer)
    }
    if (this.joining === undefined && this.bootstrap !== undefined && this.active.size === 0 && this.passive.size === 0 && this.attempts.size === 0) {
      // Isolated: everyone we knew is gone. Join again through our original contact.
      this.joining = { contact: this.bootstrap, deadline: now }
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
    const sent = [...act, ...this.passive.sample(this.env.rng, shuffleKp)]
    const exchange = this.nextExchange
    this.nextExchange = (this.nextExchange % 0xffffffff) + 1
    this.lastShuffle = { exchange, sent }
    this.stats.shufflesStarted++
    this.sendTo(now, target, { kind: 'shuffle', peer: this.self, ttl: shuffleTtl, peers: sent.map(id => this.info(id)), exchange })
  }

  /** Shuffle, passive role: forward the walk, or end it here by answering and merging. */
  private shufflePassiveRole (now: number, from: NodeId, origin: PeerInfo, ttl: number, peers: readonly PeerInfo[], exchange: number): void {
    if (origin.id === this.env.id) return
    const left = ttl - 1
    if (left > 0 && this.active.size > 1) {
      const next = this.randomActive(x => x === from || x === origin.id)
      if (next !== undefined) {
        this.sendTo(now, next, { kind: 'shuffle', peer: origin, ttl: left, peers, exchange })
        return
      }
    }
    this.stats.shufflesAnswered++
    const reply = this.passive.sample(this.env.rng, peers.length + 1)
    this.env.io.send(origin.id, { kind: 'shuffleReply', peers: reply.map(id => this.info(id)), exchange })
    this.merge([origin, ...peers], reply)
  }

  private onShuffleReply (_from: NodeId, peers: readonly PeerInfo[], exchange: number): void {
    const last = this.lastShuffle
    if (last === undefined || last.exchange !== exchange) return this.unsolicited()
    this.lastShuffle = undefined
    this.merge(peers, last.sent)
  }

  /** Adds `peers` to the passive view, evicting first the ids in `sent` (what we gave away), then random ones. */
  private merge (peers: readonly PeerInfo[], sent: readonly NodeId[]): void {
    let s = 0
    for (const p of peers) {
      if (p.id === this.env.id || this.active.has(p.id) || this.passive.has(p.id)) continue
      if (this.passive.size >= this.config.passiveSize) {
        while (s < sent.length && !this.passive.has(sent[s]!)) s++
        if (s < sent.length) this.forgetPassive(sent[s++]!)
      }
      this.addPassive(p)
    }
  }

  private addPassive (p: PeerInfo): void {
    if (p.id === this.env.id || this.active.has(p.id) || this.passive.has(p.id)) return
    if (this.passive.size >= this.config.passiveSize) this.forgetPassive(this.passive.random(this.env.rng)!)
    this.learn(p)
    this.passive.add(p.id)
  }

  private forgetPassive (id: NodeId): void {
    this.passive.delete(id)
    if (!this.active.has(id) && !this.attempts.has(id) && this.bootstrap !== id) this.addrs.delete(id)
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

  private learn (p: PeerInfo): void {
    if (p.addrs.length > 0) this.addrs.set(p.id, p.addrs)
  }

  private info (id: NodeId): PeerInfo {
    return { id, addrs: this.addrs.get(id) ?? [] }
  }

  private unsolicited (): void {
    this.stats.unsolicited++
  }
}

function validate (c: HyParViewConfig): void {
  checkNumbers('membership', c, {
    activeSize: 'whole', passiveSize: 'whole', arwl: 'whole', shuffleTtl: 'whole', maxStrikes: 'whole', prwl: 'count', shuffleKa: 'count', shuffleKp: 'count',
    shufflePeriodMs: 'positive', repairPeriodMs: 'positive', keepAliveIntervalMs: 'positive', keepAliveTimeoutMs: 'positive',
    neighborTimeoutMs: 'positive', joinTimeoutMs: 'positive', maxFrameBytes: 'positive', jitter: 'fraction'
  })
  checkConfig(c.prwl <= c.arwl, `membership.prwl must be between 0 and arwl (${c.arwl}) (got ${c.prwl})`)
  checkConfig(c.shuffleKa + c.shuffleKp + 1 <= c.codec.maxShufflePeers, `a shuffle of ${c.shuffleKa + c.shuffleKp + 1} peers exceeds codec.maxShufflePeers (${c.codec.maxShufflePeers})`)
  checkConfig(c.arwl <= c.codec.maxTtl && c.shuffleTtl <= c.codec.maxTtl, `walk lengths must not exceed codec.maxTtl (${c.codec.maxTtl})`)
  checkConfig(c.keepAliveTimeoutMs > c.keepAliveIntervalMs, 'membership.keepAliveTimeoutMs must exceed keepAliveIntervalMs')
}
