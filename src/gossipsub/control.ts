/**
 * GossipSub control messages (libp2p specs pubsub/gossipsub v1.0 "Control Messages"; v1.1 PRUNE backoff
 * and peer exchange; v1.2 IDONTWANT): building them, and the batch a heartbeat gathers — its GRAFTs,
 * PRUNEs and IHAVEs — sent as one control message per peer ("piggybacking").
 */
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'
import type { RPC } from '../wire/rpc.js'
import { peerIdBytes } from './signing.js'

/**
 * The empty list of the fields an RPC we build leaves empty: one frozen array for all of them. A message
 * is ≈ 13 RPCs per node (its copies and the IDONTWANTs), and the simulator keeps each RPC alive while it
 * is in flight, so each array allocated there outlives the young generation; RPCs are never changed once
 * built (frozen: a change would throw).
 */
export function none<T> (): T[] {
  return EMPTY as unknown as T[]
}
const EMPTY: readonly never[] = Object.freeze([])

/** A control message with the given entries, the others empty. */
export function controlMessage (c: Partial<RPC.ControlMessage>): RPC.ControlMessage {
  const m: RPC.ControlMessage = { ihave: c.ihave ?? none(), iwant: c.iwant ?? none(), graft: c.graft ?? none(), prune: c.prune ?? none(), idontwant: c.idontwant ?? none() }
  if (c.extensions !== undefined) m.extensions = c.extensions
  return m
}

/** An RPC that carries only control. */
export function controlRpc (c: Partial<RPC.ControlMessage>): RPC {
  return { subscriptions: none(), messages: none(), control: controlMessage(c) }
}

/** One heartbeat's control messages, per peer, in the order they were gathered. */
export class HeartbeatControl {
  private readonly grafts = new Map<NodeId, string[]>()
  private readonly prunes = new Map<NodeId, string[]>()
  private readonly ihaves = new Map<NodeId, RPC.ControlIHave[]>()

  graft (peer: NodeId, topic: string): void {
    push(this.grafts, peer, topic)
  }

  prune (peer: NodeId, topic: string): void {
    push(this.prunes, peer, topic)
  }

  ihave (peer: NodeId, entry: RPC.ControlIHave): void {
    push(this.ihaves, peer, entry)
  }

  /** Every peer with something to send, and its control message (PRUNEs announcing `backoffSecs`). */
  * messages (backoffSecs: number): Generator<[NodeId, RPC.ControlMessage]> {
    for (const p of new Set([...this.grafts.keys(), ...this.prunes.keys(), ...this.ihaves.keys()])) {
      yield [p, controlMessage({
        ihave: this.ihaves.get(p) ?? [],
        graft: (this.grafts.get(p) ?? []).map(topicID => ({ topicID })),
        prune: (this.prunes.get(p) ?? []).map(topicID => ({ topicID, peers: [], backoff: backoffSecs }))
      })]
    }
  }
}

function push<V> (m: Map<NodeId, V[]>, p: NodeId, v: V): void {
  const l = m.get(p)
  if (l === undefined) m.set(p, [v])
  else l.push(v)
}

/** Peer id string → multihash bytes, for PRUNE peer exchange (undefined for ids that are not peer ids). */
const pidCache = new FifoMap<string, Uint8Array<ArrayBuffer>>(10_000)
export function peerIdBytesOf (id: NodeId): Uint8Array<ArrayBuffer> | undefined {
  let b = pidCache.get(id)
  if (b === undefined) {
    try {
      b = new Uint8Array(peerIdBytes(id))
    } catch {
      return undefined
    }
    pidCache.set(id, b)
  }
  return b
}
