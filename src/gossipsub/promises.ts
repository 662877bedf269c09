/**
 * IWANT promises (libp2p specs pubsub/gossipsub v1.1 "Spam Protection Measures"): a peer that advertised a
 * message by IHAVE and was asked for it by IWANT must deliver it within the follow-up time, or its promise
 * is broken and it pays a behaviour penalty. One promise per message id, the first advertiser's; bounded.
 *
 * Ids are compared in canonical form (./msgid.ts), but a delivery must never be mistaken for a broken
 * promise because two implementations name a message differently: a message from a peer that owes us
 * messages fulfils the promise of its id if there is one, else that peer's oldest promise. (A peer cannot
 * gain by this: it still has to send us a valid message we did not have, or a duplicate of one.)
 */
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'

export class IWantPromises {
  /** Message id → the peer that advertised it and until when it must deliver, oldest first. */
  private readonly pending = new FifoMap<string, { peer: NodeId, deadline: number }>()
  /** Peer → the ids it owes, oldest first. */
  private readonly owed = new Map<NodeId, Set<string>>()

  constructor (readonly max = 100_000) {}

  /** Promises outstanding. */
  get size (): number {
    return this.pending.size
  }

  /** Whether some peer was asked for `key` and has not delivered it yet. */
  has (key: string): boolean {
    return this.pending.has(key)
  }

  /** `peer` was asked for `keys` and must deliver by `deadline` (ids already promised keep their first promise). */
  expect (keys: readonly string[], peer: NodeId, deadline: number): void {
    for (const k of keys) {
      if (this.pending.has(k) || this.pending.size >= this.max) continue
      this.pending.set(k, { peer, deadline })
      let s = this.owed.get(peer)
      if (s === undefined) this.owed.set(peer, s = new Set())
      s.add(k)
    }
  }

  /**
   * The message `key` arrived from `from` (undefined: from nowhere in particular): its promise is kept
   * ('id'), or, when no promise has its id, the oldest promise of `from` ('peer'); undefined if neither.
   */
  delivered (key: string, from?: NodeId): 'id' | 'peer' | undefined {
    const p = this.pending.get(key)
    if (p !== undefined) {
      this.remove(key, p.peer)
      return 'id'
    }
    return from !== undefined && this.deliveredBy(from) ? 'peer' : undefined
  }

  /** `from` answered with something we could not name (a frame too big to read): its oldest promise is kept. */
  deliveredBy (from: NodeId): boolean {
    const s = this.owed.get(from)
    if (s === undefined) return false
    const oldest = s.values().next().value as string
    this.remove(oldest, from)
    return true
  }

  /** The peers whose promises ran out by `now`, one entry per broken promise. */
  broken (now: number): NodeId[] {
    const out: NodeId[] = []
    for (let o = this.pending.oldest(); o !== undefined && o.value.deadline <= now; o = this.pending.oldest()) {
      this.remove(o.key, o.value.peer)
      out.push(o.value.peer)
    }
    return out
  }

  private remove (key: string, peer: NodeId): void {
    this.pending.delete(key)
    const s = this.owed.get(peer)
    if (s === undefined) return
    s.delete(key)
    if (s.size === 0) this.owed.delete(peer)
  }
}
