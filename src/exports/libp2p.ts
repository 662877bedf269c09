/**
 * `grapevine/libp2p`: grapevine's GossipSub router as a js-libp2p service, a drop-in for @libp2p/gossipsub:
 * `createLibp2p({ services: { pubsub: gossipsub(init) } })` (src/net/service.ts; README, "Using grapevine
 * from js-libp2p").
 */
import '../net/shim.js'
import { GrapevineGossipSub, type GossipSubComponents, type GossipsubInit } from '../net/service.js'

export {
  GrapevineGossipSub, TopicValidatorResult, routerConfig,
  type GossipSubComponents, type GossipSubEvents, type GossipsubInit, type GossipsubMessage, type Message, type MeshPeer, type PublishResult,
  type SignaturePolicy, type SignedMessage, type SubscriptionChangeData, type TopicValidatorFn, type UnsignedMessage
} from '../net/service.js'
export type { ScoreParamsInit, TopicScoreParamsInit } from '../net/service-score.js'

/** The service factory for `createLibp2p({ services: { pubsub: gossipsub(init) } })`. */
export function gossipsub (init: Partial<GossipsubInit> = {}): (components: GossipSubComponents) => GrapevineGossipSub {
  return (components) => new GrapevineGossipSub(components, init)
}
