/**
 * Message signing for libp2p pubsub (libp2p specs pubsub/README.md "Message Signing"):
 *   StrictSign:   every message carries `from` (the author's peer id), an 8-byte `seqno` and a `signature`:
 *                 Ed25519 over the bytes "libp2p-pubsub:" ‖ the protobuf encoding of the message without its
 *                 signature and key. `key` is set only when the public key cannot be read from the peer id.
 *   StrictNoSign: none of from, seqno, signature, key may be present; ids come from the content.
 * Default message ids: `from ‖ seqno` under StrictSign (as go-libp2p-pubsub), SHA-256 of the data under
 * StrictNoSign. Ed25519 runs on node:crypto with key objects cached (rebuilding them per message costs
 * more than the signature itself); authors with other key types (RSA, secp256k1, ECDSA) are checked by a
 * `KeyDecoder` the caller supplies (the network driver's uses @libp2p/crypto), so this module, and with it
 * the simulator, loads nothing of libp2p.
 */
import { createHash } from 'node:crypto'
import { RPC } from '../wire/rpc.js'
import { FifoMap } from '../core/fifo.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import { ed25519KeyOf, peerIdFromBytes, peerIdToBytes } from '../core/peerid.js'
import { ed25519Verify, signBytes, type Identity, type Verify } from '../core/identity.js'
import type { SignatureCheck } from '../core/protocol.js'

export type { SignaturePolicy } from '../core/identity.js'
import type { SignaturePolicy } from '../core/identity.js'

const PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/**
 * The bytes a signature covers: the prefix, then the message's protobuf encoding without signature and key
 * (fields 1 from, 2 data, 3 seqno, 4 topic, in order, each only when present, the topic only when not
 * empty — byte for byte what RPC.Message.encode gives), written straight into one buffer.
 */
export function signedBytes (msg: RPC.Message): Uint8Array {
  const topicLength = msg.topic !== undefined && msg.topic !== '' ? utf8Length(msg.topic) : 0
  let size = PREFIX.length
  for (const f of [msg.from, msg.data, msg.seqno]) if (f != null) size += 1 + varintLength(f.length) + f.length
  if (topicLength > 0) size += 1 + varintLength(topicLength) + topicLength
  const out = Buffer.allocUnsafe(size)
  out.set(PREFIX)
  let at = PREFIX.length
  const field = (tag: number, length: number): void => {
    out[at++] = tag
    for (let n = length; ; n >>>= 7) {
      if (n < 0x80) {
        out[at++] = n
        break
      }
      out[at++] = (n & 0x7f) | 0x80
    }
  }
  if (msg.from != null) { field(10, msg.from.length); out.set(msg.from, at); at += msg.from.length }
  if (msg.data != null) { field(18, msg.data.length); out.set(msg.data, at); at += msg.data.length }
  if (msg.seqno != null) { field(26, msg.seqno.length); out.set(msg.seqno, at); at += msg.seqno.length }
  if (topicLength > 0) { field(34, topicLength); out.write(msg.topic, at, 'utf8') }
  return out
}

/** A signed message authored by `id`. */
export function signMessage (id: Identity, topic: string, data: Uint8Array, seqno: Uint8Array): RPC.Message {
  const msg = { from: id.peerIdBytes, data, seqno, topic } as RPC.Message
  msg.signature = signBytes(id, signedBytes(msg))
  return msg
}

export type Rejection =
  | 'missing-signature' | 'missing-from' | 'bad-seqno' | 'bad-from' | 'bad-key' | 'bad-signature' | 'unexpected-signature-fields'

/**
 * Turns the author of a message whose key is not an inlined Ed25519 key into a verify function: `from` is
 * the author's peer-id bytes, `key` the message's `key` field (required when the id is a hash of the key).
 */
export type KeyDecoder = (from: Uint8Array, key: Uint8Array | undefined) => Verify | Rejection

export interface VerifierOptions {
  /** Authors' keys cached (default 4096). */
  maxKeys?: number
  /** Verdicts remembered (default 0: none). */
  memo?: number
  /** Key types other than Ed25519; without one, such authors are rejected as 'bad-key'. */
  decodeKey?: KeyDecoder | undefined
}

