/**
 * Topic peer discovery through the replicated state: a local core (no wire) of the composition layer.
 *
 * GossipSub only meshes with peers it is connected to, and a node's connections come from membership
 * (HyParView's five active peers): subscribers of a small topic are rarely each other's neighbours. So
 * every node writes one entry per subscribed topic into its own origin of the anti-entropy state
 * (`pubsub/topic/<topic>`), which reaches every node within a few rounds; each node indexes the entries
 * it learns and, every tick, for each topic it subscribes to with fewer than `minTopicPeers` connected
 * topic peers, connects to a few more of the topic's members. It holds the connections it makes and lets
 * one go (`disconnect`) when the peer no longer serves a subscribed topic. A peer whose dial failed, or
 * whose end closed a connection we made (its own cores did not need it), is not dialled again for
 * `dialBackoffMs`: redialling at once would only fight the other end. The node's topic entries are
 * written when its subscriptions change (and checked at start), not rewritten every tick; a tick with
 * every topic served allocates nothing.
 *
 * Everything remote input feeds is bounded: topics indexed, members per topic, dials in flight, and the
 * failed-dial backoff table. The index is a hint: a candidate is checked against the state before a dial.
 */
import { checkNumbers } from '../core/config.js'
import { FifoMap } from '../core/fifo.js'
import type { LocalCore, LocalEnv, NodeId, PeerLink } from '../core/protocol.js'
import type { GossipSub } from '../gossipsub/gossipsub.js'
import type { AntiEntropy, StateChange } from '../state/antientropy.js'

export const TOPIC_KEY_PREFIX = 'pubsub/topic/'

export interface TopicDiscoveryConfig {
  tickMs: number
  /**
   * The tick while nothing is in flight (no dial, no fresh connection in its grace period): a lost
   * connection or a new member brings the next tick back to `tickMs`.
   */
  idleTickMs: number
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
  idleTickMs: 5000,
  maxDialsPerTick: 3,
  dialBackoffMs: 30_000,
  maxTopics: 4096,
  maxMembersPerTopic: 4096
}

export type TopicDiscoveryTimer = { kind: 'tick', token: number }

export interface TopicDiscoveryStats {
  dials: number
  dialFailures: number
  /** Connections we made that the other end closed (the peer is then put off like a failed dial). */
  dropped: number
  released: number
  /** Members not indexed because a bound was reached. */
  overflow: number
}

export class TopicDiscovery implements LocalCore<TopicDiscoveryTimer> {
  readonly name: string
  readonly wire = null
  readonly config: TopicDiscoveryConfig
  readonly stats: TopicDiscoveryStats = { dials: 0, dialFailures: 0, dropped: 0, released: 0, overflow: 0 }

  /** Topic → origins whose state says they subscribe to it. */
  private readonly members = new Map<string, Set<NodeId>>()
  /** Peers we asked to connect to and still hold: since when, and whether the connection came up. */
  private readonly held = new Map<NodeId, { since: number, up: boolean }>()
  /** Scratch set of the peers a tick keeps (reused: an idle tick allocates nothing). */
  private readonly wanted = new Set<NodeId>()
  /** Peers whose dial failed: peer → not before, oldest first. */
  private readonly failed: FifoMap<NodeId, number>
  private token = 0
  /** When the live tick timer fires. */
  private tickAt = Infinity
  /** Our topic entries may not match the subscriptions (at start; after a sync during recovery). */
  private stale = true

  constructor (
    private readonly env: LocalEnv<TopicDiscoveryTimer, never>,
    private readonly state: AntiEntropy,
    private readonly router: GossipSub,
    config: Partial<TopicDiscoveryConfig> = {}
  ) {
    this.name = env.name
    this.config = { ...DEFAULT_TOPIC_DISCOVERY, minTopicPeers: router.config.D, ...config }
    checkNumbers('discovery', this.config, { tickMs: 'positive', idleTickMs: 'positive', minTopicPeers: 'count', maxDialsPerTick: 'whole', dialBackoffMs: 'positive', maxTopics: 'whole', maxMembersPerTopic: 'whole' })
    this.failed = new FifoMap(this.config.maxMembersPerTopic)
    state.observe((now, c) => this.onChange(now, c))
    for (const e of state.entries()) this.onChange(0, { origin: e.origin, key: e.key, deleted: false })
  }

  /** Members of `topic` known from the state (not necessarily connected). */
  membersOf (topic: string): NodeId[] {
    return [...(this.members.get(topic) ?? [])]
  }

