/**
 * libp2p peer ids without libp2p (libp2p specs peer-ids/peer-ids.md): a peer id is a multihash — the
 * identity hash of the protobuf-encoded public key when that encoding is at most 42 bytes (Ed25519,
 * secp256k1), else its SHA-256 (RSA, ECDSA) — written as base58btc without a multibase prefix, or as a
 * CIDv1 of codec libp2p-key. The router reads authors' ids and Ed25519 keys from message bytes with these;
 * keys of other types need a `KeyDecoder` (./signing.ts), which the network driver supplies.
 */
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const IDENTITY = 0x00
const SHA2_256 = 0x12
const LIBP2P_KEY = 0x72
/** protobuf PublicKey { Type = Ed25519 (1); Data = 32 bytes } */
const ED25519_PREFIX = [0x08, 0x01, 0x12, 0x20]
/** protobuf PublicKey { Type = Secp256k1 (2); Data = 33 bytes (compressed point) } */
const SECP256K1_PREFIX = [0x08, 0x02, 0x12, 0x21]

/** Peer-id bytes (a multihash) → the peer id string; throws on bytes that are not a peer id. */
export function peerIdFromBytes (bytes: Uint8Array): string {
  const mh = Digest.decode(bytes)
  const ok = mh.code === SHA2_256
    ? mh.digest.length === 32
    : mh.code === IDENTITY && (hasPrefix(mh.digest, ED25519_PREFIX, 32) || hasPrefix(mh.digest, SECP256K1_PREFIX, 33))
  if (!ok) throw new TypeError('not a libp2p peer id (an identity multihash of an Ed25519 or secp256k1 key, or a SHA-256 multihash)')
  return base58btc.encode(bytes).slice(1)
}

/** Peer id string → its multihash bytes; throws on strings that are not peer ids. */
export function peerIdToBytes (id: string): Uint8Array {
  let bytes: Uint8Array
  if (id.startsWith('1') || id.startsWith('Q')) {
    bytes = base58btc.decode(`z${id}`)
  } else {
    const cid = CID.parse(id)
    if (cid.version !== 1 || cid.code !== LIBP2P_KEY) throw new TypeError('not a libp2p-key CID')
    bytes = cid.multihash.bytes
  }
  peerIdFromBytes(bytes)
  return bytes
}

/** The raw 32-byte Ed25519 public key inlined in peer-id bytes, or undefined for other key types. */
export function ed25519KeyOf (bytes: Uint8Array): Uint8Array | undefined {
  const mh = Digest.decode(bytes)
  if (mh.code !== IDENTITY || !hasPrefix(mh.digest, ED25519_PREFIX, 32)) return undefined
  return mh.digest.subarray(ED25519_PREFIX.length)
}

/** The peer-id bytes of an Ed25519 public key (32 bytes). */
export function peerIdBytesOfEd25519 (publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const proto = Uint8Array.from([...ED25519_PREFIX, ...publicKey])
  return Uint8Array.from([IDENTITY, proto.length, ...proto])
}

function hasPrefix (digest: Uint8Array, prefix: readonly number[], keyLength: number): boolean {
  if (digest.length !== prefix.length + keyLength) return false
  for (let i = 0; i < prefix.length; i++) if (digest[i] !== prefix[i]) return false
  return true
}
