/**
 * GossipSub's settings, with the defaults of the libp2p specs (pubsub/gossipsub v1.0 "Parameters", v1.1
 * "Peer Scoring" and "Spam Protection", v1.2 IDONTWANT, v1.3 Extensions) and go-libp2p-pubsub where the spec leaves a
 * choice; its events, publish result and counters.
 */
import { checkConfig, checkNumbers } from '../core/config.js'
import type { NodeId } from '../core/protocol.js'
import type { RPC } from '../wire/rpc.js'
import { DEFAULT_RPC_LIMITS, type RpcLimits } from './codec.js'
import { emptyExtensionStats, type ExtensionStats } from './extensions.js'
import type { HistoryBounds } from './history.js'
import { DEFAULT_SCORE_PARAMS, DEFAULT_THRESHOLDS, type PeerScoreParams, type PeerScoreThresholds } from './score.js'
import type { KeyDecoder, Rejection, SignaturePolicy, SignatureVerifier } from './signing.js'

/** The protocol ids GossipSub answers to, newest first (v1.3, v1.2, v1.1, v1.0). */
export const MESHSUB_PROTOCOLS: readonly string[] = ['/meshsub/1.3.0', '/meshsub/1.2.0', '/meshsub/1.1.0', '/meshsub/1.0.0']

export interface GossipSubConfig {
  D: number
  Dlo: number
  Dhi: number
  Dlazy: number
  Dout: number
  heartbeatMs: number
  fanoutTtlMs: number
  mcacheLength: number
  mcacheGossip: number
  seenTtlMs: number
  gossipFactor: number
  pruneBackoffMs: number
  /** A GRAFT this soon after our PRUNE costs a second behaviour penalty (the spec's graft flood). */
  graftFloodThresholdMs: number
  unsubscribeBackoffMs: number
  floodPublish: boolean
  /**
   * Graft a peer as soon as its SUBSCRIBE arrives while our mesh for the topic is below D_lo, instead of at
   * the next heartbeat (as rust-libp2p and @libp2p/gossipsub do; go-libp2p-pubsub waits, libp2p/go-libp2p-pubsub#331).
   */
  graftOnSubscribe: boolean
  /** Offer other peers when pruning (peer exchange), and follow offers. */
  doPX: boolean
  /** IDONTWANT (v1.2) is sent for messages at least this large. */
  idontwantMinBytes: number
  /** Most IHAVE messages accepted from one peer per heartbeat. */
  maxIHaveMessages: number
  /** Most message ids requested from one peer per heartbeat. */
  maxIHaveLength: number
  /** Most times a message is sent again to one peer that asks for it by IWANT. */
  gossipRetransmission: number
  /** A peer that answered our IWANT with nothing within this long broke its IHAVE promise (P7). */
  iwantFollowupMs: number
  /** How long an application validator may take. */
  validationTimeoutMs: number
  /** Most messages awaiting validation. */
  maxPendingValidation: number
  /** Most topics one peer may subscribe to (beyond it its subscriptions are ignored). */
  maxTopicsPerPeer: number
  /** Most IDONTWANT ids remembered per peer. */
  maxDontWantPerPeer: number
  /** Unreadable RPCs from one peer before it is banned. */
  maxStrikes: number
  signaturePolicy: SignaturePolicy
  /** Mesh peers kept by score when a mesh is oversubscribed. */
  Dscore: number
  /** Every this many heartbeats, graft better peers if the mesh's median score is low. */
  opportunisticGraftTicks: number
  opportunisticGraftPeers: number
  score: PeerScoreParams
  thresholds: PeerScoreThresholds
  /** Message ids; default `from ‖ seqno` (StrictSign) or SHA-256 of the data (StrictNoSign). */
  messageId?: (msg: RPC.Message) => Uint8Array<ArrayBuffer>
  /**
   * The largest message, counted as the RPC that carries it alone (its payload plus topic, author, seqno,
   * signature and key, about 150 bytes more under StrictSign with Ed25519). Default 4 MiB: @libp2p/gossipsub
   * reads RPCs of at most 4 MiB (it-length-prefixed's default), so it neither sends nor accepts more.
   * go-libp2p-pubsub refuses RPCs over 1 MiB. Larger messages are refused by `publish` and dropped on
   * receipt (counted `tooBig`).
   */
  maxMessageSize: number
  /** The largest frame read; larger ones are skipped (counted `oversize`). At least maxMessageSize, with room for control. */
  maxFrameBytes: number
  /** The codec's bounds; `limits.maxDataBytes` must be at least maxMessageSize (a too-big message must decode to be told apart). */
  limits: RpcLimits
  /** The signature checker; by default one of our own. (The simulator shares one that remembers verdicts.) */
  verifier?: SignatureVerifier
  /** Public keys other than Ed25519 (RSA, secp256k1, ECDSA authors), for the default verifier. */
  decodeKey?: KeyDecoder
  /** The protocol ids offered, newest first: a subset of MESHSUB_PROTOCOLS (e.g. without 1.3 to act as an older router). */
  protocols: readonly string[]
  /** Advertise the experimental Test Extension (v1.3) and send its message to peers that advertise it too. */
  testExtension: boolean
  /** Behaviour penalty (P7) for each Extensions control message after a peer's first RPC. */
  extensionsRepeatPenalty: number
  /**
   * Explicit peering agreements (v1.1 "Explicit Peering Agreements"): peers we always forward a topic's
   * messages to (when they subscribe to it), never graft, never gossip to, and keep connected (./direct.ts).
   */
  directPeers: readonly NodeId[]
  /** Every this many heartbeats, dial the direct peers we are not connected to (the spec recommends 5 minutes). */
  directConnectTicks: number
  /** The first dial of the direct peers, this long after start. */
  directConnectInitialDelayMs: number
  /**
   * Per-topic history for late subscribers (grapevine's own, ./history.ts; 0: off, the default): keep the
   * last `historyMessages` messages of each subscribed topic, at most `historyBytes` payload bytes and
   * `historyMs` old, and offer their ids (one IHAVE) to each peer that joins our mesh for the topic.
   */
  historyMessages: number
  /** The history's payload bytes per topic (default 1 MiB). */
  historyBytes: number
  /** The history's age limit (default 120 s). */
  historyMs: number
  /** Per-topic overrides of the three history bounds (e.g. `{ blocks: { messages: 64 } }` with historyMessages 0: only that topic keeps one). */
  historyTopics: Readonly<Record<string, Partial<HistoryBounds>>>
}

