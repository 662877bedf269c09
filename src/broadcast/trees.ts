/**
 * Plumtree's trees per source (Leitão, Pereira, Rodrigues, "Epidemic broadcast trees", SRDS 2007): the paper
 * builds one tree shared by every sender and notes that a tree per sender is possible; riak_core's and
 * Partisan's Plumtree keep one per root. This is that table, kept small: for each of the `max` sources heard
 * from most recently, the neighbours that are lazy in its tree (the others are eager). A new source's tree
 * starts as a copy of the tree in use (Plumtree passes the lazy set of the source heard last), so sources
 * taking turns behave as with one tree; past `max` the least recently used tree is forgotten (its source
 * starts again from a copy).
 *
 * Bounded: `max` trees of at most one entry per neighbour. Sans-IO, no clock.
 */
import type { NodeId } from '../core/protocol.js'

export class SourceTrees {
  /** Source → its lazy neighbours, least recently used first. */
  private readonly trees = new Map<string, NodeId[]>()

  constructor (private readonly max: number) {}

  get size (): number {
    return this.trees.size
  }

  /** The lazy neighbours in `root`'s tree, made from `seed` (a copy) when new; `touch`: used now. */
  lazyOf (root: string, seed: Iterable<NodeId>, touch = false): readonly NodeId[] {
    return this.get(root, seed, touch)
  }

  /** `peer` turns lazy in `root`'s tree. */
  prune (root: string, peer: NodeId, seed: Iterable<NodeId>): void {
    const t = this.get(root, seed, false)
    if (!t.includes(peer)) t.push(peer)
  }

  /** `peer` turns eager in `root`'s tree. */
  graft (root: string, peer: NodeId, seed: Iterable<NodeId>): void {
    const t = this.get(root, seed, false)
    const i = t.indexOf(peer)
    if (i >= 0) t.splice(i, 1)
  }

  /** `peer` turns lazy in every tree (a PRUNE that names none). */
  pruneAll (peer: NodeId): void {
    for (const t of this.trees.values()) if (!t.includes(peer)) t.push(peer)
  }

  /** `peer` turns eager in every tree: a new neighbour, a departed one (forgotten), a GRAFT that names no tree. */
  graftAll (peer: NodeId): void {
    for (const t of this.trees.values()) {
      const i = t.indexOf(peer)
      if (i >= 0) t.splice(i, 1)
    }
  }

  private get (root: string, seed: Iterable<NodeId>, touch: boolean): NodeId[] {
    let t = this.trees.get(root)
    if (t === undefined) {
      t = [...seed]
      if (this.trees.size >= this.max) this.trees.delete(this.trees.keys().next().value!)
      this.trees.set(root, t)
    } else if (touch) {
      this.trees.delete(root)
      this.trees.set(root, t)
    }
    return t
  }
}

/** The source of message `id` (`<source>/<seqno>`, as Plumtree names them); '' when it names none. */
export function rootOf (id: string): string {
  const i = id.lastIndexOf('/')
  return i <= 0 ? '' : id.slice(0, i)
}
