/**
 * HyParView's messages as the core sees them (Leitão, Pereira, Rodrigues, "HyParView: a membership
 * protocol for reliable gossip-based broadcast", DSN 2007, §4). Decoded and validated by ./codec.ts.
 */
import type { NodeId } from '../core/protocol.js'

/**
 * A peer and the addresses it can be dialled at (empty in the simulator). Signed by the peer itself when
 * nodes have identities (./records.ts): `seq` orders its records, `signature` covers id, seq and addresses.
 */
export interface PeerInfo {
  readonly id: NodeId
  readonly addrs: readonly Uint8Array[]
  readonly seq?: number
  readonly signature?: Uint8Array
}

export type MembershipMessage =
  /** A new node asks its contact to let it in. */
  | { readonly kind: 'join', readonly peer: PeerInfo }
  /** The contact took the new node into its active view. */
  | { readonly kind: 'joinReply', readonly peer: PeerInfo }
  /** A random walk announcing `peer`, with `ttl` hops left (ARWL at the contact). */
  | { readonly kind: 'forwardJoin', readonly peer: PeerInfo, readonly ttl: number }
  /** Please take me into your active view; `high`: I have no active peer at all. */
  | { readonly kind: 'neighbor', readonly peer: PeerInfo, readonly high: boolean }
  | { readonly kind: 'neighborReply', readonly peer: PeerInfo, readonly accepted: boolean }
  /** I dropped you from my active view; keep me as a passive peer. */
  | { readonly kind: 'disconnect' }
  /** A shuffle walk started by `peer` (the origin), carrying a sample of its views; `path`: the forwarders so far. */
  | { readonly kind: 'shuffle', readonly peer: PeerInfo, readonly ttl: number, readonly peers: readonly PeerInfo[], readonly exchange: number, readonly path?: readonly NodeId[] }
  /** The answer to a shuffle; `route`: when it travels back along the walk, the hops still to go (the origin last). */
  | { readonly kind: 'shuffleReply', readonly peers: readonly PeerInfo[], readonly exchange: number, readonly route?: readonly NodeId[] }
  /** Nothing else to say on this link lately: I am alive. */
  | { readonly kind: 'keepalive' }

export type MembershipKind = MembershipMessage['kind']
