/**
 * Bytes ⇄ libp2p pubsub RPCs (src/wire/rpc.proto; libp2p specs pubsub/README.md, gossipsub v1.0–v1.3),
 * with the bounds that keep a hostile peer from making us allocate: how many subscriptions, messages and
 * control entries one RPC may carry, how many ids an IHAVE / IWANT / IDONTWANT may list, how long topics,
 * ids and payloads may be. Violations are `PeerError`s; the driver counts them and penalises the sender.
 * v1.3's Extensions control message and the Test Extension message carry only flags (nothing to bound);
 * fields of extensions we do not know are skipped by the decoder, within the frame limit.
 */
import { PeerError } from '../core/errors.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import type { Codec } from '../core/protocol.js'
import { RPC } from '../wire/rpc.js'

export interface RpcLimits {
  maxSubscriptions: number
  maxMessages: number
  /**
   * Largest message payload that decodes. Above the router's maxMessageSize on purpose: a too-big message
   * must decode so the router can drop it as too big, not count its RPC as garbage.
   */
  maxDataBytes: number
  maxTopicBytes: number
  /** Control entries of each kind per RPC. */
  maxControlEntries: number
  /** Message ids in one IHAVE, IWANT or IDONTWANT entry. */
  maxIdsPerEntry: number
  maxIdBytes: number
  /** Peers offered by one PRUNE. */
  maxPrunePeers: number
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  maxSubscriptions: 1024,
  maxMessages: 1024,
  maxDataBytes: 4 * 1024 * 1024 + 64 * 1024,
  maxTopicBytes: 1024,
  maxControlEntries: 1024,
  maxIdsPerEntry: 5000,
  /** @libp2p/gossipsub ids of RSA authors carry the whole key: ≈ 300 bytes for 2048 bits, ≈ 560 for 4096. */
  maxIdBytes: 1024,
  maxPrunePeers: 64
}

export type { RPC }

/** IHAVE entries with at least this many ids are encoded once however many RPCs carry them. */
const SHARED_IHAVE_IDS = 64

export class RpcCodec implements Codec<RPC> {
  constructor (readonly limits: RpcLimits = DEFAULT_RPC_LIMITS) {}

  /** IHAVE entries encoded (with their field tag and length), kept while the entry object lives. */
  private readonly ihaves = new WeakMap<RPC.ControlIHave, Uint8Array>()

  /**
   * The protobuf bytes of `rpc`, the same as protons writes them. A heartbeat sends one IHAVE entry object
   * (thousands of ids at high rates) to many peers, each in its own RPC beside that peer's GRAFTs and
   * PRUNEs: a long entry is encoded once and copied into each RPC.
   */
  encode (rpc: RPC): Uint8Array {
    const c = rpc.control
    if (c === undefined || !c.ihave.some(e => e.messageIDs.length >= SHARED_IHAVE_IDS)) return RPC.encode(rpc)
    const parts: Uint8Array[] = []
    for (const e of c.ihave) {
      let b = this.ihaves.get(e)
      if (b === undefined) this.ihaves.set(e, b = field(1, RPC.ControlIHave.encode(e)))
      parts.push(b)
    }
    parts.push(RPC.ControlMessage.encode({ ...c, ihave: [] }))
    const head = RPC.encode({ subscriptions: rpc.subscriptions, messages: rpc.messages })
    const control = field(3, concat(parts))
    const tail = rpc.testExtension === undefined ? undefined : RPC.encode({ subscriptions: [], messages: [], testExtension: rpc.testExtension })
    return concat(tail === undefined ? [head, control] : [head, control, tail])
  }

  /**
   * The encoded length of `rpc`, as a simulator without the codec counts bytes: computed from the field
   * lengths by protons' rules (fields left out when null, a topic also when empty, repeated fields one
   * entry each), so nothing is encoded; RPCs with v1.3 extension fields (rare) are encoded and measured.
   */
  size (rpc: RPC): number {
    const c = rpc.control
    if (rpc.testExtension !== undefined || c?.extensions !== undefined || c?.prune.some(p => p.backoff != null && p.backoff < 0) === true) return this.encode(rpc).length
    let n = 0
    for (const x of rpc.subscriptions) n += fieldBytes((x.subscribe == null ? 0 : 2) + optStringBytes(x.topic))
    for (const m of rpc.messages) n += fieldBytes(messageBytes(m))
    if (c !== undefined) n += fieldBytes(controlBytes(c))
    return n
  }

