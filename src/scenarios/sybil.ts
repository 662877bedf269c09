/**
 * Sybil attackers for the GossipSub scenario (./pubsub.ts), after the attacks of the GossipSub v1.1
 * evaluation (Vyzovitis et al., "GossipSub: Attack-Resilient Message Propagation in the Filecoin and ETH2.0
 * Networks", 2020, §6; the Gossipsub-v1.1 Evaluation Report, PL-TechRep-2020-001, §7 eclipse of a single
 * target, §12 cold boot, §13 covert flash; its Testground "bad boy" Sybil):
 *
 *   - a Sybil subscribes to the topic, GRAFTs every topic peer it is connected to (its D is unbounded), keeps
 *     every peer that grafts it, and after a PRUNE grafts again once the backoff is over;
 *   - while attacking it drops every message it receives (forwards, delivers and gossips none) and answers
 *     no IWANT; before (the covert flash) it is a model router that forwards to all its peers, earning
 *     first-delivery credit and a place in the meshes.
 *
 * Scenarios: `sybil` — Sybils connect to a formed network and attack at once; `eclipse` — every Sybil
 * connects only to one honest target; `cold-boot` — the network starts with the Sybils already connected;
 * `covert-flash` — cold boot, the Sybils behave until `attackDelayMs` after publishing starts, then all
 * drop together. Scoring on: the report's topic parameters (its configs `1k-attack-*.json`), with the
 * mesh-delivery threshold and activation scaled to this scenario's message rate and length; off: every
 * weight 0 and every threshold −∞ (GossipSub v1.0's behaviour, but for the v1.1 backoff and flood publishing).
 */
import type { GossipSub, GossipSubConfig } from '../gossipsub/gossipsub.js'
import { DEFAULT_SCORE_PARAMS, type PeerScoreParams, type PeerScoreThresholds, type TopicScoreParams } from '../gossipsub/score.js'
import type { RPC } from '../wire/rpc.js'

export type SybilAttack = 'none' | 'sybil' | 'eclipse' | 'cold-boot' | 'covert-flash'
export const SYBIL_ATTACKS: readonly SybilAttack[] = ['none', 'sybil', 'eclipse', 'cold-boot', 'covert-flash']

/** The report's topic score parameters (weight 0.25, P3 weight −0.25, decay 0.997, ...), P3's threshold and activation as given. */
export function reportTopicScore (meshDeliveriesThreshold: number, activationMs: number): TopicScoreParams {
  return {
    topicWeight: 0.25,
    timeInMeshWeight: 0.0027,
    timeInMeshQuantumMs: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 0.664,
    firstMessageDeliveriesDecay: 0.9916,
    firstMessageDeliveriesCap: 1500,
    meshMessageDeliveriesWeight: -0.25,
    meshMessageDeliveriesDecay: 0.997,
    meshMessageDeliveriesThreshold: meshDeliveriesThreshold,
    meshMessageDeliveriesCap: 400,
    meshMessageDeliveriesActivationMs: activationMs,
    meshMessageDeliveriesWindowMs: 5,
    meshFailurePenaltyWeight: -0.25,
    meshFailurePenaltyDecay: 0.997,
    invalidMessageDeliveriesWeight: -99,
    invalidMessageDeliveriesDecay: 0.9994
  }
}

/** The report's thresholds (gossip −4000, publish −5000, graylist −10000, accept PX 0, opportunistic graft 0). */
export const REPORT_THRESHOLDS: PeerScoreThresholds = { gossipThreshold: -4000, publishThreshold: -5000, graylistThreshold: -10_000, acceptPXThreshold: 0, opportunisticGraftThreshold: 0 }

const NO_THRESHOLDS: PeerScoreThresholds = { gossipThreshold: -Infinity, publishThreshold: -Infinity, graylistThreshold: -Infinity, acceptPXThreshold: Infinity, opportunisticGraftThreshold: -Infinity }
const NO_SCORE: PeerScoreParams = { ...DEFAULT_SCORE_PARAMS, topics: {}, defaultTopic: undefined, appSpecificWeight: 0, ipColocationFactorWeight: 0, behaviourPenaltyWeight: 0 }

/**
 * Honest routers' settings: the report's mesh (D 8, D_lo 6, D_hi 12, D_score 6, D_lazy 12) and flood
 * publishing, with its scoring (`scoring` true) or none.
 */
export function honestConfig (scoring: boolean, p3: { threshold: number, activationMs: number }): Partial<GossipSubConfig> {
  const mesh: Partial<GossipSubConfig> = { D: 8, Dlo: 6, Dhi: 12, Dscore: 6, Dlazy: 12, floodPublish: true }
  if (!scoring) return { ...mesh, Dscore: 0, Dout: 0, score: NO_SCORE, thresholds: NO_THRESHOLDS }
  const score: PeerScoreParams = { ...DEFAULT_SCORE_PARAMS, topics: {}, defaultTopic: reportTopicScore(p3.threshold, p3.activationMs), topicScoreCap: 0, ipColocationFactorWeight: 0, retainScoreMs: 30_000 }
  return { ...mesh, score, thresholds: REPORT_THRESHOLDS }
}

/** A Sybil's router: grafts every topic peer (D unbounded), never prunes, scores nobody. */
export const SYBIL_CONFIG: Partial<GossipSubConfig> = { D: 100_000, Dlo: 100_000, Dhi: 100_000, Dscore: 0, Dout: 0, Dlazy: 0, score: NO_SCORE, thresholds: NO_THRESHOLDS }

/** Turns a router into a Sybil: while `attacking()`, the messages and IWANTs it receives are dropped unread. */
export function makeSybil (router: GossipSub, attacking: () => boolean): void {
  const onMessage = router.onMessage.bind(router)
  router.onMessage = (now: number, from: string, rpc: RPC): void => {
    if (!attacking()) return onMessage(now, from, rpc)
    const c = rpc.control
    onMessage(now, from, { ...rpc, messages: [], ...(c === undefined ? {} : { control: { ...c, iwant: [], ihave: [] } }) })
  }
}
