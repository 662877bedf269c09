/**
 * One heartbeat of mesh maintenance for one topic (libp2p specs pubsub/gossipsub v1.0 "Mesh Maintenance",
 * with v1.1's D_score, D_out and opportunistic grafting):
 *
 *   drop peers that left the topic; prune peers whose score went negative;
 *   if |mesh| < D_lo: graft D − |mesh| candidates;
 *   if |mesh| > D_hi: keep the best D_score by score, then enough outbound peers for D_out, then random
 *                     ones, up to D; prune the rest;
 *   if fewer than D_out mesh peers are outbound: graft outbound candidates;
 *   every so many heartbeats, if the mesh's median score is under the threshold: graft a few candidates
 *   scoring above the median.
 *
 * The router supplies the views and the actions (`MeshOps`); the rules live here alone.
 */
import type { NodeId } from '../core/protocol.js'
import type { Rng } from '../core/rng.js'
import type { ChurnReason, InclusionReason } from './meshevents.js'

export interface MeshOps {
  /** The topic's mesh, live: the actions below change it. */
  readonly mesh: ReadonlySet<NodeId>
  inTopic (peer: NodeId): boolean
  score (peer: NodeId): number
  outbound (peer: NodeId): boolean
  /** Up to `n` graftable peers (in the topic, outside the mesh, not backed off, score ≥ 0), in random order. */
  candidates (n: number): NodeId[]
  /** Add to the mesh and send GRAFT (`why`: the rule that grafted it, for the inclusion events). */
  graft (peer: NodeId, why: InclusionReason & ('not_enough' | 'outbound' | 'opportunistic')): void
  /** Remove from the mesh and send PRUNE (`why`: the rule that pruned it, for the churn events). */
  prune (peer: NodeId, why: ChurnReason & ('bad_score' | 'excess')): void
  /** Remove from the mesh without a word (the peer left the topic). */
  drop (peer: NodeId): void
}

export interface MeshParams {
  D: number
  Dlo: number
  Dhi: number
  Dscore: number
  Dout: number
  /** Whether this heartbeat is one for opportunistic grafting. */
  opportunistic: boolean
  opportunisticGraftThreshold: number
  opportunisticGraftPeers: number
}

export function maintainMesh (m: MeshOps, c: MeshParams, rng: Rng): void {
  for (const p of [...m.mesh]) {
    if (!m.inTopic(p)) m.drop(p)
    else if (m.score(p) < 0) m.prune(p, 'bad_score')
  }
  if (m.mesh.size < c.Dlo) {
    for (const p of m.candidates(c.D - m.mesh.size)) m.graft(p, 'not_enough')
  } else if (m.mesh.size > c.Dhi) {
    const byScore = rng.shuffle([...m.mesh]).sort((a, b) => m.score(b) - m.score(a))
    const keep = new Set(byScore.slice(0, c.Dscore))
    const rest = rng.shuffle(byScore.slice(c.Dscore))
    let outboundKept = [...keep].filter(m.outbound).length
    for (const p of rest) {
      if (keep.size >= c.D || outboundKept >= c.Dout) break
      if (m.outbound(p)) {
        keep.add(p)
        outboundKept++
      }
    }
    for (const p of rest) if (keep.size < c.D) keep.add(p)
    for (const p of byScore) if (!keep.has(p)) m.prune(p, 'excess')
  }
  const outbound = [...m.mesh].filter(m.outbound).length
  if (m.mesh.size >= c.Dlo && outbound < c.Dout) {
    for (const p of m.candidates(Infinity).filter(m.outbound).slice(0, c.Dout - outbound)) m.graft(p, 'outbound')
  }
  if (c.opportunistic && m.mesh.size > 1) {
    const scores = [...m.mesh].map(m.score).sort((a, b) => a - b)
    const median = scores[scores.length >> 1]!
    if (median < c.opportunisticGraftThreshold) {
      for (const p of m.candidates(Infinity).filter(p => m.score(p) > median).slice(0, c.opportunisticGraftPeers)) m.graft(p, 'opportunistic')
    }
  }
}