export const DEFAULT_GOSSIPSUB: GossipSubConfig = {
  D: 6,
  Dlo: 4,
  Dhi: 12,
  Dlazy: 6,
  Dout: 2,
  heartbeatMs: 1000,
  fanoutTtlMs: 60_000,
  mcacheLength: 5,
  mcacheGossip: 3,
  seenTtlMs: 120_000,
  gossipFactor: 0.25,
  pruneBackoffMs: 60_000,
  graftFloodThresholdMs: 10_000,
  unsubscribeBackoffMs: 10_000,
  floodPublish: true,
  graftOnSubscribe: true,
  doPX: false,
  idontwantMinBytes: 1024,
  maxIHaveMessages: 10,
  maxIHaveLength: 5000,
  gossipRetransmission: 3,
  iwantFollowupMs: 3_000,
  validationTimeoutMs: 5_000,
  maxPendingValidation: 4096,
  maxTopicsPerPeer: 1024,
  maxDontWantPerPeer: 4096,
  maxStrikes: 5,
  signaturePolicy: 'StrictSign',
  Dscore: 4,
  opportunisticGraftTicks: 60,
  opportunisticGraftPeers: 2,
  score: DEFAULT_SCORE_PARAMS,
  thresholds: DEFAULT_THRESHOLDS,
  maxMessageSize: 4 * 1024 * 1024,
  maxFrameBytes: DEFAULT_RPC_LIMITS.maxDataBytes,
  limits: DEFAULT_RPC_LIMITS,
  protocols: MESHSUB_PROTOCOLS,
  testExtension: false,
  extensionsRepeatPenalty: 1,
  directPeers: [],
  directConnectTicks: 300,
  directConnectInitialDelayMs: 1000,
  historyMessages: 0,
  historyBytes: 1024 * 1024,
  historyMs: 120_000,
  historyTopics: {}
}

export type GossipSubTimer = { kind: 'heartbeat', token: number } | { kind: 'validation', key: string, token: number } | { kind: 'direct-connect', token: number }

export type ValidationResult = 'accept' | 'reject' | 'ignore'

