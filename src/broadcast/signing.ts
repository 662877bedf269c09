/**
 * Authenticated broadcast: what the author of a Plumtree message signs, how the message id follows from it,
 * and how a receiver checks a GOSSIP against the signature policy (the policies of libp2p pubsub).
 *
 *   StrictSign    a GOSSIP carries `source` (the author's peer id, whose Ed25519 key it inlines), `seqno`
 *                 (the author's counter, < 2^53) and `signature`: Ed25519 over
 *                   "grapevine-broadcast:" ‖ varint(byte length of source) ‖ source (UTF-8) ‖ seqno (8 bytes,
 *                   big-endian) ‖ payload
 *                 The prefix keeps these signatures apart from any other thing the same key signs (pub/sub
 *                 messages, state entries); the length prefix makes the split between source and the rest
 *                 unambiguous; the payload runs to the end.
 *                 The id is `<source>/<seqno>`, built from signed fields only: a valid message with a given id
 *                 can come only from the peer the id names, so nobody can make a message that collides with
 *                 another author's id and shadows it (the author alone can reuse its own seqno, which spoils
 *                 only its own messages). The id costs no hashing, so duplicates are recognised before any
 *                 work, and it says who wrote the message.
 *   StrictNoSign  closed clusters: a GOSSIP carries none of source, seqno, signature (one that does is
 *                 refused), and its id is the one its source chose.
 * The source string is signed as written, so a relay cannot rewrite it in another encoding of the same peer
 * id (which would change the id and make the message deliverable twice).
 */
import { utf8Length, varintLength } from '../core/bytes.js'
import type { Identity, PeerVerifier, SignaturePolicy } from '../core/identity.js'
import { signBytes } from '../core/identity.js'
import type { Gossip } from './messages.js'

const utf8 = new TextEncoder()
const PREFIX = utf8.encode('grapevine-broadcast:')

/** Why a GOSSIP was refused under the node's signature policy. */
export type BroadcastRejection = 'missing-source' | 'missing-signature' | 'bad-id' | 'bad-signature' | 'unexpected-signature-fields'

export const BROADCAST_REJECTIONS: readonly BroadcastRejection[] = ['missing-source', 'missing-signature', 'bad-id', 'bad-signature', 'unexpected-signature-fields']

/** The id of a signed message. */
export function signedMessageId (source: string, seqno: number): string {
  return `${source}/${seqno}`
}

/** The bytes the author signs (see the header). */
export function signedBytes (source: string, seqno: number, payload: Uint8Array): Uint8Array {
  return scratchSignedBytes(source, seqno, payload).slice()
}

/**
 * A reused buffer for the bytes a receiver checks: one per message at every node adds up (a fresh typed array
 * of this size lives outside the JavaScript heap and costs the garbage collector more than the copy).
 */
let scratch = withPrefix(4096)

function withPrefix (size: number): Uint8Array {
  const b = new Uint8Array(size)
  b.set(PREFIX)
  return b
}

/** `signedBytes`, written into a shared buffer: valid until the next call (verification is synchronous). */
function scratchSignedBytes (source: string, seqno: number, payload: Uint8Array): Uint8Array {
  const srcLen = utf8Length(source)
  const varint = varintLength(srcLen)
  const length = PREFIX.length + varint + srcLen + 8 + payload.length
  if (scratch.length < length) scratch = withPrefix(Math.max(length, 2 * scratch.length))
  const out = scratch
  let pos = PREFIX.length
  let n = srcLen
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out[pos++] = (n & 0x7f) | 0x80
  out[pos++] = n
  if (srcLen === source.length) {
    // ASCII, as peer ids are: one byte per character.
    for (let i = 0; i < srcLen; i++) out[pos + i] = source.charCodeAt(i)
  } else {
    utf8.encodeInto(source, out.subarray(pos, pos + srcLen))
  }
  pos += srcLen
  const hi = Math.floor(seqno / 0x1_0000_0000)
  const lo = seqno >>> 0
  out[pos] = hi >>> 24; out[pos + 1] = (hi >>> 16) & 0xff; out[pos + 2] = (hi >>> 8) & 0xff; out[pos + 3] = hi & 0xff
  out[pos + 4] = lo >>> 24; out[pos + 5] = (lo >>> 16) & 0xff; out[pos + 6] = (lo >>> 8) & 0xff; out[pos + 7] = lo & 0xff
  out.set(payload, pos + 8)
  return out.subarray(0, length)
}

/** A new GOSSIP by `author` (round 0). */
export function signGossip (author: Identity, seqno: number, payload: Uint8Array): Gossip {
  const source = author.peerId
  return { kind: 'gossip', id: signedMessageId(source, seqno), round: 0, payload, source, seqno, signature: signBytes(author, signedBytes(source, seqno, payload)) }
}

/**
 * Undefined when `msg` is acceptable under `policy`, else why not. Under StrictSign this checks the signature
 * (one Ed25519 verification, or a verdict the verifier remembers); call it only for a message not seen before.
 */
export function checkGossip (policy: SignaturePolicy, verifier: PeerVerifier, msg: Gossip): BroadcastRejection | undefined {
  if (policy === 'StrictNoSign') {
    return msg.source !== undefined || msg.seqno !== undefined || msg.signature !== undefined ? 'unexpected-signature-fields' : undefined
  }
  if (msg.source === undefined || msg.seqno === undefined) return 'missing-source'
  if (msg.signature === undefined) return 'missing-signature'
  // The codec derives the id from these fields; this guards messages that did not come through it.
  if (msg.id !== signedMessageId(msg.source, msg.seqno)) return 'bad-id'
  return verifier.verify(msg.source, scratchSignedBytes(msg.source, msg.seqno, msg.payload), msg.signature) ? undefined : 'bad-signature'
}
