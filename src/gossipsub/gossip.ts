/**
 * Gossip emission, one heartbeat (libp2p specs pubsub/gossipsub v1.0 "Gossip Emission"; v1.1 "Adaptive
 * Gossip Dissemination" and the gossip threshold): for each topic in the mesh or fanout, IHAVE the ids of
 * the message cache's gossip windows to max(D_lazy, gossipFactor × eligible) random topic peers outside the
 * mesh / fanout whose score is at least the gossip threshold; at most `maxIHaveLength` ids each. And what
 * to ask for (IWANT) from a peer's IHAVEs, within v1.1's per-heartbeat limits (maxIHaveMessages IHAVEs,
 * maxIHaveLength ids).
 */
import type { NodeId } from '../core/protocol.js'
import type { Rng } from '../core/rng.js'
import type { RPC } from '../wire/rpc.js'

export interface GossipOps {
  /** Ids to advertise for `topic` (the gossip windows of the message cache). */
  ids (topic: string): Uint8Array<ArrayBuffer>[]
  /** Peers that get the messages anyway (the mesh, else the fanout). */
  routed (topic: string): ReadonlySet<NodeId>
  topicPeers (topic: string): Iterable<NodeId>
  /** Whether `peer` may receive gossip (its score is at least the gossip threshold). */
  gossipOk (peer: NodeId): boolean
  ihave (peer: NodeId, entry: RPC.ControlIHave): void
}

export interface GossipParams {
  Dlazy: number
  gossipFactor: number
  maxIHaveLength: number
}

export function emitGossip (topics: Iterable<string>, ops: GossipOps, c: GossipParams, rng: Rng): void {
  for (const topic of topics) {
    const ids = ops.ids(topic)
    if (ids.length === 0) continue
    const exclude = ops.routed(topic)
    const eligible = [...ops.topicPeers(topic)].filter(p => !exclude.has(p) && ops.gossipOk(p))
    const n = Math.max(c.Dlazy, Math.floor(c.gossipFactor * eligible.length))
    // One entry for every peer when all ids fit (a driver encodes a shared part once); else a sample each.
    const all: RPC.ControlIHave = { topicID: topic, messageIDs: ids }
    for (const p of rng.sample(eligible, n)) {
      ops.ihave(p, ids.length > c.maxIHaveLength ? { topicID: topic, messageIDs: rng.sample(ids, c.maxIHaveLength) } : all)
    }
  }
}

export interface WantOps {
  subscribed (topic: string): boolean
  /** The peer's ids in canonical form (./msgid.ts), in the same order. */
  canonical (ids: Uint8Array<ArrayBuffer>[]): readonly Uint8Array<ArrayBuffer>[]
  /** Whether we have (or are validating) the message of this canonical id. */
  known (id: Uint8Array): boolean
  /** A canonical id as a map key. */
  key (id: Uint8Array): string
}

/** From one RPC's IHAVEs: the ids to ask for, in the peer's own words, and their canonical keys. Counts into `st`. */
export function wanted (ihaves: readonly RPC.ControlIHave[], st: { ihaves: number, asked: number }, c: { maxIHaveMessages: number, maxIHaveLength: number }, ops: WantOps): { iwant: Uint8Array<ArrayBuffer>[], keys: string[] } {
  const iwant: Uint8Array<ArrayBuffer>[] = []
  const keys: string[] = []
  for (const ih of ihaves) {
    st.ihaves++
    if (st.ihaves > c.maxIHaveMessages) continue
    if (!ops.subscribed(ih.topicID!)) continue
    const canonical = ops.canonical(ih.messageIDs)
    for (const [i, id] of canonical.entries()) {
      if (st.asked >= c.maxIHaveLength) break
      if (ops.known(id)) continue
      st.asked++
      keys.push(ops.key(id))
      iwant.push(ih.messageIDs[i]!)
    }
  }
  return { iwant, keys }
}
