/**
 * How membership tells the other protocols of one node who its neighbours are (ARCHITECTURE.md, "Composition").
 * HyParView calls `neighborUp` when a peer enters its active view and `neighborDown` when it leaves;
 * broadcast and pub/sub build their peer sets from these calls. A plain synchronous call between cores
 * of the same node: no I/O, and `now` is passed along.
 */
import type { NodeId } from './protocol.js'

export interface NeighborListener {
  neighborUp (now: number, peer: NodeId): void
  neighborDown (now: number, peer: NodeId): void
}

/** Something that announces neighbours (membership) and can list the current ones. */
export interface NeighborSource {
  addNeighborListener (listener: NeighborListener): void
  neighbors (): readonly NodeId[]
}
