/**
 * grapevine's public API.
 */
export * from './core/errors.js'
export * from './core/protocol.js'
export { Rng } from './core/rng.js'
export { type PeerSampling, UniformPeerSampling } from './core/sampling.js'
export * from './state/antientropy.js'
export type { Entry, Digest, DigestEntry, OriginDelta, StateMessage } from './state/messages.js'
export { StateCodec, DEFAULT_CODEC_LIMITS, type StateCodecLimits } from './state/codec.js'
export { Simulator, SimNode, type SimOptions, type NodeContext, type NodeFactory, type Traffic } from './sim/simulator.js'
export { UniformLinkLatency, ConstantLatency, type LatencyModel } from './sim/network.js'
export { runStateScenario, type StateScenarioOptions, type StateScenarioResult } from './sim/scenarios/state.js'
