/**
 * The protocol cores of one grapevine node, wired together (DESIGN.md §2): HyParView membership; Plumtree
 * broadcast over the active view; anti-entropy state drawing partners from membership; the GossipSub
 * router; and topic discovery, which writes the node's topics into the state and connects to topic peers.
 * A driver (the simulator, or the libp2p driver) hosts `cores.all` and feeds them inputs; nothing here
 * touches a clock or a socket.
 */
import type { AnyProtocol, Env } from '../core/protocol.js'
import { Plumtree, type PlumtreeConfig } from '../broadcast/plumtree.js'
import { HyParView, type HyParViewConfig } from '../membership/hyparview.js'
import { TopicDiscovery, type TopicDiscoveryConfig } from './discovery.js'
import { GossipSub, type GossipSubConfig } from '../gossipsub/gossipsub.js'
import type { Identity } from '../gossipsub/signing.js'
import { AntiEntropy, type AntiEntropyConfig } from '../state/antientropy.js'

export interface CoreOptions {
  membership?: Partial<HyParViewConfig>
  broadcast?: Partial<PlumtreeConfig>
  state?: Partial<AntiEntropyConfig>
  gossipsub?: Partial<GossipSubConfig>
  /** Topic discovery through the state; `false` turns it off (topic peers then come only from membership). */
  discovery?: Partial<TopicDiscoveryConfig> | false
}

export interface Cores {
  membership: HyParView
  broadcast: Plumtree
  state: AntiEntropy
  pubsub: GossipSub
  topics: TopicDiscovery | null
  /** Every core, for the driver to host. */
  all: AnyProtocol[]
}

/** `env(name)` gives each core its environment (its own random stream, an Io routed by the driver). */
export function createCores (env: <M, T, E>(name: string) => Env<M, T, E>, identity: Identity | null, o: CoreOptions = {}): Cores {
  const membership = new HyParView(env('membership'), o.membership)
  const broadcast = new Plumtree(env('plumtree'), o.broadcast)
  membership.addNeighborListener(broadcast)
  const state = new AntiEntropy(env('state'), membership, o.state)
  const pubsub = new GossipSub(env('meshsub'), identity, o.gossipsub)
  const topics = o.discovery === false ? null : new TopicDiscovery(env('topics'), state, pubsub, o.discovery)
  const all: AnyProtocol[] = [membership, broadcast, state, pubsub]
  if (topics !== null) all.push(topics)
  return { membership, broadcast, state, pubsub, topics, all }
}
