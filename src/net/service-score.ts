/**
 * @libp2p/gossipsub 17's score parameters (src/score/peer-score-params.ts) mapped onto the router's
 * (src/gossipsub/score.ts): the global ones, and per-topic ones completed with @libp2p/gossipsub's topic
 * defaults and checked by its rules (`validateTopicScoreParams`). Times are milliseconds on both sides; the
 * router's names end in `Ms`. `appSpecificScore` is not part of the router's parameters: the service calls
 * it once per heartbeat and hands the values to the router (service.ts).
 */
import { UsageError } from '../core/errors.js'
import { DEFAULT_GOSSIPSUB } from '../gossipsub/gossipsub.js'
import type { PeerScoreParams, TopicScoreParams } from '../gossipsub/score.js'

/** One topic's score parameters under @libp2p/gossipsub's names. */
export interface TopicScoreParamsInit {
  topicWeight: number
  timeInMeshWeight: number
  timeInMeshQuantum: number
  timeInMeshCap: number
  firstMessageDeliveriesWeight: number
  firstMessageDeliveriesDecay: number
  firstMessageDeliveriesCap: number
  meshMessageDeliveriesWeight: number
  meshMessageDeliveriesDecay: number
  meshMessageDeliveriesCap: number
  meshMessageDeliveriesThreshold: number
  meshMessageDeliveriesWindow: number
  meshMessageDeliveriesActivation: number
  meshFailurePenaltyWeight: number
  meshFailurePenaltyDecay: number
  invalidMessageDeliveriesWeight: number
  invalidMessageDeliveriesDecay: number
}

/** @libp2p/gossipsub's score parameters. */
export interface ScoreParamsInit {
  topics: Record<string, Partial<TopicScoreParamsInit>>
  topicScoreCap: number
  /** P5: called once per heartbeat for each connected pubsub peer (see service.ts). */
  appSpecificScore: (peerId: string) => number
  appSpecificWeight: number
  IPColocationFactorWeight: number
  IPColocationFactorThreshold: number
  IPColocationFactorWhitelist: Set<string>
  behaviourPenaltyWeight: number
  behaviourPenaltyThreshold: number
  behaviourPenaltyDecay: number
  decayInterval: number
  decayToZero: number
  retainScore: number
}

/** @libp2p/gossipsub's `defaultTopicScoreParams`: what a topic's missing parameters default to. */
export const JS_TOPIC_SCORE_PARAMS: TopicScoreParamsInit = {
  topicWeight: 0.5,
  timeInMeshWeight: 1,
  timeInMeshQuantum: 1,
  timeInMeshCap: 3600,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 2000,
  meshMessageDeliveriesWeight: -1,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 20,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: -1,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -1,
  invalidMessageDeliveriesDecay: 0.3
}

/**
 * @libp2p/gossipsub's default score settings, which differ from the router's own: no topic is scored unless
 * configured (grapevine's nodes score every topic, so one message rejected by a validator there graylists
 * its sender), and its weights and thresholds.
 */
const JS_SCORE_PARAMS: PeerScoreParams = {
  ...DEFAULT_GOSSIPSUB.score,
  topics: {},
  defaultTopic: undefined,
  topicScoreCap: 10,
  appSpecificWeight: 10,
  ipColocationFactorWeight: -5,
  ipColocationFactorThreshold: 10,
  ipColocationFactorWhitelist: [],
  behaviourPenaltyWeight: -10,
  behaviourPenaltyThreshold: 0,
  behaviourPenaltyDecay: 0.2,
  decayIntervalMs: 1000,
  decayToZero: 0.1,
  retainScoreMs: 3600 * 1000
}

/** The router's score parameters for @libp2p/gossipsub's `scoreParams` (its defaults where absent). */
export function scoreConfig (sp: Partial<ScoreParamsInit>): PeerScoreParams {
  const p: Partial<PeerScoreParams> = {}
  if (sp.topics !== undefined) p.topics = topicsConfig(sp.topics)
  if (sp.topicScoreCap !== undefined) p.topicScoreCap = sp.topicScoreCap
  if (sp.appSpecificWeight !== undefined) p.appSpecificWeight = sp.appSpecificWeight
  if (sp.IPColocationFactorWeight !== undefined) p.ipColocationFactorWeight = sp.IPColocationFactorWeight
  if (sp.IPColocationFactorThreshold !== undefined) p.ipColocationFactorThreshold = sp.IPColocationFactorThreshold
  if (sp.IPColocationFactorWhitelist !== undefined) p.ipColocationFactorWhitelist = [...sp.IPColocationFactorWhitelist]
  if (sp.behaviourPenaltyWeight !== undefined) p.behaviourPenaltyWeight = sp.behaviourPenaltyWeight
  if (sp.behaviourPenaltyThreshold !== undefined) p.behaviourPenaltyThreshold = sp.behaviourPenaltyThreshold
  if (sp.behaviourPenaltyDecay !== undefined) p.behaviourPenaltyDecay = sp.behaviourPenaltyDecay
  if (sp.decayInterval !== undefined) p.decayIntervalMs = sp.decayInterval
  if (sp.decayToZero !== undefined) p.decayToZero = sp.decayToZero
  if (sp.retainScore !== undefined) p.retainScoreMs = sp.retainScore
  if (sp.appSpecificScore !== undefined && typeof sp.appSpecificScore !== 'function') throw new UsageError('ERR_CONFIG', 'scoreParams.appSpecificScore must be a function (peerId: string) => number')
  if ((p.topicScoreCap ?? 0) < 0) throw new UsageError('ERR_CONFIG', 'scoreParams.topicScoreCap must be positive, or 0 for no cap')
  return { ...JS_SCORE_PARAMS, ...p }
}

