/**
 * IWANT promises (libp2p specs pubsub/gossipsub v1.1 "Spam Protection Measures"): a peer that advertised a
 * message by IHAVE and was asked for it by IWANT must deliver it within the follow-up time, or its promise
 * is broken and it pays a behaviour penalty. One promise per message id, the first advertiser's; bounded.
 */
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'

export class IWantPromises {
  /** Message id → the peer that advertised it and until when it must deliver, oldest first. */
  private readonly pending = new FifoMap<string, { peer: NodeId, deadline: number }>()

  constructor (readonly max = 100_000) {}

  /** `peer` was asked for `keys` and must deliver by `deadline` (ids already promised keep their first promise). */
  expect (keys: readonly string[], peer: NodeId, deadline: number): void {
    for (const k of keys) {
      if (!this.pending.has(k) && this.pending.size < this.max) this.pending.set(k, { peer, deadline })
    }
  }

  /** The message arrived (from anyone): its promise is kept. */
  delivered (key: string): void {
    this.pending.delete(key)
  }

  /** The peers whose promises ran out by `now`, one entry per broken promise. */
  broken (now: number): NodeId[] {
    const out: NodeId[] = []
    for (let o = this.pending.oldest(); o !== undefined && o.value.deadline <= now; o = this.pending.oldest()) {
      this.pending.shift()
      out.push(o.value.peer)
    }
    return out
  }
}
