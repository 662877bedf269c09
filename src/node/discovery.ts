/**
 * Topic peer discovery through the replicated state (DESIGN.md §3, issue 5 item 5).
 *
 * GossipSub only meshes with peers it is connected to, and a node's connections come from membership
 * (HyParView's five active peers): subscribers of a small topic are rarely each other's neighbours. So
 * every node writes one entry per subscribed topic into its own origin of the anti-entropy state
 * (`pubsub/topic/<topic>`), which reaches every node within a few rounds; each node indexes the entries
 * it learns and, every tick, for each topic it subscribes to with fewer than `minTopicPeers` connected
 * topic peers, asks the driver to connect to a few more of the topic's members. The connections it makes
 * are held for this core ('topics'); it releases one when the peer no longer serves a subscribed topic.
 *
 * Everything remote input feeds is bounded: topics indexed, members per topic, dials in flight, and the
 * failed-dial backoff table. The index is a hint: a candidate is checked against the state before a dial.
 */
import type { Env, NodeId, Protocol } from '../core/protocol.js'
import type { PeerError } from '../core/errors.js'
import type { AntiEntropy, StateChange } from '../state/antientropy.js'
import type { GossipSub } from '../gossipsub/gossipsub.js'

export const TOPIC_KEY_PREFIX = 'pubsub/topic/'

export interface TopicDiscoveryConfig {
  tickMs: number
  /** Connected peers wanted per subscribed topic (default: the router's D). */
  minTopicPeers: number
  /** Most new connections asked for per topic per tick. */
  maxDialsPerTick: number
  /** After a failed dial, the peer is not tried again for this long. */
  dialBackoffMs: number
  maxTopics: number
  maxMembersPerTopic: number
}

export const DEFAULT_TOPIC_DISCOVERY: Omit<TopicDiscoveryConfig, 'minTopicPeers'> = {
  tickMs: 1000,
  maxDialsPerTick: 3,
  dialBackoffMs: 30_000,
  maxTopics: 4096,
  maxMembersPerTopic: 4096
}

export type TopicDiscoveryTimer = { kind: 'tick', token: number }

export interface TopicDiscoveryStats {
  dials: number
  dialFailures: number
  released: number
  /** Members not indexed because a bound was reached. */
  overflow: number
}

const noCodec = {
  encode (): Uint8Array { throw new Error('topic discovery sends no messages') },
  decode (): never { throw new Error('topic discovery receives no messages') }
}

export class TopicDiscovery implements Protocol<never, TopicDiscoveryTimer> {
  readonly name = 'topics'
  readonly codec = noCodec
  readonly maxFrameBytes = 0
  readonly config: TopicDiscoveryConfig
  readonly stats: TopicDiscoveryStats = { dials: 0, dialFailures: 0, released: 0, overflow: 0 }

  /** Topic → origins whose state says they subscribe to it. */
  private readonly members = new Map<string, Set<NodeId>>()
  /** Peers we asked to connect to and still hold: peer → since when. */
  private readonly held = new Map<NodeId, number>()
  /** Peers whose dial failed: peer → not before. */
  private readonly failed = new Map<NodeId, number>()
  private token = 0

  constructor (
    private readonly env: Env<never, TopicDiscoveryTimer, never>,
    private readonly state: AntiEntropy,
    private readonly router: GossipSub,
    config: Partial<TopicDiscoveryConfig> = {}
  ) {
    this.config = { ...DEFAULT_TOPIC_DISCOVERY, minTopicPeers: router.config.D, ...config }
    state.observe((_now, c) => this.onChange(c))
    for (const e of state.entries()) this.onChange({ type: 'change', origin: e.origin, key: e.key, value: e.value, version: e.version, deleted: false, local: false })
  }

  /** Members of `topic` known from the state (not necessarily connected). */
  membersOf (topic: string): NodeId[] {
    return [...(this.members.get(topic) ?? [])]
  }

  /** Whether we dialled `peer` for a topic and still want it. */
  keepsConnection (peer: NodeId): boolean {
    return this.held.has(peer)
  }

