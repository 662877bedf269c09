/**
 * Message-id schemes under StrictSign with the default id function. The libp2p pubsub spec (pubsub/README.md
 * "Message Identification") leaves the id to the implementation, and the three big ones chose differently:
 *   'peer-id'    — the author's peer-id bytes (a multihash) ‖ the 8-byte seqno: go-libp2p-pubsub's
 *                  DefaultMsgIdFn, and grapevine's canonical form. Starts with 0x00 (identity) or 0x12 (SHA-256).
 *   'public-key' — the author's protobuf-encoded public key ‖ the 8-byte seqno: @libp2p/gossipsub 17
 *                  (src/utils/msgIdFn.ts, `publicKeyToProtobuf(key) ‖ seqno`). Starts with 0x08 (the
 *                  protobuf tag of the key type). For Ed25519 and secp256k1 authors it is the peer id
 *                  without its two multihash bytes; for RSA it is the whole key (the peer id is its hash).
 *   'rust'       — utf8(base58 peer id ‖ decimal seqno): rust-libp2p gossipsub's default message_id_fn.
 *                  Starts with ASCII '1' (identity peer ids, "12D3Koo…", "16Uiu2…") or 'Q' (RSA, "Qm…").
 * All deliver one another's messages, but ids in IHAVE / IWANT / IDONTWANT do not match across schemes: the
 * router turns every id it receives into the canonical form, and renders the ids it sends in the scheme of
 * the peer they go to — learnt from the ids the peer sent, and until then guessed from its identify agent.
 * Under StrictNoSign every implementation hashes the data (SHA-256), so nothing is translated.
 */
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { FifoMap } from '../core/fifo.js'
import { peerIdToBytes } from '../core/peerid.js'
import type { NodeId } from '../core/protocol.js'

export type IdScheme = 'peer-id' | 'public-key' | 'rust'

export const ID_SCHEMES: readonly IdScheme[] = ['peer-id', 'public-key', 'rust']

const SEQNO = 8
/** Protobuf public keys up to this long are inlined in the peer id (identity multihash); longer ones are hashed. */
const MAX_INLINE_KEY = 42

/** The scheme an id is written in, from its first byte; undefined when it is none of them. */
export function schemeOfId (id: Uint8Array): IdScheme | undefined {
  switch (id[0]) {
    case 0x00: case 0x12: return 'peer-id'
    case 0x08: return 'public-key'
    case 0x31: case 0x51: return 'rust' // '1', 'Q'
    default: return undefined
  }
}

/**
 * A guess from a peer's identify agent version: grapevine and go peers use the canonical scheme, plain
 * js-libp2p ("js-libp2p/3.x node/20") the public-key one, rust-libp2p's default agent the rust one.
 */
export function schemeOfAgent (agent: string | undefined): IdScheme | undefined {
  if (agent === undefined) return undefined
  if (agent.startsWith('grapevine/')) return 'peer-id'
  if (agent.startsWith('js-libp2p/') || agent.startsWith('libp2p/')) return 'public-key'
  if (agent.startsWith('rust-libp2p/')) return 'rust'
  if (agent.includes('go-libp2p')) return 'peer-id'
  return undefined
}

/** A canonical id (peer-id bytes ‖ seqno) in `scheme`; `keyOf` gives RSA authors' protobuf keys. Undefined if it cannot be written so. */
export function renderMessageId (id: Uint8Array<ArrayBuffer>, scheme: IdScheme, keyOf: (from: Uint8Array) => Uint8Array | undefined = () => undefined): Uint8Array<ArrayBuffer> | undefined {
  if (scheme === 'peer-id') return id
  const from = canonicalAuthor(id)
  if (from === undefined) return undefined
  const seqno = id.subarray(from.length)
  if (scheme === 'rust') return new TextEncoder().encode(base58btc.encode(from).slice(1) + new DataView(seqno.buffer, seqno.byteOffset, SEQNO).getBigUint64(0).toString())
  const key = from[0] === 0x00 ? from.subarray(2) : keyOf(from)
  if (key === undefined) return undefined
  const out = new Uint8Array(key.length + SEQNO)
  out.set(key)
  out.set(seqno, key.length)
  return out
}

/** Any scheme's id → the canonical one; undefined when it is not a StrictSign id of a known scheme. */
export function canonicalMessageId (id: Uint8Array<ArrayBuffer>, learnKey?: (from: Uint8Array<ArrayBuffer>, key: Uint8Array) => void): Uint8Array<ArrayBuffer> | undefined {
  const scheme = schemeOfId(id)
  if (scheme === 'peer-id') return canonicalLength(id) ? id : undefined
  if (scheme === 'public-key') {
    if (id.length <= SEQNO + 4) return undefined
    const key = id.subarray(0, id.length - SEQNO)
    const seqno = id.subarray(id.length - SEQNO)
    let from: Uint8Array<ArrayBuffer>
    if (key.length <= MAX_INLINE_KEY) {
      from = Uint8Array.from([0x00, key.length, ...key])
    } else {
      from = Uint8Array.from([0x12, 0x20, ...createHash('sha256').update(key).digest()])
      learnKey?.(from, key)
    }
    const out = new Uint8Array(from.length + SEQNO)
    out.set(from)
    out.set(seqno, from.length)
    return out
  }
  if (scheme === 'rust') return fromRust(id)
  return undefined
}

