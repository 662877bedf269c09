/**
 * The peer-sampling service (Jelasity et al., "Gossip-based peer sampling", TOCS 2007): a call that
 * returns random peers. Anti-entropy and pub/sub discovery pick their partners through it. HyParView
 * (src/membership) provides one over its views; `UniformPeerSampling` is the simple stand-in that draws
 * from a fixed list of known peers.
 */
import type { NodeId } from './protocol.js'
import type { Rng } from './rng.js'

export interface PeerSampling {
  /** Up to `k` distinct peers other than this node, as uniform as the service can make them. */
  sample (k: number): NodeId[]
}

/**
 * Uniform samples from a list of peers. The list is read, never copied, so a simulator can hand one shared
 * array to every node; `self` is skipped.
 */
export class UniformPeerSampling implements PeerSampling {
  constructor (
    private readonly self: NodeId,
    private readonly peers: readonly NodeId[],
    private readonly rng: Rng
  ) {}

  sample (k: number): NodeId[] {
    const n = this.peers.length
    if (k <= 0 || n === 0 || (n === 1 && this.peers[0] === this.self)) return []
    if (k === 1) {
      // The list holds distinct ids, so with two or more entries some draw is not `self`.
      for (;;) {
        const p = this.peers[this.rng.int(n)]!
        if (p !== this.self) return [p]
      }
    }
    const others = this.peers.includes(this.self) ? n - 1 : n
    const want = Math.min(k, others)
    if (want * 4 > n) return this.rng.sample(this.peers.filter(p => p !== this.self), want)
    const chosen = new Set<NodeId>()
    while (chosen.size < want) {
      const p = this.peers[this.rng.int(n)]!
      if (p !== this.self) chosen.add(p)
    }
    return [...chosen]
  }
}
