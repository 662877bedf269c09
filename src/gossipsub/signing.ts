/**
 * Message signing for libp2p pubsub (libp2p specs pubsub/README.md "Message Signing"):
 *   StrictSign:   every message carries `from` (the author's peer id), an 8-byte `seqno` and a `signature`:
 *                 Ed25519 over the bytes "libp2p-pubsub:" ‖ the protobuf encoding of the message without its
 *                 signature and key. `key` is set only when the public key cannot be read from the peer id.
 *   StrictNoSign: none of from, seqno, signature, key may be present; ids come from the content.
 * Default message ids: `from ‖ seqno` under StrictSign (as go-libp2p-pubsub), SHA-256 of the data under
 * StrictNoSign. Ed25519 runs on node:crypto with key objects cached (rebuilding them per message costs
 * more than the signature itself).
 */
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto'
import { peerIdFromMultihash, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { PublicKey } from '@libp2p/interface'
import * as Digest from 'multiformats/hashes/digest'
import { RPC } from '../wire/rpc.js'
import { FifoMap } from '../core/fifo.js'

export type SignaturePolicy = 'StrictSign' | 'StrictNoSign'

const PREFIX = new TextEncoder().encode('libp2p-pubsub:')
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** An Ed25519 identity: the 32-byte seed, its public key, and the libp2p peer id they make. */
export interface Identity {
  readonly peerId: string
  /** The peer id's multihash bytes: the `from` field of messages we author. */
  readonly peerIdBytes: Uint8Array<ArrayBuffer>
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

/** The identity whose Ed25519 private key is `seed` (32 bytes). */
export function identityFromSeed (seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes')
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32))
  // libp2p PublicKey protobuf { Type = Ed25519 (1), Data = key }, in an identity multihash.
  const proto = Uint8Array.from([0x08, 0x01, 0x12, 0x20, ...publicKey])
  const peerIdBytes = Uint8Array.from([0x00, proto.length, ...proto])
  const peerId = peerIdFromMultihash(Digest.decode(peerIdBytes)).toString()
  return { peerId, peerIdBytes, publicKey, privateKey }
}

/** The bytes a signature covers. */
export function signedBytes (msg: RPC.Message): Uint8Array {
  const body = RPC.Message.encode({ from: msg.from, data: msg.data, seqno: msg.seqno, topic: msg.topic } as RPC.Message)
  const out = new Uint8Array(PREFIX.length + body.length)
  out.set(PREFIX)
  out.set(body, PREFIX.length)
  return out
}

/** A signed message authored by `id`. */
export function signMessage (id: Identity, topic: string, data: Uint8Array, seqno: Uint8Array): RPC.Message {
  const msg = { from: id.peerIdBytes, data, seqno, topic } as RPC.Message
  msg.signature = new Uint8Array(edSign(null, signedBytes(msg), id.privateKey))
  return msg
}

export type Rejection =
  | 'missing-signature' | 'missing-from' | 'bad-seqno' | 'bad-from' | 'bad-key' | 'bad-signature' | 'unexpected-signature-fields'

type Verify = (data: Uint8Array, signature: Uint8Array) => boolean

/**
 * Checks messages against a signature policy, caching the authors' public keys (bounded). With `memo` > 0
 * it also remembers that many verdicts, keyed by the signature and a hash of the signed bytes: the
 * simulator shares one such verifier among all its nodes, which all check the same messages (a verdict
 * is a pure function of the bytes, so sharing changes no outcome, only the CPU spent).
 */
export class SignatureVerifier {
  private readonly keys = new Map<string, Verify>()
  private readonly verdicts = new FifoMap<string, boolean>()

  constructor (readonly policy: SignaturePolicy, private readonly maxKeys = 4096, private readonly memo = 0) {}

  /** Undefined when `msg` is valid under the policy, else why not. */
  check (msg: RPC.Message): Rejection | undefined {
    if (this.policy === 'StrictNoSign') {
      return msg.from !== undefined || msg.seqno !== undefined || msg.signature !== undefined || msg.key !== undefined
        ? 'unexpected-signature-fields'
        : undefined
    }
    if (msg.signature === undefined) return 'missing-signature'
    if (msg.from === undefined) return 'missing-from'
    if (msg.seqno === undefined || msg.seqno.length !== 8) return 'bad-seqno'
    const verify = this.verifierFor(msg.from, msg.key)
    if (typeof verify === 'string') return verify
    const bytes = signedBytes(msg)
    let memoKey: string | undefined
    if (this.memo > 0) {
      memoKey = Buffer.from(msg.signature).toString('latin1') + createHash('sha256').update(bytes).digest().toString('latin1')
      const known = this.verdicts.get(memoKey)
      if (known !== undefined) return known ? undefined : 'bad-signature'
    }
    let ok: boolean
    try {
      ok = verify(bytes, msg.signature)
    } catch {
      ok = false
    }
    if (memoKey !== undefined) {
      this.verdicts.set(memoKey, ok)
      if (this.verdicts.size > this.memo) this.verdicts.shift()
    }
    return ok ? undefined : 'bad-signature'
  }

  private verifierFor (from: Uint8Array, inline: Uint8Array | undefined): Verify | Rejection {
    const cacheKey = Buffer.from(from).toString('latin1')
    const hit = this.keys.get(cacheKey)
    if (hit !== undefined) return hit
    let verify: Verify
    try {
      const peer = peerIdFromMultihash(Digest.decode(from))
      let pk: PublicKey | undefined = peer.publicKey
      if (pk === undefined) {
        // The key is not inlined in the id (RSA): it must come in `key` and hash to the id.
        if (inline === undefined) return 'bad-key'
        const given = publicKeyFromProtobuf(inline)
        if (!peerIdFromPublicKey(given).equals(peer)) return 'bad-key'
        pk = given
      }
      if (pk.type === 'Ed25519') {
        // Fast path: node:crypto with a cached key object.
        const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, pk.raw]), format: 'der', type: 'spki' })
        verify = (data, sig) => edVerify(null, data, key, sig)
      } else {
        const key = pk
        verify = (data, sig) => key.verify(data, sig) as boolean
      }
    } catch {
      return 'bad-from'
    }
    this.keys.set(cacheKey, verify)
    if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value!)
    return verify
  }
}

/** The default message id: `from ‖ seqno` (StrictSign), or SHA-256 of the data (StrictNoSign). */
export function defaultMessageId (policy: SignaturePolicy, msg: RPC.Message): Uint8Array<ArrayBuffer> {
  if (policy === 'StrictSign' && msg.from !== undefined && msg.seqno !== undefined) {
    const id = new Uint8Array(msg.from.length + msg.seqno.length)
    id.set(msg.from)
    id.set(msg.seqno, msg.from.length)
    return id
  }
  return new Uint8Array(createHash('sha256').update(msg.data ?? new Uint8Array(0)).digest())
}

const idStrings = new Map<string, string>()

/** Peer-id bytes (a multihash) → the peer id string; throws on bytes that are not a peer id. Cached (bounded). */
export function peerIdString (bytes: Uint8Array): string {
  const k = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  let s = idStrings.get(k)
  if (s === undefined) {
    s = peerIdFromMultihash(Digest.decode(bytes)).toString()
    idStrings.set(k, s)
    if (idStrings.size > 4096) idStrings.delete(idStrings.keys().next().value!)
  }
  return s
}

/** Peer id string → its multihash bytes. */
export function peerIdBytes (id: string): Uint8Array {
  return peerIdFromString(id).toMultihash().bytes
}

/** An 8-byte big-endian sequence number. */
export function seqnoBytes (n: bigint): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}
