/**
 * GossipSub's message cache (libp2p specs pubsub/gossipsub v1.0, "Message Cache"): messages of the last
 * `length` heartbeat windows, for answering IWANT; the ids of the last `gossip` windows are what IHAVE
 * advertises. `shift()` at every heartbeat drops the oldest window. Retransmissions per (peer, id) are
 * counted so a peer cannot make us resend a message forever (v1.1 spam protection).
 */
import type { RPC } from '../wire/rpc.js'

export interface CachedMessage {
  readonly msg: RPC.Message
  readonly topic: string
  readonly id: Uint8Array<ArrayBuffer>
  /** How often each peer asked for it by IWANT (made on the first IWANT). */
  iwants: Map<string, number> | null
}

export class MessageCache {
  private readonly byKey = new Map<string, CachedMessage>()
  /** Windows, newest first: the keys put in each. */
  private windows: string[][] = [[]]

  constructor (readonly length: number, readonly gossip: number) {}

  get size (): number {
    return this.byKey.size
  }

  put (key: string, id: Uint8Array<ArrayBuffer>, msg: RPC.Message): void {
    if (this.byKey.has(key)) return
    this.byKey.set(key, { msg, topic: msg.topic, id, iwants: null })
    this.windows[0]!.push(key)
  }

  /** Counts an IWANT from `peer` and returns the message unless it was already sent `max` times. */
  getForIwant (key: string, peer: string, max: number): RPC.Message | undefined {
    const c = this.byKey.get(key)
    if (c === undefined) return undefined
    c.iwants ??= new Map()
    const n = (c.iwants.get(peer) ?? 0) + 1
    c.iwants.set(peer, n)
    return n > max ? undefined : c.msg
  }

  /** Ids of `topic` in the gossip windows, for IHAVE. */
  gossipIds (topic: string): Uint8Array<ArrayBuffer>[] {
    const out: Uint8Array<ArrayBuffer>[] = []
    for (let w = 0; w < Math.min(this.gossip, this.windows.length); w++) {
      for (const key of this.windows[w]!) {
        const c = this.byKey.get(key)
        if (c !== undefined && c.topic === topic) out.push(c.id)
      }
    }
    return out
  }

  /** A new window; the oldest beyond `length` is dropped. */
  shift (): void {
    this.windows.unshift([])
    while (this.windows.length > this.length) {
      for (const key of this.windows.pop()!) this.byKey.delete(key)
    }
  }
}