export type GossipSubEvent =
  /** A message for a topic we subscribe to: deliver it to the application. */
  | { type: 'message', topic: string, id: Uint8Array<ArrayBuffer>, data: Uint8Array, from: NodeId | null, propagationSource: NodeId | null, msg: RPC.Message }
  /** A peer subscribed to or left a topic. */
  | { type: 'subscription', peer: NodeId, topic: string, subscribed: boolean }
  /** Ask the application's validator; answer with `reportValidation(now, key, result)`. */
  | { type: 'validate', key: string, id: Uint8Array, topic: string, msg: RPC.Message, from: NodeId }
  | { type: 'rejected', peer: NodeId, reason: Rejection | 'validator' | 'validation-timeout' | 'too-big' }

/**
 * Why a publish did not go to one of its target peers: `slow-peer` — its send queue stayed full longer
 * than the publisher waits for one peer (`slowPeerMs`), so it was not tried; `queue-full` — the driver
 * refused it (its queue was full at the moment of sending).
 */
export type SkipReason = 'slow-peer' | 'queue-full'

export interface PublishResult {
  id: Uint8Array<ArrayBuffer>
  /** Peers the message was queued to: the driver writes it to each unless that connection dies. */
  recipients: number
  /** Target peers it did not go to (`skippedPeers` says who and why). */
  skipped: number
  skippedPeers: Array<{ peer: string, reason: SkipReason }>
  /** Why nobody got it, when recipients is 0 (and we are not subscribed ourselves). */
  reason?: 'no-peers-in-topic' | 'all-peers-skipped'
}

export interface PublishRouting {
  /** Target peers not to send to: their queues stayed full (reported as `slow-peer`). */
  skip?: ReadonlySet<string>
}

export interface GossipSubStats extends ExtensionStats {
  /** RPCs ignored because their sender's score is under the graylist threshold. */
  graylisted: number
  published: number
  delivered: number
  duplicates: number
  rejected: number
  ignored: number
  forwarded: number
  ihaveSent: number
  iwantSent: number
  iwantServed: number
  graftsSent: number
  prunesSent: number
  idontwantSent: number
  idontwantSkips: number
  brokenPromises: number
  /** IWANT promises kept by a message from the owing peer whose id matched none of its promises (ids named differently). */
  promisesKeptUnmatched: number
  malformed: number
  /** Messages over maxMessageSize, dropped (and marked seen, so never asked for again). */
  tooBig: number
  /** Frames over maxFrameBytes, skipped by the driver. */
  oversize: number
  /** Message ids received in another implementation's scheme and made canonical (./msgid.ts). */
  idsTranslated: number
  /** Message ids sent in another implementation's scheme. */
  idsRendered: number
  /** RPCs from peers the driver had not announced (dropped). */
  fromUnknownPeers: number
  /** Published messages not sent to a target peer whose queue stayed full (`slow-peer`). */
  publishSkippedSlow: number
  /** Published messages the driver refused for a target peer (`queue-full`). */
  publishQueueFull: number
  /** Forwarded messages the driver refused (the peer's queue was full): dropped. */
  forwardQueueFull: number
  /** Every RPC the driver refused, of any kind (publish, forward, gossip, control). */
  sendRefused: number
  /**
   * RPCs received and their parts, counted as @libp2p/gossipsub counts them: every decoded RPC (graylisted
   * ones too), the subscriptions and messages in them (before dedup), the RPCs with a control part, and
   * that part's entries (an IHAVE entry is one topic's ids, a GRAFT one topic).
   */
  rpcsReceived: number
  subscriptionsReceived: number
  messagesReceived: number
  controlReceived: number
  ihavesReceived: number
  iwantsReceived: number
  graftsReceived: number
  prunesReceived: number
  /** Message ids in the IDONTWANTs taken from peers (not graylisted). */
  idontwantIdsReceived: number
  /** RPCs the driver accepted to send, and the subscriptions and messages in them. */
  rpcsSent: number
  subscriptionsSent: number
  messagesSent: number
  /** IHAVEs of a topic's history sent to peers joining our mesh (./history.ts). */
  historyIHaves: number
  /** Messages served to IWANTs from the history (no longer in the message cache). */
  historyServed: number
}

