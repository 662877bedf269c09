/**
 * Which cores of a node hold its connection to each peer (the contract's connect / hold / release /
 * disconnect, src/core/protocol.ts). Both drivers keep one: a connection may close when nobody holds it.
 * A node runs a handful of cores, so each peer's holders are a short array (a set per peer would cost a
 * hash table per connection, which a simulation of 10⁶ nodes feels).
 */
import type { NodeId } from './protocol.js'

export class Holds {
  private readonly byPeer = new Map<NodeId, string[]>()

  add (peer: NodeId, core: string): void {
    const s = this.byPeer.get(peer)
    if (s === undefined) this.byPeer.set(peer, [core])
    else if (!s.includes(core)) s.push(core)
  }

  /** Drops `core`'s hold on `peer`; true when no core holds it any more. */
  remove (peer: NodeId, core: string): boolean {
    const s = this.byPeer.get(peer)
    if (s === undefined) return true
    const i = s.indexOf(core)
    if (i >= 0) s.splice(i, 1)
    if (s.length > 0) return false
    this.byPeer.delete(peer)
    return true
  }

  /** The cores holding `peer`, in the order they took hold, whose holds end here (the connection is gone, or its dial failed). */
  take (peer: NodeId): readonly string[] | undefined {
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
