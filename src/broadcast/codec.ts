/**
 * Bytes ⇄ broadcast messages (src/wire/broadcast.proto), with size limits on ids, payloads, signatures and
 * IHAVE batches. A GOSSIP with a source carries no id on the wire: its id is `<source>/<seqno>`
 * (./signing.ts), derived here. A GOSSIP names the tree its source's tree was copied from (Plumtree) in
 * `ids`, which only IHAVE uses otherwise: one entry at most. Violations are `PeerError`s; whether a message must be signed is the
 * core's policy, not the codec's.
 */
import { PeerError } from '../core/errors.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import type { Codec } from '../core/protocol.js'
import { BroadcastMessage as Wire } from '../wire/broadcast.js'
import type { BroadcastKind, BroadcastMessage, Gossip } from './messages.js'
import { signedMessageId } from './signing.js'

export interface BroadcastCodecLimits {
  maxIdBytes: number
  maxPayloadBytes: number
  /** Most ids in one IHAVE. */
  maxIhaveIds: number
  maxRound: number
  /** Longest signature (Ed25519: 64 bytes). */
  maxSignatureBytes: number
}

export const DEFAULT_BROADCAST_LIMITS: BroadcastCodecLimits = {
  maxIdBytes: 128,
  maxPayloadBytes: 1024 * 1024,
  maxIhaveIds: 4096,
  maxRound: 1_000_000,
  maxSignatureBytes: 64
}

const TO_WIRE: Record<BroadcastKind, Wire.Kind> = {
  gossip: Wire.Kind.GOSSIP,
  ihave: Wire.Kind.IHAVE,
  graft: Wire.Kind.GRAFT,
  prune: Wire.Kind.PRUNE
}
const FROM_WIRE = new Map<unknown, BroadcastKind>(Object.entries(TO_WIRE).map(([k, v]) => [v, k as BroadcastKind]))
const EMPTY = new Uint8Array(0)

export class BroadcastCodec implements Codec<BroadcastMessage> {
  constructor (readonly limits: BroadcastCodecLimits = DEFAULT_BROADCAST_LIMITS) {}

  encode (m: BroadcastMessage): Uint8Array {
    switch (m.kind) {
      case 'gossip': return Wire.encode(gossipToWire(m))
      case 'ihave': return Wire.encode({ kind: Wire.Kind.IHAVE, id: '', round: 0, payload: EMPTY, ids: m.ids as string[], rounds: m.rounds as number[] })
      case 'graft': return Wire.encode(withRoot({ kind: Wire.Kind.GRAFT, id: m.id, round: m.round, payload: EMPTY, ids: [], rounds: [] }, m.root))
      case 'prune': return Wire.encode(withRoot({ kind: Wire.Kind.PRUNE, id: '', round: 0, payload: EMPTY, ids: [], rounds: [] }, m.root))
    }
  }

  /** Exact encoded length; computed without encoding for GOSSIP, the one that carries payloads. */
  size (m: BroadcastMessage): number {
    if (m.kind !== 'gossip') return this.encode(m).length
    const idLen = m.source === undefined ? utf8Length(m.id) : 0
    let n = (idLen === 0 ? 0 : 1 + varintLength(idLen) + idLen) + (m.round === 0 ? 0 : 1 + varintLength(m.round)) +
      (m.payload.length === 0 ? 0 : 1 + varintLength(m.payload.length) + m.payload.length)
    if (m.source !== undefined) {
      const len = utf8Length(m.source)
      n += 1 + varintLength(len) + len
    }
    if (m.seqno !== undefined) n += 1 + varintLength(m.seqno)
    if (m.signature !== undefined) n += 1 + varintLength(m.signature.length) + m.signature.length
    if (m.tree !== undefined) {
      const len = utf8Length(m.tree)
      n += 1 + varintLength(len) + len
    }
    return n
  }

