/**
 * GossipSub v1.1 peer scoring (libp2p specs pubsub/gossipsub/gossipsub-v1.1.md "Peer Scoring").
 *
 *   score(p) = min(topicCap, Σ_t w_t · (w1·P1 + w2·P2 + w3·P3 + w3b·P3b + w4·P4)) + w5·P5 + w6·P6 + w7·P7
 *
 *   P1  time in mesh (quanta, capped)                    P2  first message deliveries (decaying, capped)
 *   P3  mesh message delivery deficit², once active       P3b mesh failure penalty (deficit² at prune)
 *   P4  invalid messages² (decaying)                      P5  application-specific score
 *   P6  IP colocation: (peers on the IP − threshold)²     P7  behaviour penalty: (penalty − threshold)²
 *
 * Counters decay once per `decayIntervalMs` and snap to 0 under `decayToZero`. A peer that disconnects with
 * a score ≤ 0 keeps it (without its first-delivery credit) for `retainScoreMs`, so reconnecting does not wash
 * a bad score. A `topicScoreCap` of 0 means no cap, as in go-libp2p-pubsub. Everything is bounded: scores of
 * at most `maxPeers` peers (the one disconnected longest goes first), one IP table entry per scored IP,
 * delivery records of at most `maxDeliveryRecords` messages.
 */
import type { NodeId } from '../core/protocol.js'
import { FifoMap } from '../core/fifo.js'
import { SeenIds } from '../core/seenids.js'

export interface TopicScoreParams {
  topicWeight: number
  timeInMeshWeight: number
  timeInMeshQuantumMs: number
  timeInMeshCap: number
  firstMessageDeliveriesWeight: number
  firstMessageDeliveriesDecay: number
  firstMessageDeliveriesCap: number
  meshMessageDeliveriesWeight: number
  meshMessageDeliveriesDecay: number
  meshMessageDeliveriesThreshold: number
  meshMessageDeliveriesCap: number
  meshMessageDeliveriesActivationMs: number
  meshMessageDeliveriesWindowMs: number
  meshFailurePenaltyWeight: number
  meshFailurePenaltyDecay: number
  invalidMessageDeliveriesWeight: number
  invalidMessageDeliveriesDecay: number
}

export interface PeerScoreParams {
  topics: Record<string, TopicScoreParams>
  /** Parameters for topics not listed (undefined: such topics do not count). */
  defaultTopic?: TopicScoreParams
  /** The topic part of a score is at most this (0: no cap). */
  topicScoreCap: number
  appSpecificWeight: number
  ipColocationFactorWeight: number
  ipColocationFactorThreshold: number
  /** Addresses P6 never counts (many peers on one loopback address are one machine's test cluster). */
  ipColocationFactorWhitelist: readonly string[]
  behaviourPenaltyWeight: number
  behaviourPenaltyThreshold: number
  behaviourPenaltyDecay: number
  decayIntervalMs: number
  decayToZero: number
  retainScoreMs: number
  maxPeers: number
  maxDeliveryRecords: number
}

export interface PeerScoreThresholds {
  /** Below it, no gossip (IHAVE / IWANT) with the peer. */
  gossipThreshold: number
  /** Below it, no flood-published messages to the peer. */
  publishThreshold: number
  /** Below it, everything the peer sends is ignored. */
  graylistThreshold: number
  /** At or above it, the peer's PRUNE peer exchange is followed. */
  acceptPXThreshold: number
  /** Median mesh score below which opportunistic grafting kicks in. */
  opportunisticGraftThreshold: number
}

export const DEFAULT_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5
}

/** Topic parameters in the spirit of the spec's worked example: invalid messages weigh heavily. */
export const DEFAULT_TOPIC_SCORE: TopicScoreParams = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantumMs: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 50,
  // Off by default: a delivery-rate expectation depends on the topic's traffic (set it per topic).
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.9,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesCap: 20,
  meshMessageDeliveriesActivationMs: 30_000,
  meshMessageDeliveriesWindowMs: 10,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.9,
  invalidMessageDeliveriesWeight: -100,
  invalidMessageDeliveriesDecay: 0.99
}

export const DEFAULT_SCORE_PARAMS: PeerScoreParams = {
  topics: {},
  defaultTopic: DEFAULT_TOPIC_SCORE,
  topicScoreCap: 100,
  appSpecificWeight: 1,
  ipColocationFactorWeight: -10,
  ipColocationFactorThreshold: 10,
  ipColocationFactorWhitelist: ['127.0.0.1', '::1'],
  behaviourPenaltyWeight: -10,
  behaviourPenaltyThreshold: 0,
  behaviourPenaltyDecay: 0.9,
  decayIntervalMs: 1000,
  decayToZero: 0.01,
  retainScoreMs: 3_600_000,
  maxPeers: 10_000,
  maxDeliveryRecords: 100_000
}

