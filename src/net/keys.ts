/**
 * Message authors whose key is not an inlined Ed25519 key (RSA, secp256k1, ECDSA peers of go-libp2p and
 * js-libp2p networks), checked with @libp2p/crypto: the key comes from the peer id (secp256k1) or from the
 * message's `key` field, which must hash to the id (libp2p specs pubsub/README.md "Message Signing").
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { PublicKey } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromPublicKey } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { KeyDecoder } from '../gossipsub/signing.js'

export const libp2pKeyDecoder: KeyDecoder = (from, inline) => {
  const peer = peerIdFromMultihash(Digest.decode(from))
  let pk: PublicKey | undefined = peer.publicKey
  if (pk === undefined) {
    // The key is not inlined in the id (RSA): it must come in `key` and hash to the id.
    if (inline === undefined) return 'bad-key'
    const given = publicKeyFromProtobuf(inline)
    if (!peerIdFromPublicKey(given).equals(peer)) return 'bad-key'
    pk = given
  }
  const key = pk
  return (data, sig) => key.verify(data, sig) as boolean
}