export function emptyStats (): GossipSubStats {
  return {
    graylisted: 0, published: 0, delivered: 0, duplicates: 0, rejected: 0, ignored: 0, forwarded: 0, ihaveSent: 0, iwantSent: 0,
    iwantServed: 0, graftsSent: 0, prunesSent: 0, idontwantSent: 0, idontwantSkips: 0, brokenPromises: 0, promisesKeptUnmatched: 0, malformed: 0,
    tooBig: 0, oversize: 0, idsTranslated: 0, idsRendered: 0, fromUnknownPeers: 0,
    publishSkippedSlow: 0, publishQueueFull: 0, forwardQueueFull: 0, sendRefused: 0,
    rpcsReceived: 0, subscriptionsReceived: 0, messagesReceived: 0, controlReceived: 0, ihavesReceived: 0, iwantsReceived: 0,
    graftsReceived: 0, prunesReceived: 0, idontwantIdsReceived: 0, rpcsSent: 0, subscriptionsSent: 0, messagesSent: 0, historyIHaves: 0, historyServed: 0,
    ...emptyExtensionStats()
  }
}

/** The defaults filled in; a raised maxMessageSize raises the frame and codec limits it needs, unless they were given. */
export function resolveGossipSub (given: Partial<GossipSubConfig>): GossipSubConfig {
  const c = { ...DEFAULT_GOSSIPSUB, ...given }
  const room = c.maxMessageSize + 64 * 1024
  if (given.maxFrameBytes === undefined) c.maxFrameBytes = Math.max(c.maxFrameBytes, room)
  if (given.limits?.maxDataBytes === undefined) c.limits = { ...c.limits, maxDataBytes: Math.max(c.limits.maxDataBytes, room) }
  return c
}

export function validateGossipSub (c: GossipSubConfig): void {
  checkConfig(c.Dlo <= c.D && c.D <= c.Dhi, `gossipsub needs Dlo ≤ D ≤ Dhi (got ${c.Dlo}, ${c.D}, ${c.Dhi})`)
  checkConfig(c.Dout < c.Dlo && c.Dout <= c.D / 2, `gossipsub needs Dout < Dlo and Dout ≤ D/2 (got Dout ${c.Dout})`)
  checkNumbers('gossipsub', c, { heartbeatMs: 'positive', fanoutTtlMs: 'positive', seenTtlMs: 'positive', mcacheLength: 'positive', mcacheGossip: 'positive', maxFrameBytes: 'positive', maxStrikes: 'whole' })
  checkNumbers('gossipsub', c, { maxMessageSize: 'positive' })
  checkConfig(c.limits.maxDataBytes >= c.maxMessageSize, `gossipsub.limits.maxDataBytes (${c.limits.maxDataBytes}) must be at least maxMessageSize (${c.maxMessageSize}): raise it with maxMessageSize`)
  checkConfig(c.maxFrameBytes >= c.maxMessageSize, `gossipsub.maxFrameBytes (${c.maxFrameBytes}) must be at least maxMessageSize (${c.maxMessageSize}): raise it with maxMessageSize`)
  checkConfig(c.mcacheGossip <= c.mcacheLength, 'gossipsub.mcacheGossip must not exceed mcacheLength')
  checkConfig(Array.isArray(c.protocols) && c.protocols.length > 0 && c.protocols.every(p => MESHSUB_PROTOCOLS.includes(p)),
    `gossipsub.protocols must be a non-empty list of ${MESHSUB_PROTOCOLS.join(', ')} (got ${String(c.protocols)})`)
  checkNumbers('gossipsub', c, { extensionsRepeatPenalty: 'whole', directConnectTicks: 'whole', directConnectInitialDelayMs: 'count' })
  checkNumbers('gossipsub', c, { historyMessages: 'count', historyBytes: 'positive', historyMs: 'positive' })
  checkConfig(typeof c.historyTopics === 'object' && c.historyTopics !== null && Object.values(c.historyTopics).every(b => typeof b === 'object' && b !== null &&
    Object.values(b).every(v => typeof v === 'number' && v >= 0)), 'gossipsub.historyTopics must map topics to { messages?, bytes?, ms? } with numbers ≥ 0')
  checkConfig(Array.isArray(c.directPeers) && c.directPeers.every(p => typeof p === 'string' && p !== ''), 'gossipsub.directPeers must be a list of peer ids')
}

/** A topic's history bounds: the router-wide ones, overridden by `historyTopics[topic]`. */
export function historyBounds (c: GossipSubConfig, topic: string): HistoryBounds {
  const o = c.historyTopics[topic]
  return { messages: o?.messages ?? c.historyMessages, bytes: o?.bytes ?? c.historyBytes, ms: o?.ms ?? c.historyMs }
}
