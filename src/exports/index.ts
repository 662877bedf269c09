/**
 * `grapevine`: what an application needs to run nodes on the network — `createNode` and the node's API
 * (pub/sub, replicated state, broadcast, membership, events), its options and errors, and the pre-shared
 * key files of private clusters, metrics (prom-client and js-libp2p) and the logger. The simulator and the
 * protocol cores are in `grapevine/sim`.
 */
export { createNode, metricsSource, type NodeOptions, type NetworkNode } from '../net/create-node.js'
export { readSwarmKey, writeSwarmKey } from '../net/pnet.js'
export { GrapevineNode, type NodeEvents, type NodeInfo } from '../node/node.js'
export type { NodeConfig } from '../node/builder.js'
export { NodeState, RESERVED_PREFIXES, type StateEntry } from '../node/state.js'
export { PubSub, Topic, Subscription, type Message, type SubscribeOptions, type PublishOptions, type Validator, type OverflowPolicy } from '../node/pubsub.js'
export type { PublishResult, SkipReason, ValidationResult, GossipSubConfig, GossipSubStats } from '../gossipsub/gossipsub.js'
export type { PeerExtensions } from '../gossipsub/extensions.js'
export type { SignaturePolicy } from '../gossipsub/signing.js'
export type { HyParViewConfig } from '../membership/hyparview.js'
export type { PlumtreeConfig } from '../broadcast/plumtree.js'
export type { BroadcastDelivery } from '../broadcast/messages.js'
export type { AntiEntropyConfig, StateChange } from '../state/antientropy.js'
export type { TopicDiscoveryConfig } from '../node/discovery.js'
export type { Misbehaviour, Sanction, NodeId } from '../core/protocol.js'
export { GrapevineError, UsageError, PeerError, InternalError, type Fault } from '../core/errors.js'
export { promRegistry } from '../metrics/prom.js'
export { registerLibp2pMetrics } from '../metrics/libp2p.js'
export { CATALOG, HEARTBEAT, MAX_TOPICS, type MetricsSource, type MetricDef } from '../metrics/catalog.js'
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../metrics/log.js'
