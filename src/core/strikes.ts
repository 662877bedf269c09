/**
 * Counts protocol violations per peer (malformed or oversized frames) so a core can drop a peer that keeps
 * sending them. Bounded: the least recently struck peers are forgotten first.
 */
import type { NodeId } from './protocol.js'

export class Strikes {
  private readonly counts = new Map<NodeId, number>()

  constructor (readonly limit: number, readonly maxPeers = 1024) {}

  /** Records one strike against `peer`; true when it reached the limit (its count then starts over). */
  strike (peer: NodeId): boolean {
    const n = (this.counts.get(peer) ?? 0) + 1
    this.counts.delete(peer)
    if (n >= this.limit) return true
    this.counts.set(peer, n)
    if (this.counts.size > this.maxPeers) this.counts.delete(this.counts.keys().next().value!)
    return false
  }
}