interface TopicStats {
  /** The topic's parameters (looked up once: the score is computed for every RPC). */
  readonly p: TopicScoreParams
  inMesh: boolean
  graftedAt: number
  meshTime: number
  firstDeliveries: number
  meshDeliveries: number
  meshFailurePenalty: number
  invalidDeliveries: number
}

interface DeliveryRecord {
  firstAt: number
  topic: string
  first: NodeId
  peers: Set<NodeId> | null
}

/** A peer's counters; the router keeps the one addPeer returns, to score the peer without a lookup (`scoreOf`). */
export interface PeerStats {
  /** In the table: false once dropped (a handle the router holds then scores by lookup, as before). */
  live: boolean
  connected: boolean
  expiresAt: number
  topics: Map<string, TopicStats>
  /** The same stats in the order they were made (topics are never removed): what score() walks. */
  topicList: TopicStats[]
  ip: string | undefined
  /** `ip` is set and not whitelisted: P6 counts it. */
  colocated: boolean
  /** The peers on `ip` (this one among them), while it is in that set: P6 without a lookup. */
  ipPeers: Set<NodeId> | undefined
  behaviourPenalty: number
  appScore: number
}

export class PeerScore {
  private readonly peers = new FifoMap<NodeId, PeerStats>()
  private readonly peersByIp = new Map<string, Set<NodeId>>()
  /**
   * Message id → when first validated and which peers delivered it (for P3 near-first deliveries), oldest
   * first. Keyed by the id's bytes (../core/seenids.ts): a duplicate is looked up without making a key string.
   */
  private readonly deliveries: SeenIds<DeliveryRecord>
  private lastDecay = 0

  /** The longest mesh-delivery window of any topic: delivery records older than this are forgotten. */
  private readonly windowMs: number

  /** Addresses P6 never counts. */
  private readonly whitelist: ReadonlySet<string>

  /** `seed` seeds the hash of the delivery records' ids (the router's, so no peer can aim ids at one bucket). */
  constructor (readonly params: PeerScoreParams = DEFAULT_SCORE_PARAMS, seed = 0) {
    this.deliveries = new SeenIds<DeliveryRecord>(Infinity, params.maxDeliveryRecords, seed)
    this.whitelist = new Set(params.ipColocationFactorWhitelist)
    const windows = [...Object.values(params.topics), ...(params.defaultTopic === undefined ? [] : [params.defaultTopic])].map(t => t.meshMessageDeliveriesWindowMs)
    this.windowMs = Math.max(0, ...windows)
  }

  addPeer (peer: NodeId, ip?: string): PeerStats {
    let st = this.peers.get(peer)
    if (st === undefined) {
      st = { live: true, connected: true, expiresAt: Infinity, topics: new Map(), topicList: [], ip: undefined, colocated: false, ipPeers: undefined, behaviourPenalty: 0, appScore: 0 }
      this.peers.set(peer, st)
      if (this.peers.size > this.params.maxPeers) this.evictOne()
    }
    st.connected = true
    st.expiresAt = Infinity
    if (ip !== st.ip) {
      this.leaveIp(peer, st)
      st.ip = ip
      st.colocated = ip !== undefined && !this.whitelist.has(ip)
      if (ip !== undefined) {
        let s = this.peersByIp.get(ip)
        if (s === undefined) this.peersByIp.set(ip, s = new Set())
        s.add(peer)
        st.ipPeers = s
      }
    }
    return st
  }

  removePeer (now: number, peer: NodeId): void {
    const st = this.peers.get(peer)
    if (st === undefined) return
    this.leaveIp(peer, st)
    // A peer with a positive score has nothing to hide: forget it. A negative one is remembered.
    if (this.score(now, peer) > 0) {
      this.drop(peer, st)
      return
    }
    st.connected = false
    st.expiresAt = now + this.params.retainScoreMs
    for (const [topic, t] of st.topics) {
      this.leaveMesh(now, t, this.paramsOf(topic))
      t.firstDeliveries = 0 // a retained peer keeps its penalties, not its credit
    }
  }

  graft (now: number, peer: NodeId, topic: string): void {
    const t = this.topic(peer, topic)
    if (t === undefined || t.inMesh) return
    t.inMesh = true
    t.graftedAt = now
    t.meshTime = 0
  }

