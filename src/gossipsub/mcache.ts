/**
 * GossipSub's message cache (libp2p specs pubsub/gossipsub v1.0, "Message Cache"): messages of the last
 * `length` heartbeat windows, for answering IWANT; the ids of the last `gossip` windows are what IHAVE
 * advertises. `shift()` at every heartbeat drops the oldest window. Retransmissions per (peer, id) are
 * counted so a peer cannot make us resend a message forever (v1.1 spam protection).
 *
 * Windows are consecutive runs of one insertion-ordered id set (src/core/seenids.ts) that carries the
 * messages: an entry costs its id's bytes and a few typed-array slots, with no key string, id array or
 * record object per message (at 1,000 messages a second a router caches 5,000).
 */
import { SeenIds } from '../core/seenids.js'
import type { RPC } from '../wire/rpc.js'

export class MessageCache {
  private readonly entries: SeenIds<RPC.Message>
  /** Entries per window, newest first. */
  private windows: number[] = [0]
  /** How often each peer asked for a message by IWANT (made on the first IWANT). */
  private readonly iwants = new Map<RPC.Message, Map<string, number>>()

  constructor (readonly length: number, readonly gossip: number, seed = 0) {
    this.entries = new SeenIds<RPC.Message>(Infinity, Infinity, seed, 256)
  }

  get size (): number {
    return this.entries.size
  }

  put (id: Uint8Array, msg: RPC.Message): void {
    if (this.entries.insert(0, id, msg)) this.windows[0]!++
  }

  has (id: Uint8Array): boolean {
    return this.entries.get(id) !== undefined
  }

  /** Counts an IWANT from `peer` and returns the message unless it was already sent `max` times. */
  getForIwant (id: Uint8Array, peer: string, max: number): RPC.Message | undefined {
    const msg = this.entries.get(id)
    if (msg === undefined) return undefined
    let counts = this.iwants.get(msg)
    if (counts === undefined) this.iwants.set(msg, counts = new Map())
    const n = (counts.get(peer) ?? 0) + 1
    counts.set(peer, n)
    return n > max ? undefined : msg
  }

  /** Ids of `topic` in the gossip windows, newest window first, each window in the order of arrival, for IHAVE. */
  gossipIds (topic: string): Uint8Array<ArrayBuffer>[] {
    const out: Uint8Array<ArrayBuffer>[] = []
    let end = this.entries.size
    for (let w = 0; w < Math.min(this.gossip, this.windows.length); w++) {
      const start = end - this.windows[w]!
      this.entries.range(start, end, m => m?.topic === topic, id => out.push(id))
      end = start
    }
    return out
  }

  /** A new window; the oldest beyond `length` is dropped. */
  shift (): void {
    this.windows.unshift(0)
    while (this.windows.length > this.length) {
      const n = this.windows.pop()!
      for (let i = 0; i < n; i++) {
        if (this.iwants.size > 0) {
          const m = this.entries.oldestValue()
          if (m !== undefined) this.iwants.delete(m)
        }
        this.entries.dropOldest()
      }
    }
  }
}
