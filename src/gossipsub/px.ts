/**
 * Peer exchange (libp2p specs pubsub/gossipsub v1.1 "Peer Exchange"): a PRUNE may carry other peers of the
 * topic, so the pruned peer can rebuild its mesh without a discovery service; the pruned peer follows the
 * offer only from a peer it scores at least `acceptPXThreshold`. Without signed peer records an offer is
 * just peer ids: we dial a few, and the connection (with its own authentication) decides the rest.
 */
import type { NodeId } from '../core/protocol.js'
import type { Rng } from '../core/rng.js'
import type { RPC } from '../wire/rpc.js'
import { peerIdBytesOf } from './control.js'
import { peerIdString } from './signing.js'

/** Up to `n` of `others`, chosen at random, as a PRUNE's peer list. */
export function offerPeers (others: readonly NodeId[], n: number, rng: Rng): RPC.PeerInfo[] {
  return rng.sample([...others], n).map(p => ({ peerID: peerIdBytesOf(p) }))
}

/** Up to `n` of the offered peers, at random, that are peer ids we are not linked to (and not us). */
export function peersToDial (offered: readonly RPC.PeerInfo[], n: number, rng: Rng, skip: (id: NodeId) => boolean): NodeId[] {
  const out: NodeId[] = []
  for (const info of rng.sample([...offered], n)) {
    if (info.peerID === undefined) continue
    try {
      const id = peerIdString(info.peerID)
      if (!skip(id)) out.push(id)
    } catch {
      // not a peer id: ignore the entry
    }
  }
  return out
}
