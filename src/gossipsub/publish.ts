/**
 * Sending a published message to its target peers, with back-pressure (ARCHITECTURE.md, "Publishing with
 * back-pressure"): peers the caller asks to skip (their send queues stayed full) are not tried; a peer whose
 * queue the driver refuses is reported too. The result says, per peer, why the message did not go to it.
 */
import type { NodeId } from '../core/protocol.js'
import type { GossipSubStats, SkipReason } from './config.js'

export interface Queued {
  recipients: number
  skippedPeers: Array<{ peer: NodeId, reason: SkipReason }>
}

/** Sends to each of `to` but those in `skip`; `send` returns false when the driver refused. */
export function queueToTargets (to: Iterable<NodeId>, skip: ReadonlySet<NodeId> | undefined, send: (peer: NodeId) => boolean, stats: GossipSubStats): Queued {
  const q: Queued = { recipients: 0, skippedPeers: [] }
  for (const p of to) {
    if (skip?.has(p) === true) {
      stats.publishSkippedSlow++
      q.skippedPeers.push({ peer: p, reason: 'slow-peer' })
    } else if (send(p)) {
      q.recipients++
    } else {
      stats.publishQueueFull++
      q.skippedPeers.push({ peer: p, reason: 'queue-full' })
    }
  }
  return q
}
