/**
 * Gossip emission, one heartbeat (libp2p specs pubsub/gossipsub v1.0 "Gossip Emission"; v1.1 "Adaptive
 * Gossip Dissemination" and the gossip threshold): for each topic in the mesh or fanout, IHAVE the ids of
 * the message cache's gossip windows to max(D_lazy, gossipFactor × eligible) random topic peers outside the
 * mesh / fanout whose score is at least the gossip threshold; at most `maxIHaveLength` ids each.
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
    for (const p of rng.sample(eligible, n)) {
      const chosen = ids.length > c.maxIHaveLength ? rng.sample(ids, c.maxIHaveLength) : ids
      ops.ihave(p, { topicID: topic, messageIDs: chosen })
    }
  }
}