  decode (bytes: Uint8Array): BroadcastMessage {
    const l = this.limits
    let w: Wire
    try {
      w = Wire.decode(bytes, { limits: { ids: l.maxIhaveIds, rounds: l.maxIhaveIds } })
    } catch (err) {
      throw new PeerError('ERR_BROADCAST_DECODE', `broadcast message does not decode: ${(err as Error).message}`, { cause: err })
    }
    const kind = FROM_WIRE.get(w.kind)
    if (kind === undefined) throw new PeerError('ERR_BROADCAST_KIND', 'broadcast message has an unknown kind')
    if (w.round > l.maxRound) throw new PeerError('ERR_BROADCAST_ROUND', 'round out of range')
    const id = (s: string): string => {
      if (s === '' || utf8Length(s) > l.maxIdBytes) throw new PeerError('ERR_BROADCAST_ID', 'message id empty or too long')
      return s
    }
    switch (kind) {
      case 'gossip': {
        if (w.payload.length > l.maxPayloadBytes) throw new PeerError('ERR_BROADCAST_PAYLOAD', 'payload too large')
        if (w.signature !== undefined && w.signature.length > l.maxSignatureBytes) throw new PeerError('ERR_BROADCAST_SIGNATURE', 'signature too long')
        if ((w.source === undefined) !== (w.seqno === undefined)) throw new PeerError('ERR_BROADCAST_SOURCE', 'a GOSSIP carries both source and seqno or neither')
        if (w.ids.length > 1 || w.rounds.length > 0) throw new PeerError('ERR_BROADCAST_TREE', 'a GOSSIP names one tree at most, and no rounds')
        const tree = w.ids.length === 0 ? undefined : id(w.ids[0]!)
        if (w.source === undefined || w.seqno === undefined) {
          return withTree(w.signature === undefined
            ? { kind, id: id(w.id), round: w.round, payload: w.payload }
            : { kind, id: id(w.id), round: w.round, payload: w.payload, signature: w.signature }, tree)
        }
        if (w.id !== '') throw new PeerError('ERR_BROADCAST_ID', 'a GOSSIP with a source carries no id: its id is source/seqno')
        if (w.source === '' || w.source.includes('/')) throw new PeerError('ERR_BROADCAST_SOURCE', 'source empty or containing "/"')
        if (!Number.isSafeInteger(w.seqno) || w.seqno < 0) throw new PeerError('ERR_BROADCAST_SEQNO', 'seqno out of range')
        const gid = id(signedMessageId(w.source, w.seqno))
        return withTree(w.signature === undefined
          ? { kind, id: gid, round: w.round, payload: w.payload, source: w.source, seqno: w.seqno }
          : { kind, id: gid, round: w.round, payload: w.payload, source: w.source, seqno: w.seqno, signature: w.signature }, tree)
      }
      case 'ihave':
        if (w.ids.length !== w.rounds.length || w.ids.length === 0) throw new PeerError('ERR_BROADCAST_IHAVE', 'IHAVE ids and rounds do not pair up')
        for (const x of w.ids) id(x)
        for (const r of w.rounds) if (r > l.maxRound) throw new PeerError('ERR_BROADCAST_ROUND', 'round out of range')
        return { kind, ids: w.ids, rounds: w.rounds }
      // A GRAFT with no id only asks for the link to become eager (the tree optimisation). GRAFT and PRUNE
      // name the tree (its source) in `source`; a peer that keeps one shared tree sends neither.
      case 'graft': {
        const g = { kind, id: w.id === '' ? '' : id(w.id), round: w.round }
        return w.source === undefined ? g : { ...g, root: id(w.source) }
      }
      case 'prune': return w.source === undefined ? { kind } : { kind, root: id(w.source) }
    }
  }
}

/** `g` naming `tree`, as an object literal of a fixed shape (a spread would give each object a hidden class of its own). */
function withTree (g: Gossip, tree: string | undefined): Gossip {
  if (tree === undefined) return g
  const { kind, id, round, payload, source, seqno, signature } = g
  if (source === undefined) return signature === undefined ? { kind, id, round, payload, tree } : { kind, id, round, payload, signature, tree }
  return signature === undefined ? { kind, id, round, payload, source, seqno, tree } : { kind, id, round, payload, source, seqno, signature, tree }
}

function withRoot (w: Wire, root: string | undefined): Wire {
  if (root !== undefined) w.source = root
  return w
}

function gossipToWire (m: Gossip): Wire {
  const w: Wire = { kind: Wire.Kind.GOSSIP, id: m.source === undefined ? m.id : '', round: m.round, payload: m.payload as Uint8Array<ArrayBuffer>, ids: [], rounds: [] }
  if (m.source !== undefined) w.source = m.source
  if (m.seqno !== undefined) w.seqno = m.seqno
  if (m.signature !== undefined) w.signature = m.signature as Uint8Array<ArrayBuffer>
  if (m.tree !== undefined) w.ids = [m.tree]
  return w
}
