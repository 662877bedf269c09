/**
 * Broadcast messages, shared by flood gossip and Plumtree (Leitão, Pereira, Rodrigues, "Epidemic broadcast
 * trees", SRDS 2007, §4). Decoded and validated by ./codec.ts.
 */

export type BroadcastMessage =
  /** The payload itself; `round` counts hops from the source. */
  | { readonly kind: 'gossip', readonly id: string, readonly round: number, readonly payload: Uint8Array }
  /** Announcements of received messages (lazy push), batched: ids with the rounds they were received at. */
  | { readonly kind: 'ihave', readonly ids: readonly string[], readonly rounds: readonly number[] }
  /** Make our link eager, and send me `id` (none: `id` is empty, as the tree optimisation does). */
  | { readonly kind: 'graft', readonly id: string, readonly round: number }
  /** Make our link lazy. */
  | { readonly kind: 'prune' }

export type BroadcastKind = BroadcastMessage['kind']

/** A broadcast delivered to this node's application. `round`: hops from the source (0 at the source). */
export interface BroadcastDelivery {
  type: 'deliver'
  id: string
  payload: Uint8Array
  round: number
  /** The neighbour it came from; null at the source. */
  from: string | null
}