  prune (now: number, peer: NodeId, topic: string): void {
    const t = this.topic(peer, topic)
    if (t !== undefined) this.leaveMesh(now, t, this.params.topics[topic] ?? this.params.defaultTopic)
  }

  /** `peer` delivered a message that validated, the first copy we saw. */
  firstDelivery (now: number, peer: NodeId, topic: string, id: Uint8Array): void {
    const p = this.paramsOf(topic)
    const t = this.topic(peer, topic)
    if (p !== undefined && t !== undefined) {
      t.firstDeliveries = Math.min(p.firstMessageDeliveriesCap, t.firstDeliveries + 1)
      if (t.inMesh) t.meshDeliveries = Math.min(p.meshMessageDeliveriesCap, t.meshDeliveries + 1)
    }
    // A set of the other deliverers only once a second peer delivers. A record made anew keeps its place (FIFO).
    const d = this.deliveries.get(id)
    if (d === undefined) {
      this.deliveries.insert(now, id, { firstAt: now, topic, first: peer, peers: null })
    } else {
      d.firstAt = now
      d.topic = topic
      d.first = peer
      d.peers = null
    }
  }

  /** `peer` sent a copy of a message we had already validated. */
  duplicateDelivery (now: number, peer: NodeId, id: Uint8Array): void {
    // Records past the window are dropped here rather than at the next decay: they count for nothing, and a
    // table holding only the last window's messages is mostly empty, so most duplicates need no lookup.
    this.expireDeliveries(now)
    const d = this.deliveries.get(id)
    if (d === undefined || d.first === peer || d.peers?.has(peer) === true) return
    const p = this.paramsOf(d.topic)
    const t = this.topic(peer, d.topic)
    // Only copies within the delivery window count, so only they are remembered: a later copy neither counts
    // nor can be counted twice (remembering every sender of every message cost ~200 bytes each).
    if (p === undefined || now - d.firstAt > p.meshMessageDeliveriesWindowMs) return
    d.peers ??= new Set()
    d.peers.add(peer)
    if (t === undefined || !t.inMesh) return
    t.meshDeliveries = Math.min(p.meshMessageDeliveriesCap, t.meshDeliveries + 1)
  }

  /** `peer` sent a message that failed its signature check or was rejected by the validator. */
  invalidMessage (peer: NodeId, topic: string): void {
    const t = this.topic(peer, topic)
    if (t !== undefined) t.invalidDeliveries++
  }

  /** Protocol misbehaviour (a GRAFT during backoff, a broken IWANT promise, …). */
  addPenalty (peer: NodeId, count = 1): void {
    const st = this.peers.get(peer)
    if (st !== undefined) st.behaviourPenalty += count
  }

  setAppScore (peer: NodeId, score: number): void {
    const st = this.peers.get(peer)
    if (st !== undefined) st.appScore = score
  }

  score (now: number, peer: NodeId): number {
    const st = this.peers.get(peer)
    return st === undefined ? 0 : this.compute(now, st)
  }

  /** The score of `peer`, whose stats addPeer returned (`st`): the same as score(), without looking it up while `st` is live. */
  scoreOf (now: number, peer: NodeId, st: PeerStats): number {
    return st.live ? this.compute(now, st) : this.score(now, peer)
  }

