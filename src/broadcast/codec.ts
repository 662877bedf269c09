/**
 * Bytes ⇄ broadcast messages (src/wire/broadcast.proto), with size limits on ids, payloads and IHAVE
 * batches. Violations are `PeerError`s.
 */
import { PeerError } from '../core/errors.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import type { Codec } from '../core/protocol.js'
import { BroadcastMessage as Wire } from '../wire/broadcast.js'
import type { BroadcastKind, BroadcastMessage } from './messages.js'

export interface BroadcastCodecLimits {
  maxIdBytes: number
  maxPayloadBytes: number
  /** Most ids in one IHAVE. */
  maxIhaveIds: number
  maxRound: number
}

export const DEFAULT_BROADCAST_LIMITS: BroadcastCodecLimits = {
  maxIdBytes: 128,
  maxPayloadBytes: 1024 * 1024,
  maxIhaveIds: 4096,
  maxRound: 1_000_000
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
      case 'gossip': return Wire.encode({ kind: Wire.Kind.GOSSIP, id: m.id, round: m.round, payload: m.payload as Uint8Array<ArrayBuffer>, ids: [], rounds: [] })
      case 'ihave': return Wire.encode({ kind: Wire.Kind.IHAVE, id: '', round: 0, payload: EMPTY, ids: m.ids as string[], rounds: m.rounds as number[] })
      case 'graft': return Wire.encode({ kind: Wire.Kind.GRAFT, id: m.id, round: m.round, payload: EMPTY, ids: [], rounds: [] })
      case 'prune': return Wire.encode({ kind: Wire.Kind.PRUNE, id: '', round: 0, payload: EMPTY, ids: [], rounds: [] })
    }
  }

  /** Exact encoded length; computed without encoding for GOSSIP, the one that carries payloads. */
  size (m: BroadcastMessage): number {
    if (m.kind !== 'gossip') return this.encode(m).length
    const idLen = utf8Length(m.id)
    return (idLen === 0 ? 0 : 1 + varintLength(idLen) + idLen) + (m.round === 0 ? 0 : 1 + varintLength(m.round)) +
      (m.payload.length === 0 ? 0 : 1 + varintLength(m.payload.length) + m.payload.length)
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
      case 'gossip':
        if (w.payload.length > l.maxPayloadBytes) throw new PeerError('ERR_BROADCAST_PAYLOAD', 'payload too large')
        return { kind, id: id(w.id), round: w.round, payload: w.payload }
      case 'ihave':
        if (w.ids.length !== w.rounds.length || w.ids.length === 0) throw new PeerError('ERR_BROADCAST_IHAVE', 'IHAVE ids and rounds do not pair up')
        for (const x of w.ids) id(x)
        for (const r of w.rounds) if (r > l.maxRound) throw new PeerError('ERR_BROADCAST_ROUND', 'round out of range')
        return { kind, ids: w.ids, rounds: w.rounds }
      // A GRAFT with no id only asks for the link to become eager (the tree optimisation).
      case 'graft': return { kind, id: w.id === '' ? '' : id(w.id), round: w.round }
      case 'prune': return { kind }
    }
  }
}
