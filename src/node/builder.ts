/**
 * The node builder: the one place a whole grapevine node is composed, for any driver. HyParView
 * membership; Plumtree broadcast over the active view; anti-entropy state drawing partners from
 * membership; the GossipSub router; topic discovery, which writes the node's topics into the state and
 * connects to topic peers; and the facades an application uses (pub/sub, state, the node's events).
 *
 * A driver supplies a `NodeHost` — the node's id, an environment per core, a clock — and hosts `cores.all`;
 * `createNode` (src/net) and the simulator's `SimCluster` (src/sim) both call `buildNode`. Nothing here
 * touches a socket or reads a clock of its own.
 */
import type { AnyCore, Clock, CoreListener, Env, NodeId, SendQueues } from '../core/protocol.js'
import { Plumtree, type PlumtreeConfig } from '../broadcast/plumtree.js'
import { GossipSub, type GossipSubConfig } from '../gossipsub/gossipsub.js'
import type { Identity } from '../core/identity.js'
import { HyParView, type HyParViewConfig } from '../membership/hyparview.js'
import { AntiEntropy, type AntiEntropyConfig } from '../state/antientropy.js'
import { TopicDiscovery, type TopicDiscoveryConfig } from './discovery.js'
import { GrapevineNode, type Cores, type NodeRuntime } from './node.js'

export type { Cores }
import { PubSub } from './pubsub.js'

/**
 * A whole node's anti-entropy period once its exchanges have found nothing to move for a while (the core's
 * own default never idles): an idle cluster then costs two small messages per node every 10 s, not three a second.
 */
export const NODE_IDLE_PERIOD_MS = 10_000

/** Settings of each core of a node (each a partial: the rest are the core's defaults). */
export interface NodeConfig {
  membership?: Partial<HyParViewConfig>
  broadcast?: Partial<PlumtreeConfig>
  state?: Partial<AntiEntropyConfig>
  gossipsub?: Partial<GossipSubConfig>
  /** Topic discovery through the state; `false` turns it off (topic peers then come only from membership). */
  discovery?: Partial<TopicDiscoveryConfig> | false
}

/** What a driver gives the builder for one node. */
export interface NodeHost {
  readonly id: NodeId
  /** An environment for the core named `name`, delivering what it emits (and the sanctions applied) to `listener`. */
  env<M, T, E>(name: string, listener?: CoreListener<E>): Env<M, T, E>
  readonly clock: Clock
  /** The driver's per-peer send queues (publish waits for room in them); none: always room. */
  readonly queues?: SendQueues
}

/** Composes a whole node on `host`. `identity` signs pub/sub messages and state (null only with StrictNoSign). */
export function buildNode (host: NodeHost, identity: Identity | null, config: NodeConfig = {}, runtime: NodeRuntime = {}): GrapevineNode {
  // Events go to the node, which exists only once its cores do: each listener looks it up when called.
  const built: { node?: GrapevineNode } = {}
  const reports = (core: string): CoreListener<never>['misbehaviour'] => m => built.node?.emit('misbehaviour', { core, ...m })

  // A whole node answers shuffles back along the walk rather than over a new connection, and slows its
  // shuffles down to one a minute while they teach it nothing (ARCHITECTURE.md §6, HyParView).
  const membership = new HyParView(host.env('membership', { misbehaviour: reports('membership') }), { shuffleReplyVia: 'walk', shuffleIdlePeriodMs: Math.max(60_000, config.membership?.shufflePeriodMs ?? 0), ...config.membership }, identity)
  const broadcast = new Plumtree(host.env('broadcast', { event: d => built.node?.emit('broadcast', d), misbehaviour: reports('broadcast') }), identity, config.broadcast)
  membership.addNeighborListener(broadcast)
  membership.addNeighborListener({
    neighborUp: (_now, peer) => built.node?.emit('member:up', peer),
    neighborDown: (_now, peer) => built.node?.emit('member:down', peer)
  })
  // Nodes without an identity (simulations under plain ids) cannot sign their state.
  // A whole node's state exchanges slow down to one every NODE_IDLE_PERIOD_MS while nothing changes (ARCHITECTURE.md §6).
  const stateConfig = { idlePeriodMs: NODE_IDLE_PERIOD_MS, ...(identity === null ? { signaturePolicy: 'StrictNoSign' as const } : {}), ...config.state }
  const state = new AntiEntropy(host.env('state', { event: c => built.node?.changed(c), misbehaviour: reports('state') }), membership, identity, stateConfig)
  const gossipsub = new GossipSub(host.env('gossipsub', { event: e => built.node?.pubsub.handle(e), misbehaviour: reports('gossipsub') }), identity, config.gossipsub)
  const discovery = config.discovery === false ? null : new TopicDiscovery(host.env('discovery'), state, gossipsub, config.discovery)
  const all: AnyCore[] = [membership, broadcast, state, gossipsub]
  if (discovery !== null) all.push(discovery)

  const pubsub = new PubSub(gossipsub, host.clock, now => discovery?.sync(now), host.queues)
  built.node = new GrapevineNode(host.id, { membership, broadcast, state, gossipsub, discovery, all }, pubsub, host.clock, runtime)
  return built.node
}