  private compute (now: number, st: PeerStats): number {
    const P = this.params
    let topicScore = 0
    const list = st.topicList
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!
      const p = t.p
      let s = 0
      if (t.inMesh) {
        // Fractional quanta, as js-libp2p and rust-libp2p count them (go-libp2p-pubsub floors to whole quanta).
        const quanta = (t.meshTime + (now - t.graftedAt)) / p.timeInMeshQuantumMs
        s += p.timeInMeshWeight * Math.min(quanta, p.timeInMeshCap)
      }
      s += p.firstMessageDeliveriesWeight * t.firstDeliveries
      if (t.inMesh && now - t.graftedAt >= p.meshMessageDeliveriesActivationMs && t.meshDeliveries < p.meshMessageDeliveriesThreshold) {
        const deficit = p.meshMessageDeliveriesThreshold - t.meshDeliveries
        s += p.meshMessageDeliveriesWeight * deficit * deficit
      }
      s += p.meshFailurePenaltyWeight * t.meshFailurePenalty
      s += p.invalidMessageDeliveriesWeight * t.invalidDeliveries * t.invalidDeliveries
      topicScore += p.topicWeight * s
    }
    let score = P.topicScoreCap > 0 ? Math.min(topicScore, P.topicScoreCap) : topicScore
    score += P.appSpecificWeight * st.appScore
    if (st.colocated) {
      const n = (st.ipPeers ?? this.peersByIp.get(st.ip!))?.size ?? 0
      if (n > P.ipColocationFactorThreshold) {
        const surplus = n - P.ipColocationFactorThreshold
        score += P.ipColocationFactorWeight * surplus * surplus
      }
    }
    if (st.behaviourPenalty > P.behaviourPenaltyThreshold) {
      const excess = st.behaviourPenalty - P.behaviourPenaltyThreshold
      score += P.behaviourPenaltyWeight * excess * excess
    }
    return score
  }

  /** Decays the counters (call at every heartbeat; it acts once per decay interval). */
  decay (now: number): void {
    if (now - this.lastDecay < this.params.decayIntervalMs) return
    this.lastDecay = now
    const z = this.params.decayToZero
    const d = (x: number, f: number): number => {
      const v = x * f
      return v < z ? 0 : v
    }
    for (const [peer, st] of [...this.peers.entries()]) {
      if (!st.connected && st.expiresAt <= now) {
        this.drop(peer, st)
        continue
      }
      for (const [topic, t] of st.topics) {
        const p = this.paramsOf(topic)
        if (p === undefined) continue
        t.firstDeliveries = d(t.firstDeliveries, p.firstMessageDeliveriesDecay)
        t.meshDeliveries = d(t.meshDeliveries, p.meshMessageDeliveriesDecay)
        t.meshFailurePenalty = d(t.meshFailurePenalty, p.meshFailurePenaltyDecay)
        t.invalidDeliveries = d(t.invalidDeliveries, p.invalidMessageDeliveriesDecay)
      }
      st.behaviourPenalty = d(st.behaviourPenalty, this.params.behaviourPenaltyDecay)
    }
    // A record matters only within its topic's delivery window (the longest of any topic here).
    this.expireDeliveries(now)
  }

  /**
   * Drops the delivery records older than every topic's window (oldest first; a record's place is its first
   * validation's). A record's firstAt is at least its insertion time (a record made anew only moves it
   * later), so the record itself is read only once the insertion time is past the window.
   */
  private expireDeliveries (now: number): void {
    const d = this.deliveries
    while (d.size > 0 && now - d.oldest()! > this.windowMs && now - d.oldestValue()!.firstAt > this.windowMs) d.dropOldest()
  }

  private leaveMesh (now: number, t: TopicStats, p?: TopicScoreParams): void {
    if (!t.inMesh) return
    t.inMesh = false
    t.meshTime += now - t.graftedAt
    const active = p !== undefined && now - t.graftedAt >= p.meshMessageDeliveriesActivationMs
    if (p !== undefined && active && t.meshDeliveries < p.meshMessageDeliveriesThreshold) {
      const deficit = p.meshMessageDeliveriesThreshold - t.meshDeliveries
      t.meshFailurePenalty += deficit * deficit
    }
  }

  private topic (peer: NodeId, topic: string): TopicStats | undefined {
    const st = this.peers.get(peer)
    if (st === undefined || this.paramsOf(topic) === undefined) return undefined
    let t = st.topics.get(topic)
    if (t === undefined) {
      if (st.topics.size >= 256) return undefined
      t = { p: this.paramsOf(topic)!, inMesh: false, graftedAt: 0, meshTime: 0, firstDeliveries: 0, meshDeliveries: 0, meshFailurePenalty: 0, invalidDeliveries: 0 }
      st.topics.set(topic, t)
      st.topicList.push(t)
    }
    return t
  }

  private paramsOf (topic: string): TopicScoreParams | undefined {
    return this.params.topics[topic] ?? this.params.defaultTopic
  }

  private evictOne (): void {
    // Drop the disconnected peer retained longest (the earliest to expire), else the oldest entry.
    let victim: NodeId | undefined
    let expires = Infinity
    for (const [peer, st] of this.peers.entries()) {
      if (!st.connected && st.expiresAt < expires) {
        victim = peer
        expires = st.expiresAt
      }
    }
    victim ??= this.peers.oldest()?.key
    if (victim === undefined) return
    const st = this.peers.get(victim)!
    this.leaveIp(victim, st)
    this.drop(victim, st)
  }

  private drop (peer: NodeId, st: PeerStats): void {
    this.peers.delete(peer)
    st.live = false
  }

  private leaveIp (peer: NodeId, st: PeerStats): void {
    if (st.ip === undefined) return
    const s = this.peersByIp.get(st.ip)
    s?.delete(peer)
    st.ipPeers = undefined
    if (s?.size === 0) this.peersByIp.delete(st.ip)
  }
}
