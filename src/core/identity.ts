/**
 * A node's Ed25519 identity and signatures by peer id. Every signed thing in grapevine — pub/sub messages
 * (libp2p pubsub "Message Signing"), replicated-state entries and heads, Plumtree payloads — is signed with
 * the author's Ed25519 key and checked against the author's peer id, which inlines the public key
 * (libp2p specs peer-ids/peer-ids.md). Ed25519 runs on node:crypto with key objects cached: rebuilding a
 * key object per message costs more than the signature itself. Pure computation, no I/O: protocol cores
 * sign and verify themselves.
 *
 * A `PeerVerifier` may remember verdicts (`memo`): the simulator shares one among all its nodes, which all
 * check the same signatures; a verdict is a pure function of the bytes, so sharing changes no outcome,
 * only the CPU spent.
 */
import * as nodeCrypto from 'node:crypto'
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto'
import { FifoMap } from './fifo.js'
import { ed25519KeyOf, peerIdBytesOfEd25519, peerIdFromBytes, peerIdToBytes } from './peerid.js'

const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** Whether authors sign (and receivers require signatures), as in libp2p pubsub: StrictSign, or StrictNoSign for closed clusters. */
export type SignaturePolicy = 'StrictSign' | 'StrictNoSign'

/** An Ed25519 identity: the 32-byte seed, its public key, and the libp2p peer id they make. */
export interface Identity {
  readonly peerId: string
  /** The peer id's multihash bytes. */
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
  const peerIdBytes = peerIdBytesOfEd25519(publicKey)
  return { peerId: peerIdFromBytes(peerIdBytes), peerIdBytes, publicKey, privateKey }
}

/** An Ed25519 signature (64 bytes) of `bytes` by `id`. */
export function signBytes (id: Identity, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(edSign(null, bytes, id.privateKey))
}

export type Verify = (data: Uint8Array, signature: Uint8Array) => boolean

/** The verify function of an Ed25519 public key (32 raw bytes). */
export function ed25519Verify (raw: Uint8Array): Verify {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' })
  return (data, sig) => {
    try {
      return edVerify(null, data, key, sig)
    } catch {
      return false
    }
  }
}

// SHA-256 as a latin1 string: one-shot `crypto.hash` where Node has it (20.12+), five times cheaper than a Hash object.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'binary') => string }).hash
const sha256Latin1: (bytes: Uint8Array) => string = oneShot !== undefined
  ? bytes => oneShot('sha256', bytes, 'binary')
  : bytes => createHash('sha256').update(bytes).digest().toString('latin1')

export interface PeerVerifierOptions {
  /** Authors' keys cached (default 4096). */
  maxKeys?: number
  /** Verdicts remembered (default 0: none). */
  memo?: number
}

/** Checks signatures against peer ids (Ed25519 ids, whose key is inlined), with keys cached (bounded). */
export class PeerVerifier {
  private readonly keys: FifoMap<string, Verify | null>
  private readonly verdicts: FifoMap<string, boolean>
  private readonly memo: number
  /** Signatures checked (memoised verdicts excluded): what verification cost. */
  checked = 0

  constructor (opts: PeerVerifierOptions = {}) {
    this.keys = new FifoMap(opts.maxKeys ?? 4096)
    this.memo = opts.memo ?? 0
    this.verdicts = new FifoMap(this.memo)
  }

  /** True when `signature` is `peerId`'s Ed25519 signature of `bytes`; false for any other peer id or bytes. */
  verify (peerId: string, bytes: Uint8Array, signature: Uint8Array | undefined): boolean {
    if (signature === undefined || signature.length !== 64) return false
    const verify = this.keyOf(peerId)
    if (verify === null) return false
    let memoKey: string | undefined
    if (this.memo > 0) {
      memoKey = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1') + sha256Latin1(bytes)
      const known = this.verdicts.get(memoKey)
      if (known !== undefined) return known
    }
    this.checked++
    const ok = verify(bytes, signature)
    if (memoKey !== undefined) this.verdicts.set(memoKey, ok)
    return ok
  }

  private keyOf (peerId: string): Verify | null {
    let v = this.keys.get(peerId)
    if (v !== undefined) return v
    try {
      const raw = ed25519KeyOf(peerIdToBytes(peerId))
      v = raw === undefined ? null : ed25519Verify(raw)
    } catch {
      v = null
    }
    this.keys.set(peerId, v)
    return v
  }
}
