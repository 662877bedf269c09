/**
 * Per-topic message history for late subscribers (a grapevine option, off by default; not in the libp2p
 * specs, but built only from their parts). GossipSub keeps no history: a message published before a new
 * subscriber's SUBSCRIBE reached the network is never delivered to it (the message cache of v1.0 "Message
 * Cache" holds `mcacheLength` heartbeats, and its ids are gossiped only to peers outside the mesh).
 *
 * With a history, the router keeps the last messages of a topic it subscribes to — at most `messages`
 * messages AND `bytes` payload bytes AND `ms` old, whichever bound bites first — and when a peer joins its
 * mesh for the topic (a GRAFT accepted, or a graft on the peer's SUBSCRIBE), sends that peer one IHAVE
 * with the history's ids (newest first, at most `maxIHaveLength`). The peer asks (IWANT) for those it has
 * not seen, within its own per-heartbeat IHAVE/IWANT limits (v1.1 "Spam Protection"), and the router
 * serves the original signed messages from the history as it serves the message cache: at most
 * `gossipRetransmission` times per peer and message. Everything on the wire is standard IHAVE / IWANT /
 * message, so a libp2p peer (go-libp2p-pubsub, @libp2p/gossipsub, rust-libp2p) gets the history too and
 * validates each message as any other.
 *
 * Sans-IO: times are the `now` the router is given.
 */
import type { RPC } from '../wire/rpc.js'

/** The bounds of one topic's history; all three apply. `messages` 0 turns it off. */
export interface HistoryBounds {
  /** Most messages kept. */
  messages: number
  /** Most payload bytes (the messages' data) kept. */
  bytes: number
  /** Messages older than this are dropped. */
  ms: number
}

interface Entry {
  key: string
  id: Uint8Array<ArrayBuffer>
  msg: RPC.Message
  bytes: number
  at: number
  /** IWANTs per peer for this message (made on the first). */
  asked?: Map<string, number>
}

interface Topic {
  bounds: HistoryBounds
  /** Oldest first, from `head`. */
  entries: Entry[]
  head: number
  bytes: number
}

export class TopicHistory {
  private readonly topics = new Map<string, Topic>()
  private readonly byKey = new Map<string, Entry>()
  private totalBytes = 0

  /** `boundsOf(topic)`: the topic's bounds, undefined (or messages 0) for no history. `key`: an id as a map key. */
  constructor (private readonly boundsOf: (topic: string) => HistoryBounds | undefined, private readonly key: (id: Uint8Array) => string) {}

  /** Messages kept, over all topics. */
  get size (): number {
    return this.byKey.size
  }

  /** Payload bytes kept, over all topics. */
  get bytes (): number {
    return this.totalBytes
  }

  /** Starts a history for a topic we subscribe to, if its bounds give one. */
  open (topic: string): void {
    if (this.topics.has(topic)) return
    const bounds = this.boundsOf(topic)
    if (bounds === undefined || bounds.messages <= 0 || bounds.bytes <= 0 || bounds.ms <= 0) return
    this.topics.set(topic, { bounds, entries: [], head: 0, bytes: 0 })
  }

  /** Forgets a topic's history (we left the topic). */
  close (topic: string): void {
    const t = this.topics.get(topic)
    if (t === undefined) return
    while (t.head < t.entries.length) this.dropOldest(t)
    this.topics.delete(topic)
  }

  has (topic: string): boolean {
    return this.topics.has(topic)
  }

  /** Keeps a validated (or our own) message of a topic with a history; drops what the bounds no longer allow. */
  put (now: number, id: Uint8Array<ArrayBuffer>, msg: RPC.Message): void {
    const t = this.topics.get(msg.topic)
    if (t === undefined) return
    const bytes = msg.data?.length ?? 0
    if (bytes > t.bounds.bytes) return // never fits
    const key = this.key(id)
    if (this.byKey.has(key)) return
    const e: Entry = { key, id, msg, bytes, at: now }
    t.entries.push(e)
    t.bytes += bytes
    this.totalBytes += bytes
    this.byKey.set(key, e)
    while (t.entries.length - t.head > t.bounds.messages || t.bytes > t.bounds.bytes) this.dropOldest(t)
    this.expireTopic(now, t)
  }

  /** The topic's ids, newest first, at most `max` (after dropping what is older than the topic's `ms`). */
  ids (now: number, topic: string, max: number): Uint8Array<ArrayBuffer>[] {
    const t = this.topics.get(topic)
    if (t === undefined) return []
    this.expireTopic(now, t)
    const out: Uint8Array<ArrayBuffer>[] = []
    for (let i = t.entries.length - 1; i >= t.head && out.length < max; i--) out.push(t.entries[i]!.id)
    return out
  }

  /** Counts an IWANT from `peer` and returns the message unless it was already sent `max` times to it. */
  getForIwant (id: Uint8Array, peer: string, max: number): RPC.Message | undefined {
    const e = this.byKey.get(this.key(id))
    if (e === undefined) return undefined
    e.asked ??= new Map()
    const n = (e.asked.get(peer) ?? 0) + 1
    e.asked.set(peer, n)
    return n > max ? undefined : e.msg
  }

  /** Drops, in every topic, what is older than its `ms` (the router calls it at each heartbeat). */
  expire (now: number): void {
    for (const t of this.topics.values()) this.expireTopic(now, t)
  }

  private expireTopic (now: number, t: Topic): void {
    while (t.head < t.entries.length && t.entries[t.head]!.at + t.bounds.ms <= now) this.dropOldest(t)
  }

  private dropOldest (t: Topic): void {
    const e = t.entries[t.head]!
    t.entries[t.head] = undefined as unknown as Entry
    t.head++
    t.bytes -= e.bytes
    this.totalBytes -= e.bytes
    this.byKey.delete(e.key)
    // Compact once the dropped head is half the array, so the array stays within twice the bound.
    if (t.head > 32 && t.head * 2 > t.entries.length) {
      t.entries = t.entries.slice(t.head)
      t.head = 0
    }
  }
}
