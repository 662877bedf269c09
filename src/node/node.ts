/**
 * A whole grapevine node as an application sees it, whichever driver runs it: membership (`members`,
 * `join`), broadcast (`broadcast`), replicated state (`state`), pub/sub (`pubsub`), typed events, `info`.
 * Built by ./builder.ts; `createNode` (src/net) runs one on js-libp2p with a data directory, the simulator
 * runs thousands (src/sim/cluster.ts). What depends on where it runs — addresses, connections, traffic
 * counters, persistence, stopping — comes from its `NodeRuntime`.
 */
import { EventEmitter } from 'node:events'
import type { AnyCore, Clock, Misbehaviour, NodeId } from '../core/protocol.js'
import type { BroadcastDelivery } from '../broadcast/messages.js'
import type { Plumtree, PlumtreeStats } from '../broadcast/plumtree.js'
import type { GossipSub, GossipSubStats } from '../gossipsub/gossipsub.js'
import type { HyParView, HyParViewStats } from '../membership/hyparview.js'
import type { PeerInfo } from '../membership/messages.js'
import type { AntiEntropy, AntiEntropyStats, StateChange } from '../state/antientropy.js'
import type { TopicDiscovery } from './discovery.js'
import type { PubSub } from './pubsub.js'
import { NodeState } from './state.js'

/** The cores of a node. */
export interface Cores {
  membership: HyParView
  broadcast: Plumtree
  state: AntiEntropy
  gossipsub: GossipSub
  discovery: TopicDiscovery | null
  /** Every core, for the driver to host. */
  all: AnyCore[]
}

/** What the node's surroundings provide (the network runtime of createNode, or the simulator's). */
export interface NodeRuntime {
  /** Makes a state change durable; the promise settles once it (and everything before it) is. */
  persist? (change: StateChange): Promise<void>
  /** A contact written as an address (a multiaddr ending in /p2p/<id> on the network) → the peer. */
  contactOf? (address: string): PeerInfo
  multiaddrs? (): string[]
  connections? (): number
  /** The driver's counters (frames, bytes, drops, sanctions). */
  counters? (): Readonly<Record<string, number>>
  /** What the data directory found and did at start (damage, dropped copies, durability). */
  storage? (): StorageInfo
  /** The peers banned now, with the core that banned them and why. */
  bans? (): Array<{ peer: NodeId, core: string, reason: string, remainingMs: number }>
  readonly dataDir?: string | null
  stop? (): Promise<void>
}

export interface StorageInfo {
  durability: 'sync' | 'relaxed'
  /** Damage found at start (the node was started with recover and took its own entries back from peers). */
  damage: string[]
  /** Damaged copies of other origins dropped at start (peers send them again). */
  dropped: string[]
}

export interface NodeInfo {
  peerId: string
  multiaddrs: string[]
  dataDir: string | null
  members: { active: string[], passive: string[] }
  topics: string[]
  /** Per subscribed topic: connected peers subscribed to it, and our mesh peers. */
  topicPeers: Record<string, { peers: string[], mesh: string[] }>
  stateEntries: number
  stateOrigins: number
  connections: number
  /** The GossipSub router's counters. */
  pubsubStats: GossipSubStats
  /** Broadcasts from other nodes delivered here. */
  broadcastsDelivered: number
  /** The driver's counters. */
  driver: Readonly<Record<string, number>>
  /** The peers banned now (refused both ways until the ban ends), with the core that banned them and why. */
  bans: Array<{ peer: NodeId, core: string, reason: string, remainingMs: number }>
  /** Membership's counters (refused strangers, deferred dials, bad records, ...). */
  membershipStats: HyParViewStats
  /** Plumtree's counters (deliveries, duplicates, refused forgeries, ...). */
  broadcastStats: PlumtreeStats
  /** The replicated state's counters (refused forgeries by reason, resyncs, forgotten origins, recoveries). */
  stateStats: AntiEntropyStats
  /** True while the node takes its own entries back from peers (writes are refused meanwhile). */
  recovering: boolean
  storage: StorageInfo | null
}

