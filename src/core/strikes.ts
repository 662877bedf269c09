/**
 * Counts protocol violations per peer (malformed or oversized frames) so a core can drop a peer that keeps
 * sending them. Bounded: the least recently struck peers are forgotten first.
 */
import { FifoMap } from './fifo.js'
import type { NodeId } from './protocol.js'

export class Strikes {
  /** Made at the first strike: most peers never earn one, and a simulation of 10⁶ nodes saves a table per core. */
  private counts: FifoMap<NodeId, number> | null = null

  constructor (readonly limit: number, private readonly maxPeers = 1024) {}

  /** Records one strike against `peer`; true when it reached the limit (its count then starts over). */
  strike (peer: NodeId): boolean {
    this.counts ??= new FifoMap(this.maxPeers)
    const n = (this.counts.get(peer) ?? 0) + 1
    if (n >= this.limit) {
      this.counts.delete(peer)
      return true
    }
    this.counts.renew(peer, n)
    return false
  }
}