/** Whether `id` is a canonical id: an author's peer-id bytes followed by exactly an 8-byte seqno. */
function canonicalLength (id: Uint8Array): boolean {
  if (id.length < 2 + SEQNO) return false
  const len = id[1]!
  if (len >= 0x80 || !(id[0] === 0x00 || (id[0] === 0x12 && len === 32))) return false
  return id.length === 2 + len + SEQNO
}

/** The author's peer-id bytes at the start of a canonical id followed by exactly an 8-byte seqno. */
function canonicalAuthor (id: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | undefined {
  return canonicalLength(id) ? id.subarray(0, 2 + id[1]!) : undefined
}

const DIGITS = /^[0-9]+$/

/** base58 peer id ‖ decimal seqno → canonical. The peer id is the longest prefix that parses as one. */
function fromRust (id: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (id.length > 128) return undefined
  const s = new TextDecoder().decode(id)
  for (let cut = Math.min(s.length - 1, 60); cut >= 40; cut--) {
    const digits = s.slice(cut)
    if (!DIGITS.test(digits) || digits.length > 20) continue
    let from: Uint8Array
    try {
      from = peerIdToBytes(s.slice(0, cut))
    } catch {
      continue
    }
    const n = BigInt(digits)
    if (n >= 1n << 64n) return undefined
    const out = new Uint8Array(from.length + SEQNO)
    out.set(from)
    new DataView(out.buffer).setBigUint64(from.length, n)
    return out
  }
  return undefined
}

export type IdCounters = Record<IdScheme, number>

/**
 * Per-peer id schemes for the router: canonicalises what a peer sends (learning its scheme), renders what
 * we send in the peer's scheme, and counts ids by scheme both ways. Passive (`enabled` false) under a custom
 * id function or StrictNoSign. Bounded: one entry per connected peer, and a cache of RSA authors' keys.
 */
export class IdSchemes {
  /** Ids received from peers, by the scheme they were written in. */
  readonly received: IdCounters = { 'peer-id': 0, 'public-key': 0, rust: 0 }
  /** Ids sent to peers, by the scheme we wrote them in. */
  readonly sent: IdCounters = { 'peer-id': 0, 'public-key': 0, rust: 0 }
  private readonly peers = new Map<NodeId, IdScheme>()
  /** RSA authors: peer-id bytes (latin1) → protobuf public key. */
  private readonly keys = new FifoMap<string, Uint8Array>(1024)

  constructor (readonly enabled: boolean, private readonly counts: { idsTranslated: number, idsRendered: number } = { idsTranslated: 0, idsRendered: 0 }) {}

  /** A peer came up: guess its scheme from its agent (canonical when unknown). */
  peerUp (peer: NodeId, agent: string | undefined): void {
    if (this.enabled) this.peers.set(peer, schemeOfAgent(agent) ?? 'peer-id')
  }

  peerDown (peer: NodeId): void {
    this.peers.delete(peer)
  }

  /** The scheme we write ids in for `peer`. */
  schemeOf (peer: NodeId): IdScheme {
    return this.peers.get(peer) ?? 'peer-id'
  }

  /** An RSA author's key, from a message's `key` field (needed to write its ids in the public-key scheme). */
  learnKey (from: Uint8Array, key: Uint8Array | undefined): void {
    if (!this.enabled || key === undefined || key.length <= MAX_INLINE_KEY || from[0] !== 0x12) return
    const k = latin1(from)
    if (!this.keys.has(k)) this.keys.set(k, key)
  }

  /** Ids from `peer` → canonical ids (ids of no known scheme are kept as they are). Learns the peer's scheme. */
  fromPeer (peer: NodeId, ids: readonly Uint8Array<ArrayBuffer>[]): readonly Uint8Array<ArrayBuffer>[] {
    if (!this.enabled) return ids
    // The common case, every id canonical already (thousands per IHAVE): counted, and the same array back.
    let i = 0
    while (i < ids.length && schemeOfId(ids[i]!) === 'peer-id' && canonicalLength(ids[i]!)) i++
    if (i > 0) {
      this.received['peer-id'] += i
      const was = this.peers.get(peer)
      if (was !== undefined && was !== 'peer-id') this.peers.set(peer, 'peer-id')
    }
    if (i === ids.length) return ids
    const out = ids.slice(0, i)
    for (; i < ids.length; i++) {
      const id = ids[i]!
      const scheme = schemeOfId(id)
      const canonical = scheme === undefined ? undefined : canonicalMessageId(id, (from, key) => this.learnKey(from, key))
      if (scheme === undefined || canonical === undefined) {
        out.push(id)
        continue
      }
      this.received[scheme]++
      if (scheme !== 'peer-id') this.counts.idsTranslated++
      if (this.peers.has(peer)) this.peers.set(peer, scheme)
      out.push(canonical)
    }
    return out
  }

  /** Canonical ids → `peer`'s scheme (an id that cannot be written so is sent canonical). */
  toPeer (peer: NodeId, ids: readonly Uint8Array<ArrayBuffer>[]): readonly Uint8Array<ArrayBuffer>[] {
    if (!this.enabled) return ids
    const scheme = this.schemeOf(peer)
    if (scheme === 'peer-id') {
      // Canonical ids go out as they are: the same array (an IHAVE shared by every such peer is encoded once).
      this.sent['peer-id'] += ids.length
      return ids
    }
    return ids.map(id => {
      const out = renderMessageId(id, scheme, from => this.keys.get(latin1(from)))
      const as = out === undefined ? 'peer-id' : scheme
      this.sent[as]++
      if (as !== 'peer-id') this.counts.idsRendered++
      return out ?? id
    })
  }
}

function latin1 (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}
