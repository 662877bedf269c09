/**
 * Prune backoff (libp2p specs pubsub/gossipsub v1.1 "Prune Backoff"): after a PRUNE, in either direction, a
 * peer must not be grafted into the topic's mesh until the backoff ends. Entries are dropped once over.
 */
import type { NodeId } from '../core/protocol.js'

export class Backoff {
  /** Topic → peer → until when. */
  private readonly until = new Map<string, Map<NodeId, number>>()

  /** Until when `peer` is backed off in `topic`, if it is at `now`. */
  active (now: number, topic: string, peer: NodeId): number | undefined {
    const t = this.until.get(topic)?.get(peer)
    return t !== undefined && t > now ? t : undefined
  }

  /** Backs `peer` off for `ms` from `now` (never shortening a longer backoff). */
  set (now: number, topic: string, peer: NodeId, ms: number): void {
    let m = this.until.get(topic)
    if (m === undefined) this.until.set(topic, m = new Map())
    m.set(peer, Math.max(m.get(peer) ?? 0, now + ms))
  }

  expire (now: number): void {
    for (const [topic, m] of this.until) {
      for (const [p, t] of m) if (t <= now) m.delete(p)
      if (m.size === 0) this.until.delete(topic)
    }
  }
}