  /** Write our subscriptions into the state now and look for topic peers (call after subscribe / unsubscribe). */
  sync (now: number): void {
    const subscribed = new Set(this.router.topics())
    for (const t of subscribed) {
      if (this.state.get(TOPIC_KEY_PREFIX + t) === undefined) this.state.set(now, TOPIC_KEY_PREFIX + t, new Uint8Array([1]))
    }
    for (const e of [...this.state.entries()]) {
      if (e.origin !== this.env.id || !e.key.startsWith(TOPIC_KEY_PREFIX)) continue
      if (!subscribed.has(e.key.slice(TOPIC_KEY_PREFIX.length))) this.state.delete(now, e.key)
    }
    this.connectTopicPeers(now, subscribed)
  }

  start (now: number): void {
    const token = ++this.token
    this.env.io.setTimer(now + this.config.tickMs * this.env.rng.float(), { kind: 'tick', token })
  }

  onTimer (now: number, timer: TopicDiscoveryTimer): void {
    if (timer.token !== this.token) return
    this.env.io.setTimer(now + this.config.tickMs, timer)
    this.sync(now)
  }

  onMessage (): void {}
  onMalformed (_now: number, _from: NodeId, _e: PeerError): void {}
  onPeerUp (): void {}

  onPeerDown (now: number, peer: NodeId): void {
    // A held peer that went down without ever becoming a pubsub peer: the dial failed.
    if (this.held.delete(peer) && !this.router.hasPeer(peer)) {
      this.stats.dialFailures++
      this.failed.set(peer, now + this.config.dialBackoffMs)
      if (this.failed.size > this.config.maxMembersPerTopic) this.failed.delete(this.failed.keys().next().value!)
    }
  }

  private onChange (c: StateChange): void {
    if (c.origin === this.env.id || !c.key.startsWith(TOPIC_KEY_PREFIX)) return
    const topic = c.key.slice(TOPIC_KEY_PREFIX.length)
    let set = this.members.get(topic)
    if (c.deleted) {
      set?.delete(c.origin)
      if (set?.size === 0) this.members.delete(topic)
      return
    }
    if (set === undefined) {
      if (this.members.size >= this.config.maxTopics) {
        this.stats.overflow++
        return
      }
      this.members.set(topic, set = new Set())
    }
    if (set.size >= this.config.maxMembersPerTopic) {
      this.stats.overflow++
      return
    }
    set.add(c.origin)
  }

  private connectTopicPeers (now: number, subscribed: Set<string>): void {
    for (const [p, until] of this.failed) if (until <= now) this.failed.delete(p)
    const wanted = new Set<NodeId>()
    for (const topic of subscribed) {
      const connected = this.router.peersOf(topic)
      for (const p of connected) wanted.add(p)
      let missing = this.config.minTopicPeers - connected.length
      if (missing <= 0) continue
      // Dials still in flight for this topic count towards it.
      for (const p of this.members.get(topic) ?? []) {
        if (this.held.has(p) && !this.router.hasPeer(p)) {
          wanted.add(p)
          missing--
        }
      }
      if (missing <= 0) continue
      const candidates = [...(this.members.get(topic) ?? [])].filter(p =>
        !this.router.hasPeer(p) && !this.held.has(p) && !this.failed.has(p) && this.state.get(TOPIC_KEY_PREFIX + topic, p) !== undefined)
      for (const p of this.env.rng.sample(candidates, Math.min(missing, this.config.maxDialsPerTick))) {
        this.held.set(p, now)
        wanted.add(p)
        this.stats.dials++
        this.env.io.connect(p)
      }
    }
    // Release what no subscribed topic needs any more (after a grace period, so a fresh link can announce).
    for (const [p, since] of this.held) {
      if (wanted.has(p) || since + 2 * this.config.tickMs > now) continue
      this.held.delete(p)
      this.stats.released++
      this.env.io.disconnect(p)
    }
  }
}