/**
 * Checks messages against a signature policy, caching the authors' public keys (bounded). With `memo` > 0
 * it also remembers that many verdicts, keyed by the signature and a hash of the signed bytes: the
 * simulator shares one such verifier among all its nodes, which all check the same messages (a verdict
 * is a pure function of the bytes, so sharing changes no outcome, only the CPU spent).
 */
export class SignatureVerifier {
  private readonly keys: FifoMap<string, Verify>
  private readonly verdicts: FifoMap<string, boolean>
  private readonly memo: number
  private readonly decodeKey: KeyDecoder | undefined
  /** Verdicts made elsewhere (a driver's worker threads), for the message objects they are about. */
  private readonly given = new WeakMap<RPC.Message, boolean>()

  constructor (readonly policy: SignaturePolicy, opts: VerifierOptions = {}) {
    this.keys = new FifoMap(opts.maxKeys ?? 4096)
    this.memo = opts.memo ?? 0
    this.verdicts = new FifoMap(this.memo)
    this.decodeKey = opts.decodeKey
  }

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
    const given = this.given.get(msg)
    if (given !== undefined) return given ? undefined : 'bad-signature'
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
      // The same object again (the simulator without its codec hands every recipient the sender's object) needs no hashing.
      this.given.set(msg, ok)
    }
    return ok ? undefined : 'bad-signature'
  }

  /**
   * The Ed25519 check `msg`'s signature needs, for a driver to make elsewhere (then `give` its verdict), or
   * undefined when it needs none or the author's key is not an inlined Ed25519 key (checked inline then).
   */
  checkOf (msg: RPC.Message): SignatureCheck | undefined {
    if (this.policy !== 'StrictSign' || msg.signature?.length !== 64 || msg.from === undefined || msg.seqno?.length !== 8) return undefined
    let publicKey: Uint8Array | undefined
    try {
      publicKey = ed25519KeyOf(msg.from)
    } catch {
      return undefined
    }
    if (publicKey === undefined) return undefined
    return { publicKey, signed: signedBytes(msg), signature: msg.signature, subject: msg }
  }

  /** A verdict on `msg`'s signature made elsewhere: `check` uses it instead of verifying. */
  give (msg: RPC.Message, ok: boolean): void {
    this.given.set(msg, ok)
  }

  private verifierFor (from: Uint8Array, inline: Uint8Array | undefined): Verify | Rejection {
    const cacheKey = Buffer.from(from.buffer, from.byteOffset, from.byteLength).toString('latin1')
    const hit = this.keys.get(cacheKey)
    if (hit !== undefined) return hit
    let verify: Verify | Rejection
    try {
      peerIdFromBytes(from)
      const raw = ed25519KeyOf(from)
      if (raw !== undefined) {
        // Fast path: node:crypto with a cached key object.
        verify = ed25519Verify(raw)
      } else {
        verify = this.decodeKey?.(from, inline) ?? 'bad-key'
      }
    } catch {
      return 'bad-from'
    }
    if (typeof verify !== 'string') this.keys.set(cacheKey, verify)
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

const idStrings = new FifoMap<string, string>(4096)

/** Peer-id bytes (a multihash) → the peer id string; throws on bytes that are not a peer id. Cached (bounded). */
export function peerIdString (bytes: Uint8Array): string {
  const k = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  let s = idStrings.get(k)
  if (s === undefined) {
    s = peerIdFromBytes(bytes)
    idStrings.set(k, s)
  }
  return s
}

/** The author's peer id of a signed message, null when it has none or it is not a peer id. */
export function authorOf (msg: RPC.Message): string | null {
  if (msg.from === undefined) return null
  try {
    return peerIdString(msg.from)
  } catch {
    return null
  }
}

/** Peer id string → its multihash bytes. */
export function peerIdBytes (id: string): Uint8Array {
  return peerIdToBytes(id)
}

/** An 8-byte big-endian sequence number. */
export function seqnoBytes (n: bigint): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}
