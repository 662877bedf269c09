/**
 * HyParView's settings, their defaults and checks, its timers, events and counters (./hyparview.ts).
 * The defaults and their reasons are in ARCHITECTURE.md ("HyParView").
 */
import { checkConfig, checkNumbers } from '../core/config.js'
import type { NodeId } from '../core/protocol.js'
import { DEFAULT_MEMBERSHIP_LIMITS, type MembershipCodecLimits } from './codec.js'

export interface HyParViewConfig {
  /** Active view size (the paper: fanout + 1). */
  activeSize: number
  passiveSize: number
  /** Active random walk length: hops a FORWARDJOIN travels. */
  arwl: number
  /** Passive random walk length: the hop at which the newcomer enters a passive view. */
  prwl: number
  /** Active peers a shuffle carries. */
  shuffleKa: number
  /** Passive peers a shuffle carries. */
  shuffleKp: number
  /** Hops of a shuffle's random walk. */
  shuffleTtl: number
  shufflePeriodMs: number
  /**
   * While shuffles teach nothing (the answer names no peer we did not know), the period doubles up to this;
   * anything new — a peer learned, a neighbour lost — brings it back to `shufflePeriodMs`. Unset, it equals
   * `shufflePeriodMs` (never slows: the paper's cycles); whole nodes use 60 s, so a settled
   * cluster's walks stop costing an idle node most of its CPU.
   */
  shuffleIdlePeriodMs: number
  /**
   * How a shuffle's answer reaches an origin that is not an active neighbour: `dial` — a connection of its
   * own, as the paper's temporary TCP connection; `walk` — back along the walk's path, hop by hop over
   * active links (each SHUFFLE carries its forwarders). On a real network a connection costs a handshake,
   * identify and stream negotiations at both ends — most of an idle node's CPU — so whole nodes use `walk`.
   */
  shuffleReplyVia: 'dial' | 'walk'
  /** The repair tick: keep-alives, silent-peer detection, NEIGHBOR expiry, join retry, refilling. */
  repairPeriodMs: number
  /** Send a KEEPALIVE on an active link that carried nothing from us for this long. */
  keepAliveIntervalMs: number
  /** An active peer silent for this long is taken as failed. */
  keepAliveTimeoutMs: number
  /** A NEIGHBOR request unanswered for this long has failed. */
  neighborTimeoutMs: number
  /** A JOIN unanswered for this long is sent again. */
  joinTimeoutMs: number
  /**
   * A passive peer that turned down a low-priority NEIGHBOR (its active view is full) is not asked again
   * for this long, doubled at each further refusal up to `refusedRetryMaxMs` (reset when it accepts).
   */
  refusedRetryMs: number
  refusedRetryMaxMs: number
  /** Periods are stretched or shrunk by up to this fraction, at random. */
  jitter: number
  /** Malformed messages from one peer before it is dropped. */
  maxStrikes: number
  /**
   * Dials to peers named by others (passive peers promoted, newcomers at the end of a FORWARDJOIN walk,
   * origins of shuffles we answer) the node may make at once; one more every `dialIntervalMs`.
   */
  dialBurst: number
  dialIntervalMs: number
  /** Of those, dials caused by what one source (the neighbour that named the peers) said; one more every `sourceDialIntervalMs`. */
  sourceDialBurst: number
  sourceDialIntervalMs: number
  /** Passive peers named by one source alone, at most; also the most peers one shuffle or reply may add. */
  maxPassivePerSource: number
  /**
   * Peers that were in our views kept in the reserve (./reserve.ts; 0: none), tried when both views are
   * empty; a pass over it that finds nobody is repeated after `reserveRetryMs`, doubled up to `reserveRetryMaxMs`.
   */
  reserveSize: number
  reserveRetryMs: number
  reserveRetryMaxMs: number
  /** How this node can be dialled (a real network fills this in; the simulator leaves it empty). */
  selfAddrs: readonly Uint8Array[]
  /** The sequence number of this node's signed record (the network uses the wall clock at start, so a restarted node's record replaces its old one). */
  recordSeq: number
  maxFrameBytes: number
  codec: MembershipCodecLimits
}

export const DEFAULT_HYPARVIEW: HyParViewConfig = {
  activeSize: 5,
  passiveSize: 30,
  arwl: 6,
  prwl: 3,
  shuffleKa: 3,
  shuffleKp: 4,
  shuffleTtl: 6,
  shufflePeriodMs: 10_000,
  shuffleIdlePeriodMs: 10_000,
  shuffleReplyVia: 'dial',
  repairPeriodMs: 1_000,
  keepAliveIntervalMs: 5_000,
  keepAliveTimeoutMs: 15_000,
  neighborTimeoutMs: 2_000,
  joinTimeoutMs: 5_000,
  refusedRetryMs: 10_000,
  refusedRetryMaxMs: 120_000,
  jitter: 0.1,
  maxStrikes: 5,
  dialBurst: 30,
  dialIntervalMs: 100,
  sourceDialBurst: 8,
  sourceDialIntervalMs: 1_000,
  maxPassivePerSource: 8,
  reserveSize: 128,
  reserveRetryMs: 1_000,
  reserveRetryMaxMs: 60_000,
  selfAddrs: [],
  recordSeq: 0,
  maxFrameBytes: 64 * 1024,
  codec: DEFAULT_MEMBERSHIP_LIMITS
}