export interface NodeEvents {
  /** A state entry changed here (a local write or one learned from a peer); grapevine's own keys are not reported. */
  change: [StateChange]
  /** A broadcast was delivered; `source` is its author, checked against the author's signature (null under StrictNoSign). */
  broadcast: [BroadcastDelivery]
  /** A peer entered or left the membership active view. */
  'member:up': [string]
  'member:down': [string]
  /** A peer broke a protocol's rules, and the driver applied the sanction. */
  misbehaviour: [Misbehaviour & { core: string }]
}

export class GrapevineNode extends EventEmitter<NodeEvents> {
  readonly state: NodeState
  private persisting: Promise<void> = Promise.resolve()
  private stopped = false
  /** The runtime was told to stop (its store may be closed). */
  private closed = false

  constructor (
    readonly peerId: NodeId,
    readonly cores: Cores,
    readonly pubsub: PubSub,
    readonly clock: Clock,
    private readonly runtime: NodeRuntime = {}
  ) {
    super()
    this.state = new NodeState(cores.state, this.peerId, () => this.now(), async () => await this.flush(), () => this.stopped)
  }

  now (): number {
    return this.clock.now()
  }

  multiaddrs (): string[] {
    return this.runtime.multiaddrs?.() ?? []
  }

  /** Broadcasts `payload` to every node (Plumtree); returns its id. */
  broadcast (payload: Uint8Array | string): string {
    const p = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
    return this.cores.broadcast.broadcast(this.now(), p)
  }

  members (): { active: string[], passive: string[] } {
    return { active: this.cores.membership.activeView(), passive: this.cores.membership.passiveView() }
  }

  /** Joins the overlay through another node: its peer info, its id, or (on the network) its multiaddr ending in /p2p/<id>. */
  join (contact: string | PeerInfo): void {
    let peer: PeerInfo
    if (typeof contact !== 'string') peer = contact
    else if (this.runtime.contactOf !== undefined && contact.startsWith('/')) peer = this.runtime.contactOf(contact)
    else peer = { id: contact, addrs: [] }
    if (peer.id === this.peerId) return
    this.cores.membership.join(this.now(), peer)
  }

  info (): NodeInfo {
    const router = this.cores.gossipsub
    const size = this.state.size()
    return {
      peerId: this.peerId,
      multiaddrs: this.multiaddrs(),
      dataDir: this.runtime.dataDir ?? null,
      members: this.members(),
      topics: router.topics(),
      topicPeers: Object.fromEntries(router.topics().map(t => [t, { peers: router.peersOf(t), mesh: [...(router.mesh.get(t) ?? [])] }])),
      stateEntries: size.entries,
      stateOrigins: size.origins,
      connections: this.runtime.connections?.() ?? 0,
      broadcastsDelivered: this.cores.broadcast.stats.delivered,
      pubsubStats: { ...router.stats },
      driver: { ...this.runtime.counters?.() },
      bans: this.runtime.bans?.() ?? [],
      membershipStats: structuredClone(this.cores.membership.stats),
      broadcastStats: structuredClone(this.cores.broadcast.stats),
      stateStats: structuredClone(this.cores.state.stats),
      recovering: this.cores.state.recovering,
      storage: this.runtime.storage?.() ?? null
    }
  }

  /** Resolves once every state change so far is durable. */
  async flush (): Promise<void> {
    await this.persisting
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    // Stop order: the application's side first (subscriptions end, the topics are left while the store is
    // open, so those writes are durable), then every write made so far, then the driver and the store.
    this.pubsub.close()
    await this.persisting.catch(() => {})
    await this.runtime.stop?.()
    this.closed = true
  }

  /** @internal the builder routes every state change here (before the application hears of it). */
  changed (change: StateChange): void {
    // After the store closed, a change can only come from a peer's late frame: it is not ours to keep (peers
    // send it again after a restart), so it is not written.
    if (this.runtime.persist !== undefined && !this.closed) {
      const p = this.runtime.persist(change)
      this.persisting = p
      p.catch(() => {}) // the runtime reports it; a write that resolves after a failed one still waits for it
    }
    if (NodeState.visible(change)) this.emit('change', change)
  }
}