  decode (bytes: Uint8Array): RPC {
    const l = this.limits
    let rpc: RPC
    try {
      rpc = RPC.decode(bytes, {
        limits: {
          subscriptions: l.maxSubscriptions,
          messages: l.maxMessages,
          control: {
            ihave: l.maxControlEntries,
            ihave$: { messageIDs: l.maxIdsPerEntry },
            iwant: l.maxControlEntries,
            iwant$: { messageIDs: l.maxIdsPerEntry },
            graft: l.maxControlEntries,
            prune: l.maxControlEntries,
            prune$: { peers: l.maxPrunePeers },
            idontwant: l.maxControlEntries,
            idontwant$: { messageIDs: l.maxIdsPerEntry }
          }
        }
      })
    } catch (err) {
      throw new PeerError('ERR_RPC_DECODE', `pubsub RPC does not decode: ${(err as Error).message}`, { cause: err })
    }
    const topic = (t: string | undefined): void => {
      if (t === undefined || t === '' || utf8Length(t) > l.maxTopicBytes) throw new PeerError('ERR_RPC_TOPIC', 'topic missing, empty or too long')
    }
    const ids = (xs: readonly Uint8Array[]): void => {
      for (const x of xs) if (x.length === 0 || x.length > l.maxIdBytes) throw new PeerError('ERR_RPC_MSGID', 'message id empty or too long')
    }
    for (const s of rpc.subscriptions) topic(s.topic)
    for (const m of rpc.messages) {
      topic(m.topic)
      if ((m.data?.length ?? 0) > l.maxDataBytes) throw new PeerError('ERR_RPC_DATA', `message of ${m.data?.length} bytes exceeds ${l.maxDataBytes}`)
      if ((m.from?.length ?? 0) > 128 || (m.seqno?.length ?? 0) > 64 || (m.signature?.length ?? 0) > 512 || (m.key?.length ?? 0) > 1024) {
        throw new PeerError('ERR_RPC_FIELD', 'message from, seqno, signature or key too long')
      }
    }
    const c = rpc.control
    if (c !== undefined) {
      for (const x of c.ihave) { topic(x.topicID); ids(x.messageIDs) }
      for (const x of c.iwant) ids(x.messageIDs)
      for (const x of c.graft) topic(x.topicID)
      for (const x of c.prune) {
        topic(x.topicID)
        if (x.backoff !== undefined && (!Number.isSafeInteger(x.backoff) || x.backoff < 0)) throw new PeerError('ERR_RPC_BACKOFF', 'prune backoff out of range')
      }
      for (const x of c.idontwant) ids(x.messageIDs)
    }
    return rpc
  }
}

/** True when an RPC carries nothing. */
export function isEmptyRpc (rpc: RPC): boolean {
  const c = rpc.control
  return rpc.subscriptions.length === 0 && rpc.messages.length === 0 && rpc.testExtension === undefined &&
    (c === undefined || ((c.ihave.length + c.iwant.length + c.graft.length + c.prune.length + c.idontwant.length) === 0 && c.extensions === undefined))
}

/** Bytes of a Message's fields (as protons writes them: bytes fields when set, the topic when not empty). */
function messageBytes (m: RPC.Message): number {
  let n = 0
  if (m.from != null) n += fieldBytes(m.from.length)
  if (m.data != null) n += fieldBytes(m.data.length)
  if (m.seqno != null) n += fieldBytes(m.seqno.length)
  if (m.topic != null && m.topic !== '') n += fieldBytes(utf8Length(m.topic))
  if (m.signature != null) n += fieldBytes(m.signature.length)
  if (m.key != null) n += fieldBytes(m.key.length)
  return n
}

/** Bytes of a ControlMessage's fields (without extensions: RpcCodec.size encodes those). */
function controlBytes (c: RPC.ControlMessage): number {
  let n = 0
  for (const e of c.ihave) n += fieldBytes(optStringBytes(e.topicID) + idsBytes(e.messageIDs))
  for (const e of c.iwant) n += fieldBytes(idsBytes(e.messageIDs))
  for (const e of c.graft) n += fieldBytes(optStringBytes(e.topicID))
  for (const e of c.prune) {
    let p = optStringBytes(e.topicID)
    for (const i of e.peers) p += fieldBytes((i.peerID == null ? 0 : fieldBytes(i.peerID.length)) + (i.signedPeerRecord == null ? 0 : fieldBytes(i.signedPeerRecord.length)))
    if (e.backoff != null) p += 1 + varintLength(e.backoff)
    n += fieldBytes(p)
  }
  for (const e of c.idontwant) n += fieldBytes(idsBytes(e.messageIDs))
  return n
}

/** A repeated bytes field of ids: one length-delimited entry each. */
function idsBytes (ids: readonly Uint8Array[]): number {
  let n = 0
  for (const id of ids) n += fieldBytes(id.length)
  return n
}

/** An optional string field: nothing when absent. */
function optStringBytes (s: string | undefined): number {
  return s == null ? 0 : fieldBytes(utf8Length(s))
}

/** Bytes of the RPC that carries `msg` alone, computed from the field lengths (no encoding). */
export function messageRpcBytes (msg: RPC.Message): number {
  let m = 0
  for (const f of [msg.from, msg.data, msg.seqno, msg.signature, msg.key]) if (f !== undefined) m += fieldBytes(f.length)
  m += fieldBytes(utf8Length(msg.topic ?? ''))
  return fieldBytes(m)
}

/** Protobuf field `no` (length-delimited) holding `bytes`: tag, length varint, bytes. */
function field (no: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintLength(bytes.length) + bytes.length)
  out[0] = (no << 3) | 2
  let at = 1
  for (let x = bytes.length; ; x = Math.floor(x / 0x80)) {
    if (x < 0x80) {
      out[at++] = x
      break
    }
    out[at++] = (x & 0x7f) | 0x80
  }
  out.set(bytes, at)
  return out
}

function concat (parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A length-delimited protobuf field of `n` bytes (its one-byte tag, length varint and bytes). */
function fieldBytes (n: number): number {
  let v = 1
  for (let x = n; x >= 0x80; x = Math.floor(x / 0x80)) v++
  return 1 + v + n
}
