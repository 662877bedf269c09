/**
 * Explicit peering agreements (libp2p specs pubsub/gossipsub v1.1 "Explicit Peering Agreements"): peers
 * configured out of band, reciprocally, that live outside the mesh. Every valid message of a topic goes to
 * the direct peers that subscribe to it; they are never grafted (a GRAFT from one is answered with PRUNE),
 * get no gossip, are left out of fanout and peer exchange, and their RPCs are always accepted (no graylist).
 * The router holds their connections, dials them some time after start, and every `directConnectTicks`
 * heartbeats dials those it is not connected to (as go-libp2p-pubsub and @libp2p/gossipsub do).
 */
import type { NodeId } from '../core/protocol.js'

export class DirectPeers {
  private readonly peers: ReadonlySet<NodeId>

  constructor (peers: readonly NodeId[], self: NodeId) {
    this.peers = new Set(peers.filter(p => p !== self))
  }

  has (peer: NodeId): boolean {
    return this.peers.has(peer)
  }

  get size (): number {
    return this.peers.size
  }

  /** The direct peers among `topicPeers` (a topic's subscribers). */
  in (topicPeers: ReadonlySet<NodeId> | undefined): NodeId[] {
    if (topicPeers === undefined) return []
    return [...this.peers].filter(p => topicPeers.has(p))
  }

  /** Dials every direct peer for which `connected` is false (the driver's `connect` also holds it). */
  connect (connected: (peer: NodeId) => boolean, connect: (peer: NodeId) => void): void {
    for (const p of this.peers) if (!connected(p)) connect(p)
  }
}
