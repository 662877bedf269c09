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
  /** The tree looked up last (most messages of a run come from a few sources at a time), and the map's newest entry. */
  private lastRoot = ''
  private last: NodeId[] | null = null
  private newest: NodeId[] | null = null

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
    let t = root === this.lastRoot ? this.last : this.trees.get(root)
    if (t == null) {
      t = [...seed]
      if (this.trees.size >= this.max) this.trees.delete(this.trees.keys().next().value!)
      this.trees.set(root, t)
      this.newest = t
    } else if (touch && t !== this.newest) {
      // Least recently used first: a tree used again moves to the end (unless it is there already).
      this.trees.delete(root)
      this.trees.set(root, t)
      this.newest = t
    }
    // A tree just evicted cannot be `last`: eviction only happens here, and `last` becomes the new tree.
    this.lastRoot = root
    this.last = t
    return t
  }
}

/**
 * The source of message `id` (`<source>/<seqno>`, as Plumtree names them); '' when it names none. `hint`, a
 * likely source (the message's author field, the source of the tree in use), is returned when it is that
 * source: the same string as before without slicing a new one, whose hash each table lookup would compute.
 */
export function rootOf (id: string, hint = ''): string {
  const n = hint.length
  if (n > 0 && id.length > n + 1 && id.charCodeAt(n) === 47 && id.indexOf('/', n + 1) < 0 && id.startsWith(hint)) return hint
  const i = id.lastIndexOf('/')
  return i <= 0 ? '' : id.slice(0, i)
}