/** Each configured topic's parameters, completed with @libp2p/gossipsub's defaults, checked and renamed. */
function topicsConfig (topics: Record<string, Partial<TopicScoreParamsInit>>): Record<string, TopicScoreParams> {
  const out: Record<string, TopicScoreParams> = {}
  for (const [topic, given] of Object.entries(topics)) {
    const t = { ...JS_TOPIC_SCORE_PARAMS, ...given }
    const problem = topicProblem(t)
    if (problem !== undefined) throw new UsageError('ERR_CONFIG', `scoreParams.topics[${JSON.stringify(topic)}]: ${problem}`)
    out[topic] = topicParams(t)
  }
  return out
}

/** A topic's parameters under the router's names (the same units: milliseconds). */
function topicParams (t: TopicScoreParamsInit): TopicScoreParams {
  return {
    topicWeight: t.topicWeight,
    timeInMeshWeight: t.timeInMeshWeight,
    timeInMeshQuantumMs: t.timeInMeshQuantum,
    timeInMeshCap: t.timeInMeshCap,
    firstMessageDeliveriesWeight: t.firstMessageDeliveriesWeight,
    firstMessageDeliveriesDecay: t.firstMessageDeliveriesDecay,
    firstMessageDeliveriesCap: t.firstMessageDeliveriesCap,
    meshMessageDeliveriesWeight: t.meshMessageDeliveriesWeight,
    meshMessageDeliveriesDecay: t.meshMessageDeliveriesDecay,
    meshMessageDeliveriesThreshold: t.meshMessageDeliveriesThreshold,
    meshMessageDeliveriesCap: t.meshMessageDeliveriesCap,
    meshMessageDeliveriesActivationMs: t.meshMessageDeliveriesActivation,
    meshMessageDeliveriesWindowMs: t.meshMessageDeliveriesWindow,
    meshFailurePenaltyWeight: t.meshFailurePenaltyWeight,
    meshFailurePenaltyDecay: t.meshFailurePenaltyDecay,
    invalidMessageDeliveriesWeight: t.invalidMessageDeliveriesWeight,
    invalidMessageDeliveriesDecay: t.invalidMessageDeliveriesDecay
  }
}

const decay = (x: number): boolean => x > 0 && x < 1

/** What is wrong with a topic's parameters, by @libp2p/gossipsub's rules (`validateTopicScoreParams`); undefined if nothing. */
function topicProblem (t: TopicScoreParamsInit): string | undefined {
  const rules: Array<[boolean, string]> = [
    [t.topicWeight >= 0, 'topicWeight must be ≥ 0'],
    [t.timeInMeshWeight >= 0, 'timeInMeshWeight must be positive (or 0 to turn P1 off)'],
    [t.timeInMeshQuantum > 0, 'timeInMeshQuantum must be a positive number of milliseconds'],
    [t.timeInMeshWeight === 0 || t.timeInMeshCap > 0, 'timeInMeshCap must be positive'],
    [t.firstMessageDeliveriesWeight >= 0, 'firstMessageDeliveriesWeight must be positive (or 0 to turn P2 off)'],
    [t.firstMessageDeliveriesWeight === 0 || decay(t.firstMessageDeliveriesDecay), 'firstMessageDeliveriesDecay must be between 0 and 1'],
    [t.firstMessageDeliveriesWeight === 0 || t.firstMessageDeliveriesCap > 0, 'firstMessageDeliveriesCap must be positive'],
    [t.meshMessageDeliveriesWeight <= 0, 'meshMessageDeliveriesWeight must be negative (or 0 to turn P3 off)'],
    [t.meshMessageDeliveriesWeight === 0 || decay(t.meshMessageDeliveriesDecay), 'meshMessageDeliveriesDecay must be between 0 and 1'],
    [t.meshMessageDeliveriesWeight === 0 || t.meshMessageDeliveriesCap > 0, 'meshMessageDeliveriesCap must be positive'],
    [t.meshMessageDeliveriesWeight === 0 || t.meshMessageDeliveriesThreshold > 0, 'meshMessageDeliveriesThreshold must be positive'],
    [t.meshMessageDeliveriesWindow >= 0, 'meshMessageDeliveriesWindow must be ≥ 0 milliseconds'],
    [t.meshMessageDeliveriesWeight === 0 || t.meshMessageDeliveriesActivation >= 1000, 'meshMessageDeliveriesActivation must be at least 1000 milliseconds'],
    [t.meshFailurePenaltyWeight <= 0, 'meshFailurePenaltyWeight must be negative (or 0 to turn P3b off)'],
    [t.meshFailurePenaltyWeight === 0 || decay(t.meshFailurePenaltyDecay), 'meshFailurePenaltyDecay must be between 0 and 1'],
    [t.invalidMessageDeliveriesWeight <= 0, 'invalidMessageDeliveriesWeight must be negative (or 0 to turn P4 off)'],
    [decay(t.invalidMessageDeliveriesDecay), 'invalidMessageDeliveriesDecay must be between 0 and 1']
  ]
  return rules.find(([ok]) => !ok)?.[1]
}