export type MembershipTimer = { kind: 'repair', token: number } | { kind: 'shuffle', token: number }

export type NeighborDownReason = 'failed' | 'disconnected' | 'evicted' | 'left'

export type MembershipEvent =
  | { type: 'neighborUp', peer: NodeId }
  | { type: 'neighborDown', peer: NodeId, reason: NeighborDownReason }

export interface HyParViewStats {
  joinsHandled: number
  forwardJoins: number
  neighborRequests: number
  neighborAccepted: number
  neighborRejected: number
  /** Refill rounds that passed over passive peers still waiting out a refusal (`refusedRetryMs`). */
  refusedWaiting: number
  neighborFailed: number
  failuresDetected: number
  silentPeers: number
  evictions: number
  shufflesStarted: number
  shufflesAnswered: number
  keepAlivesSent: number
  malformed: number
  unsolicited: number
  /** SHUFFLEs and FORWARDJOINs from peers outside the active view, refused (they travel along active links only). */
  fromStrangers: number
  /** Peers beyond `maxPassivePerSource` in one shuffle or reply, ignored. */
  excessPeers: number
  /** Dials to peers named by others, made (each within the budget). */
  dials: number
  /** Dials to peers named by others that the budget put off (a promotion waits, a walk end keeps the newcomer as a passive peer, a shuffle goes unanswered). */
  dialsDeferred: number
  /** Peer records without their peer's good signature (nodes with identities only), not believed. */
  badRecords: number
  /** Shuffle answers passed on towards their origin (`shuffleReplyVia: 'walk'`). */
  shuffleRepliesRelayed: number
  /** Shuffle answers that could not be passed on: the next hop back had left our active view. */
  shuffleRepliesLost: number
  /** Peers taken back from the reserve into the passive view while both views were empty. */
  reserveTried: number
}

export function checkHyParViewConfig (c: HyParViewConfig): void {
  checkNumbers('membership', c, {
    activeSize: 'whole', passiveSize: 'whole', arwl: 'whole', shuffleTtl: 'whole', maxStrikes: 'whole', prwl: 'count', shuffleKa: 'count', shuffleKp: 'count',
    shufflePeriodMs: 'positive', shuffleIdlePeriodMs: 'positive', repairPeriodMs: 'positive', keepAliveIntervalMs: 'positive', keepAliveTimeoutMs: 'positive',
    neighborTimeoutMs: 'positive', joinTimeoutMs: 'positive', refusedRetryMs: 'positive', refusedRetryMaxMs: 'positive', maxFrameBytes: 'positive', jitter: 'fraction',
    dialBurst: 'whole', dialIntervalMs: 'positive', sourceDialBurst: 'whole', sourceDialIntervalMs: 'positive', maxPassivePerSource: 'whole',
    recordSeq: 'count', reserveSize: 'count', reserveRetryMs: 'positive', reserveRetryMaxMs: 'positive'
  })
  checkConfig(Number.isSafeInteger(c.recordSeq), `membership.recordSeq must be a safe integer (got ${c.recordSeq})`)
  checkConfig(c.prwl <= c.arwl, `membership.prwl must be between 0 and arwl (${c.arwl}) (got ${c.prwl})`)
  checkConfig(c.shuffleKa + c.shuffleKp + 1 <= c.codec.maxShufflePeers, `a shuffle of ${c.shuffleKa + c.shuffleKp + 1} peers exceeds codec.maxShufflePeers (${c.codec.maxShufflePeers})`)
  checkConfig(c.arwl <= c.codec.maxTtl && c.shuffleTtl <= c.codec.maxTtl, `walk lengths must not exceed codec.maxTtl (${c.codec.maxTtl})`)
  checkConfig(c.keepAliveTimeoutMs > c.keepAliveIntervalMs, 'membership.keepAliveTimeoutMs must exceed keepAliveIntervalMs')
  checkConfig(c.shuffleIdlePeriodMs >= c.shufflePeriodMs, `membership.shuffleIdlePeriodMs must be at least shufflePeriodMs (${c.shufflePeriodMs})`)
  checkConfig(c.shuffleReplyVia === 'dial' || c.shuffleReplyVia === 'walk', `membership.shuffleReplyVia is 'dial' or 'walk' (got ${String(c.shuffleReplyVia)})`)
}
