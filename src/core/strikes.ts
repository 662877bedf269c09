/**
 * Counts protocol violations per peer (malformed or oversized frames) so a core can drop a peer that keeps
 * sending them. Bounded: the least recently struck peers are forgotten first.
 */
import { FifoMap } from './fifo.js'
import type { NodeId } from './protocol.js'

export class Strikes {
  private readonly counts: FifoMap<NodeId, number>

  constructor (readonly limit: number, maxPeers = 1024) {
    this.counts = new FifoMap(maxPeers)
  }

  /** Records one strike against `peer`; true when it reached the limit (its count then starts over). */
  strike (peer: NodeId): boolean {
    const n = (this.counts.get(peer) ?? 0) + 1
    if (n >= this.limit) {
      this.counts.delete(peer)
      return true
    }
    this.counts.renew(peer, n)
    return false
  }
}
