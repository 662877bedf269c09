/**
 * Plumtree's trees per source (Leitão, Pereira, Rodrigues, "Epidemic broadcast trees", SRDS 2007): the paper
 * builds one tree shared by every sender and notes that a tree per sender is possible; riak_core's and
 * Partisan's Plumtree keep one per root. This is that table, kept small: for each of the `max` sources heard
 * from most recently, the neighbours that are lazy in its tree (the others are eager). A new source's tree
 * starts as a copy of the tree its source names on its first messages (the tree that source used last), or
 * else of the tree in use (Plumtree passes the lazy set it starts from), so sources taking turns behave as
 * with one tree, and all nodes copy the same tree even when several new sources broadcast at once; past
 * `max` the least recently used tree is forgotten (its source starts again from a copy).
 *
 * Bounded: `max` trees of at most one entry per neighbour. Sans-IO, no clock.
 */
import type { NodeId } from '../core/protocol.js'

export class SourceTrees {
  /** Source → the slot of its tree. */
  private readonly slots = new Map<string, number>()
  /** Per slot: the tree's source, its lazy neighbours, and when it was last used (a counter; the least is evicted). */
  private readonly roots: string[] = []
  private readonly lists: NodeId[][] = []
  private readonly used: number[] = []
  private clock = 0
  /** The slot looked up last (most messages of a run come from a few sources at a time). */
  private lastRoot = ''
  private last = -1

  constructor (private readonly max: number) {}

  get size (): number {
    return this.slots.size
  }

  /** The lazy neighbours in `root`'s tree, made from `seed` (a copy) when new; `touch`: used now. */
  lazyOf (root: string, seed: Iterable<NodeId>, touch = false): readonly NodeId[] {
    return this.lists[this.get(root, seed, touch)]!
  }

  /** The lazy neighbours in `root`'s tree, if it has one (not a use). */
  peek (root: string): readonly NodeId[] | undefined {
    const s = this.slots.get(root)
    return s === undefined ? undefined : this.lists[s]
  }

  /** `peer` turns lazy in `root`'s tree. */
  prune (root: string, peer: NodeId, seed: Iterable<NodeId>): void {
    const t = this.lists[this.get(root, seed, false)]!
    if (!t.includes(peer)) t.push(peer)
  }

  /** `peer` turns eager in `root`'s tree. */
  graft (root: string, peer: NodeId, seed: Iterable<NodeId>): void {
    const t = this.lists[this.get(root, seed, false)]!
    const i = t.indexOf(peer)
    if (i >= 0) t.splice(i, 1)
  }

  /** `peer` turns lazy in every tree (a PRUNE that names none). */
  pruneAll (peer: NodeId): void {
    for (const t of this.lists) if (!t.includes(peer)) t.push(peer)
  }

  /** `peer` turns eager in every tree: a new neighbour, a departed one (forgotten), a GRAFT that names no tree. */
  graftAll (peer: NodeId): void {
    for (const t of this.lists) {
      const i = t.indexOf(peer)
      if (i >= 0) t.splice(i, 1)
    }
  }

  /** The slot of `root`'s tree, made from `seed` when new (in a free slot, else the least recently used one's). */
  private get (root: string, seed: Iterable<NodeId>, touch: boolean): number {
    let s = root === this.lastRoot ? this.last : (this.slots.get(root) ?? -1)
    if (s < 0) {
      if (this.roots.length < this.max) {
        s = this.roots.length
        this.roots.push(root)
        this.lists.push([...seed])
        this.used.push(++this.clock)
      } else {
        s = 0
        for (let i = 1; i < this.used.length; i++) if (this.used[i]! < this.used[s]!) s = i
        this.slots.delete(this.roots[s]!)
        this.roots[s] = root
        this.lists[s] = [...seed]
        this.used[s] = ++this.clock
      }
      this.slots.set(root, s)
    } else if (touch) {
      this.used[s] = ++this.clock
    }
    this.lastRoot = root
    this.last = s
    return s
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
