/**
 * Graded misbehaviour: what a peer's bad or unwelcome input costs it. Implementations differ in limits and
 * timing, so only what no honest peer sends is punished hard (libp2p specs pubsub/gossipsub v1.1 "Peer
 * Scoring" P4 and P7 leave the grading to the router):
 *   - bytes that do not decode, or a broken stream: a behaviour penalty (P7) and a strike; at `maxStrikes`
 *     strikes a ban ("N unreadable RPCs");
 *   - an invalid message: P4; a bad signature is also a strike (peers check signatures before they relay),
 *     and `maxStrikes` of them a ban ("N invalid signatures");
 *   - a frame over maxFrameBytes (skipped unread by the driver): counted `oversize`, a quarter of a behaviour penalty,
 *     no strike — another implementation may allow larger messages;
 *   - a message over maxMessageSize: counted `tooBig` and dropped, no penalty (see the router).
 * Each sanction is reported with its reason, each drop counted.
 */
import { UsageError, type PeerError } from '../core/errors.js'
import type { Env, NodeId } from '../core/protocol.js'
import { Strikes } from '../core/strikes.js'
import type { RPC } from '../wire/rpc.js'
import type { GossipSubEvent, GossipSubStats, GossipSubTimer } from './config.js'
import type { IWantPromises } from './promises.js'
import type { PeerScore } from './score.js'
import type { Rejection } from './signing.js'

export class Grading {
  private readonly strikes: Strikes
  private readonly signatureStrikes: Strikes

  constructor (
    private readonly io: Env<RPC, GossipSubTimer, GossipSubEvent>['io'],
    private readonly score: PeerScore,
    private readonly stats: GossipSubStats,
    private readonly promises: IWantPromises,
    private readonly limits: { maxStrikes: number, maxFrameBytes: number }
  ) {
    this.strikes = new Strikes(limits.maxStrikes)
    this.signatureStrikes = new Strikes(limits.maxStrikes)
  }

  /** A frame from `from` that we could not read. */
  malformed (from: NodeId, error: PeerError): void {
    if (error.code === 'ERR_FRAME_TOO_LARGE') {
      this.stats.oversize++
      this.score.addPenalty(from, 0.25)
      // It answers an IWANT as well as a readable reply would.
      this.promises.deliveredBy(from)
      this.io.report(from, 'penalise', `RPC over maxFrameBytes (${this.limits.maxFrameBytes})`)
      return
    }
    this.stats.malformed++
    this.score.addPenalty(from)
    if (this.strikes.strike(from)) this.io.report(from, 'ban', `${this.limits.maxStrikes} unreadable RPCs`)
  }

  /** An invalid message from `from`. */
  rejected (from: NodeId, topic: string, reason: Rejection | 'validator'): void {
    this.stats.rejected++
    this.score.invalidMessage(from, topic)
    this.io.emit({ type: 'rejected', peer: from, reason })
    if (reason === 'bad-signature' && this.signatureStrikes.strike(from)) this.io.report(from, 'ban', `${this.limits.maxStrikes} invalid signatures`)
  }

  /** A valid message over maxMessageSize. */
  tooBig (from: NodeId): void {
    this.stats.tooBig++
    this.io.emit({ type: 'rejected', peer: from, reason: 'too-big' })
  }

  /** Broken IWANT promises: the advertiser did not deliver in time (P7). */
  brokenPromises (now: number): void {
    for (const peer of this.promises.broken(now)) {
      this.stats.brokenPromises++
      this.score.addPenalty(peer)
      this.io.report(peer, 'penalise', 'broken IWANT promise')
    }
  }
}

/** The error `publish` throws for a message over maxMessageSize. */
export function tooLarge (data: number, rpc: number, max: number): UsageError {
  return new UsageError('ERR_MESSAGE_TOO_LARGE', `a message of ${data} bytes (an RPC of ${rpc}) exceeds maxMessageSize (${max} bytes); go-libp2p peers refuse RPCs over 1 MiB, @libp2p/gossipsub over 4 MiB`)
}
