/**
 * Which peers a node lets in or dials: not the peers its network driver has banned and, when an allow-list
 * of peer ids is given, only those. The libp2p connection gater asks before a dial and again once a
 * connection's peer is proven (after the Noise handshake), both ways. A peer refused for not being on the
 * list is counted each time and logged the first time (a bounded memory of whom it has logged).
 */
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'

export class Admission {
  readonly stats = { notAllowed: 0 }
  private readonly allowed: ReadonlySet<NodeId> | null
  private readonly logged = new FifoMap<NodeId, true>(1024)

  constructor (allow: readonly NodeId[] | undefined, private readonly isBanned: (peer: NodeId) => boolean, private readonly log: (line: string) => void) {
    this.allowed = allow === undefined ? null : new Set(allow)
  }

  /** Whether the gater refuses `peer` (for a dial out, or a connection in). */
  refuses (peer: NodeId, direction: 'inbound' | 'outbound'): boolean {
    if (this.allowed !== null && !this.allowed.has(peer)) {
      this.stats.notAllowed++
      if (!this.logged.has(peer)) {
        this.logged.set(peer, true)
        this.log(`grapevine: refused ${direction === 'inbound' ? 'a connection from' : 'to dial'} ${peer}: not on the allow-list (logged once per peer; counted in info().driver.notAllowed)`)
      }
      return true
    }
    return this.isBanned(peer)
  }
}
