/**
 * Which cores of a node hold its connection to each peer (the contract's connect / hold / release /
 * disconnect, src/core/protocol.ts). Both drivers keep one: a connection may close when nobody holds it.
 */
import type { NodeId } from './protocol.js'

export class Holds {
  private readonly byPeer = new Map<NodeId, Set<string>>()

  add (peer: NodeId, core: string): void {
    let s = this.byPeer.get(peer)
    if (s === undefined) this.byPeer.set(peer, s = new Set())
    s.add(core)
  }

  /** Drops `core`'s hold on `peer`; true when no core holds it any more. */
  remove (peer: NodeId, core: string): boolean {
    const s = this.byPeer.get(peer)
    if (s === undefined) return true
    s.delete(core)
    if (s.size > 0) return false
    this.byPeer.delete(peer)
    return true
  }

  /** The cores holding `peer`, whose holds end here (the connection is gone, or its dial failed). */
  take (peer: NodeId): ReadonlySet<string> | undefined {
    const s = this.byPeer.get(peer)
    this.byPeer.delete(peer)
    return s
  }

  /** Whether some core holds `peer`. */
  has (peer: NodeId): boolean {
    return this.byPeer.has(peer)
  }

  clear (): void {
    this.byPeer.clear()
  }
}
