/**
 * `grapevine/sim`: the deterministic simulator, the protocol cores, the node builder and the scenarios —
 * everything that runs without a network. Importing it loads no libp2p and no LevelDB.
 */
export * from '../core/errors.js'
export * from '../core/protocol.js'
export { Rng } from '../core/rng.js'
export { type PeerSampling, UniformPeerSampling } from '../core/sampling.js'
export type { NeighborListener, NeighborSource } from '../core/neighbors.js'

export { Simulator, SimNode, type SimOptions, type NodeContext, type NodeFactory, type Traffic } from '../sim/simulator.js'
export { SimCluster } from '../sim/cluster.js'
export { UniformLinkLatency, ConstantLatency, type LatencyModel } from '../sim/network.js'

export * from '../membership/hyparview.js'
export type { MembershipMessage, PeerInfo } from '../membership/messages.js'
export { MembershipCodec } from '../membership/codec.js'
export * from '../broadcast/flood.js'
export * from '../broadcast/plumtree.js'
export type { BroadcastMessage, BroadcastDelivery } from '../broadcast/messages.js'
export { BroadcastCodec } from '../broadcast/codec.js'
export * from '../state/antientropy.js'
export type { Entry, Digest, DigestEntry, OriginDelta, StateMessage } from '../state/messages.js'
export type { OriginMeta } from '../state/store.js'
export { StateCodec, DEFAULT_CODEC_LIMITS, type StateCodecLimits } from '../state/codec.js'
export * from '../gossipsub/gossipsub.js'
export { PeerScore, DEFAULT_SCORE_PARAMS, DEFAULT_THRESHOLDS, DEFAULT_TOPIC_SCORE, type PeerScoreParams, type PeerScoreThresholds, type TopicScoreParams } from '../gossipsub/score.js'
export { RpcCodec, DEFAULT_RPC_LIMITS, type RpcLimits } from '../gossipsub/codec.js'
export { Extensions, MESHSUB_V13, type PeerExtensions } from '../gossipsub/extensions.js'
export { SignatureVerifier, type KeyDecoder } from '../gossipsub/signing.js'
export { identityFromSeed, PeerVerifier, type Identity, type SignaturePolicy } from '../core/identity.js'

export { buildNode, type NodeConfig, type NodeHost, type Cores } from '../node/builder.js'
export { GrapevineNode, type NodeEvents, type NodeInfo, type NodeRuntime } from '../node/node.js'
export { NodeState, RESERVED_PREFIXES, type StateEntry } from '../node/state.js'
export { PubSub, Topic, Subscription, type Message, type SubscribeOptions, type PublishOptions, type Validator } from '../node/pubsub.js'
export { TopicDiscovery, TOPIC_KEY_PREFIX, DEFAULT_TOPIC_DISCOVERY, type TopicDiscoveryConfig } from '../node/discovery.js'

export { runStateScenario, type StateScenarioOptions, type StateScenarioResult } from '../scenarios/state.js'
export { runMembershipScenario, type MembershipScenarioOptions, type MembershipScenarioResult } from '../scenarios/membership.js'
export { runBroadcastScenario, type BroadcastScenarioOptions, type BroadcastScenarioResult } from '../scenarios/broadcast.js'
export { runPubsubScenario, type PubsubScenarioOptions, type PubsubScenarioResult } from '../scenarios/pubsub.js'
export { runChurnScenario, DEFAULT_CHURN_SCENARIO, type ChurnScenarioOptions, type ChurnScenarioResult } from '../scenarios/state-churn.js'

export { Cyclon, DEFAULT_CYCLON, type CyclonConfig, type CyclonMessage } from '../baselines/cyclon.js'
export { Scamp, DEFAULT_SCAMP, type ScampConfig, type ScampMessage } from '../baselines/scamp.js'
export { Gossip, DEFAULT_GOSSIP, type GossipConfig, type PartialView } from '../baselines/gossip.js'
export { runFailureRun, type FailureRunOptions, type FailureRunResult, type PaperProtocol } from '../scenarios/baselines.js'