  /** Write our subscriptions into the state now and look for topic peers (call after subscribe / unsubscribe). */
  sync (now: number): boolean {
    const subscribed = this.router.topics()
    // While the state recovers our origin it refuses writes: the next tick writes them.
    this.stale = this.state.recovering
    if (!this.stale) this.writeTopics(now, subscribed)
    return this.connectTopicPeers(now, subscribed) || this.stale
  }

  private writeTopics (now: number, subscribed: readonly string[]): void {
    for (const t of subscribed) {
      if (this.state.get(TOPIC_KEY_PREFIX + t) === undefined) this.state.set(now, TOPIC_KEY_PREFIX + t, new Uint8Array([1]))
    }
    for (const e of [...this.state.entries()]) {
      if (e.origin !== this.env.id || !e.key.startsWith(TOPIC_KEY_PREFIX)) continue
      if (!subscribed.includes(e.key.slice(TOPIC_KEY_PREFIX.length))) this.state.delete(now, e.key)
    }
  }

  start (now: number): void {
    this.schedule(now + this.config.tickMs * this.env.rng.float())
  }

  onTimer (now: number, timer: TopicDiscoveryTimer): void {
    if (timer.token !== this.token) return
    // The entries change when the subscriptions do (sync); a tick rewrites them only if that could not
    // happen then, or at the first tick (entries restored from disk). Otherwise it looks for topic peers.
    const busy = this.stale ? this.sync(now) : this.connectTopicPeers(now, this.router.topics())
    this.schedule(now + (busy ? this.config.tickMs : Math.max(this.config.tickMs, this.config.idleTickMs)))
  }

  private schedule (at: number): void {
    this.tickAt = at
    this.env.io.setTimer(at, { kind: 'tick', token: ++this.token })
  }

  /** Something a tick looks at changed: the next tick within `tickMs`. */
  private wake (now: number): void {
    if (this.token > 0 && this.tickAt > now + this.config.tickMs) this.schedule(now + this.config.tickMs)
  }

  onPeerUp (_now: number, peer: NodeId, _link: PeerLink): void {
    const h = this.held.get(peer)
    if (h !== undefined) h.up = true
  }

  onPeerDown (now: number, peer: NodeId): void {
    this.wake(now) // perhaps a topic peer
    const h = this.held.get(peer)
    if (h === undefined) return
    this.held.delete(peer)
    // The dial failed, or the other end closed what we made: either way, not again for a while.
    if (h.up) this.stats.dropped++
    else this.stats.dialFailures++
    this.failed.renew(peer, now + this.config.dialBackoffMs)
  }

  private onChange (now: number, c: Pick<StateChange, 'origin' | 'key' | 'deleted'>): void {
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
    if (set.has(c.origin)) return
    set.add(c.origin)
    this.wake(now)
  }

  /** Dials topic members where a topic is short and lets go of what no topic needs; true while something is in flight. */
  private connectTopicPeers (now: number, subscribed: readonly string[]): boolean {
    let busy = false
    // Backoffs end in the order they were set (each lasts dialBackoffMs).
    for (let o = this.failed.oldest(); o !== undefined && o.value <= now; o = this.failed.oldest()) this.failed.shift()
    const wanted = this.wanted
    wanted.clear()
    for (const topic of subscribed) {
      const connected = this.router.peersOf(topic)
      for (const p of connected) wanted.add(p)
      let missing = this.config.minTopicPeers - connected.length
      if (missing <= 0) continue
      // Dials still in flight for this topic count towards it.
      for (const p of this.members.get(topic) ?? []) {
        if (this.held.get(p)?.up === false) {
          wanted.add(p)
          missing--
          busy = true
        }
      }
      if (missing <= 0) continue
      const candidates = [...(this.members.get(topic) ?? [])].filter(p =>
        !this.router.hasPeer(p) && !this.held.has(p) && !this.failed.has(p) && this.state.get(TOPIC_KEY_PREFIX + topic, p) !== undefined)
      for (const p of this.env.rng.sample(candidates, Math.min(missing, this.config.maxDialsPerTick))) {
        this.held.set(p, { since: now, up: false })
        busy = true
        wanted.add(p)
        this.stats.dials++
        this.env.io.connect(p)
      }
    }
    // Release what no subscribed topic needs any more (after a grace period, so a fresh link can announce).
    for (const [p, { since }] of this.held) {
      if (since + 2 * this.config.tickMs > now) busy = true
      if (wanted.has(p) || since + 2 * this.config.tickMs > now) continue
      this.held.delete(p)
      this.stats.released++
      this.env.io.disconnect(p)
    }
    return busy
  }
}
