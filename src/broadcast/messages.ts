/**
 * Broadcast messages, shared by flood gossip and Plumtree (Leitão, Pereira, Rodrigues, "Epidemic broadcast
 * trees", SRDS 2007, §4). Decoded and validated by ./codec.ts; signatures are ./signing.ts.
 */

/**
 * The payload itself; `round` counts hops from the source. Under StrictSign it also carries its author
 * (`source`, a peer id), the author's sequence number and the author's signature, and its `id` is
 * `<source>/<seqno>` (the codec derives it: the wire carries no separate id then). Under StrictNoSign, and
 * in flood gossip, it carries none of the three and `id` is whatever its source chose.
 */
export interface Gossip {
  readonly kind: 'gossip'
  readonly id: string
  readonly round: number
  readonly payload: Uint8Array
  readonly source?: string
  readonly seqno?: number
  readonly signature?: Uint8Array
  /**
   * Plumtree: the source whose tree the author copied for its own (the tree it used last), named on a
   * source's first messages so that every node starts the new tree from that same tree (./trees.ts). Hop
   * metadata like `round`: not signed, and a wrong one only costs redundancy, which the tree prunes.
   */
  readonly tree?: string
}

export type BroadcastMessage =
  | Gossip
  /** Announcements of received messages (lazy push), batched: ids with the rounds they were received at. */
  | { readonly kind: 'ihave', readonly ids: readonly string[], readonly rounds: readonly number[] }
  /**
   * Make our link eager, and send me `id` (none: `id` is empty, as the tree optimisation does). `root`: the
   * source whose tree the link joins (Plumtree keeps one per recent source); absent, it is the id's source,
   * or with no id every tree.
   */
  | { readonly kind: 'graft', readonly id: string, readonly round: number, readonly root?: string }
  /** Make our link lazy in the tree of source `root` (absent: in every tree, as a peer before trees per source asks). */
  | { readonly kind: 'prune', readonly root?: string }

export type BroadcastKind = BroadcastMessage['kind']

/** A broadcast delivered to this node's application. `round`: hops from the source (0 at the source). */
export interface BroadcastDelivery {
  type: 'deliver'
  id: string
  payload: Uint8Array
  round: number
  /** The neighbour it came from; null at the source. */
  from: string | null
  /** Its author's peer id, checked against the author's signature (StrictSign); null when unsigned (StrictNoSign, flood). */
  source: string | null
}
