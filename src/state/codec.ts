/**
 * Bytes ⇄ anti-entropy messages (wire format in src/wire/state.proto), with the validation that makes
 * remote input safe to apply: bounded counts and sizes, safe-integer versions, deltas whose entries lie in
 * (fromVersion, toVersion] in strictly increasing version order, digests sorted within their range.
 * Anything else is a `PeerError`; the driver counts it and the core never sees the message.
 *
 * Also the exact encoded sizes of entries and deltas, which the core uses to fill a message up to its MTU.
 */
import { PeerError } from '../core/errors.js'
import type { Codec } from '../core/protocol.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import { StateMessage as Wire } from '../wire/state.js'
import { inRange, type Digest, type Entry, type Head, type OriginDelta, type StateMessage, type StateMessageKind } from './messages.js'

export interface StateCodecLimits {
  /** Longest key, in UTF-8 bytes. */
  maxKeyBytes: number
  /** Largest value, in bytes. */
  maxValueBytes: number
  /** Longest origin id, in UTF-8 bytes. */
  maxOriginBytes: number
  /** Most origins in one message's deltas or digest. */
  maxOriginsPerMessage: number
  /** Most entries in one origin delta. */
  maxEntriesPerDelta: number
}

export const DEFAULT_CODEC_LIMITS: StateCodecLimits = {
  maxKeyBytes: 512,
  maxValueBytes: 256 * 1024,
  maxOriginBytes: 256,
  maxOriginsPerMessage: 65_536,
  maxEntriesPerDelta: 1_000_000
}

const KIND_TO_WIRE: Record<StateMessageKind, Wire.Kind> = {
  push: Wire.Kind.PUSH,
  pull: Wire.Kind.PULL,
  pullReply: Wire.Kind.PULL_REPLY,
  syn: Wire.Kind.SYN,
  ack: Wire.Kind.ACK,
  ack2: Wire.Kind.ACK2
}
const KIND_NUMBER: Record<StateMessageKind, number> = { push: 0, pull: 1, pullReply: 2, syn: 3, ack: 4, ack2: 5 }
function kindNumber (k: StateMessageKind): number {
  return KIND_NUMBER[k]
}
const WIRE_TO_KIND = new Map<unknown, StateMessageKind>(
  Object.entries(KIND_TO_WIRE).map(([k, v]) => [v, k as StateMessageKind])
)

export class StateCodec implements Codec<StateMessage> {
  constructor (readonly limits: StateCodecLimits = DEFAULT_CODEC_LIMITS) {}

  encode (msg: StateMessage): Uint8Array {
    return Wire.encode({
      kind: KIND_TO_WIRE[msg.kind],
      exchange: msg.exchange,
      // The wire types differ from ours only in readonly-ness.
      digest: msg.digest as Wire['digest'],
      deltas: msg.deltas as Wire['deltas']
    })
  }

  size (msg: StateMessage): number {
    let n = uintField(kindNumber(msg.kind)) + uintField(msg.exchange)
    if (msg.digest !== undefined) {
      const d = msg.digest
      const inner = stringField(d.start) + stringField(d.end) + digestSize(d)
      n += 1 + varintLength(inner) + inner
    }
    for (const d of msg.deltas) {
      let inner = stringField(d.origin) + uintField(d.generation) + uintField(d.fromVersion) + uintField(d.toVersion) + headSize(d.head)
      for (const e of d.entries) inner += entrySize(e)
      n += 1 + varintLength(inner) + inner
    }
    return n
  }

  decode (bytes: Uint8Array): StateMessage {
    const l = this.limits
    let wire: Wire
    try {
      wire = Wire.decode(bytes, {
        limits: {
          deltas: l.maxOriginsPerMessage,
          deltas$: { entries: l.maxEntriesPerDelta },
          digest: { entries: l.maxOriginsPerMessage }
        }
      })
    } catch (err) {
      throw new PeerError('ERR_STATE_DECODE', `state message does not decode: ${(err as Error).message}`, { cause: err })
    }
    const kind = WIRE_TO_KIND.get(wire.kind)
    if (kind === undefined) throw new PeerError('ERR_STATE_KIND', 'state message has an unknown kind')
    if (wire.digest !== undefined) this.checkDigest(wire.digest)
    const origins = new Set<string>()
    for (const d of wire.deltas) {
      this.checkDelta(d)
      if (origins.has(d.origin)) throw new PeerError('ERR_STATE_DUP_ORIGIN', `origin ${d.origin} appears twice`)
      origins.add(d.origin)
    }
    return { kind, exchange: wire.exchange, digest: wire.digest, deltas: wire.deltas as OriginDelta[] }
  }

  private checkOrigin (origin: string): void {
    if (origin === '' || utf8Length(origin) > this.limits.maxOriginBytes) {
      throw new PeerError('ERR_STATE_ORIGIN', 'origin id is empty or too long')
    }
  }

  private checkDigest (d: Digest): void {
    let prev = ''
    for (const e of d.entries) {
      this.checkOrigin(e.origin)
      checkVersion(e.generation)
      checkVersion(e.version)
      if (!inRange(e.origin, d.start, d.end)) throw new PeerError('ERR_STATE_DIGEST', 'digest entry outside its range')
      if (e.origin <= prev) throw new PeerError('ERR_STATE_DIGEST', 'digest entries not in strictly increasing order')
      prev = e.origin
    }
  }

  private checkDelta (d: Wire['deltas'][number]): void {
    this.checkOrigin(d.origin)
    checkVersion(d.generation)
    checkVersion(d.fromVersion)
    checkVersion(d.toVersion)
    if (d.toVersion < d.fromVersion) throw new PeerError('ERR_STATE_DELTA', 'delta ends before it starts')
    const h = d.head
    if (h === undefined) throw new PeerError('ERR_STATE_HEAD', 'delta without its origin\'s head')
    checkVersion(h.version)
    checkVersion(h.count)
    if (h.version < d.toVersion) throw new PeerError('ERR_STATE_HEAD', 'delta reaches beyond its head')
    if (h.sum.length !== 32 || h.digest.length !== 32) throw new PeerError('ERR_STATE_HEAD', 'head hashes are not 32 bytes')
    checkSignature(h.signature)
    const keys = new Set<string>()
    let prev = d.fromVersion
    for (const e of d.entries) {
      checkSignature(e.signature)
      if (keys.has(e.key)) throw new PeerError('ERR_STATE_DELTA', 'a key appears twice in one delta')
      keys.add(e.key)
      checkVersion(e.version)
      if (e.version <= prev || e.version > d.toVersion) {
        throw new PeerError('ERR_STATE_DELTA', 'delta entries out of order or outside (fromVersion, toVersion]')
      }
      prev = e.version
      if (utf8Length(e.key) > this.limits.maxKeyBytes) throw new PeerError('ERR_STATE_KEY', 'key too long')
      if (e.value.length > this.limits.maxValueBytes) throw new PeerError('ERR_STATE_VALUE', 'value too large')
      if (e.deleted && e.value.length > 0) throw new PeerError('ERR_STATE_TOMBSTONE', 'tombstone carries a value')
    }
  }
}

function checkSignature (sig: Uint8Array): void {
  if (sig.length !== 0 && sig.length !== 64) throw new PeerError('ERR_STATE_SIGNATURE', 'signature is neither empty nor 64 bytes')
}

function checkVersion (v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new PeerError('ERR_STATE_VERSION', 'version is not a safe non-negative integer')
}

// ---- exact encoded sizes (protobuf: tag byte + varint length + payload) ----

function stringField (s: string): number {
  if (s === '') return 0
  const n = utf8Length(s)
  return 1 + varintLength(n) + n
}

function uintField (n: number): number {
  return n === 0 ? 0 : 1 + varintLength(n)
}

/** Bytes an entry adds to an origin delta (including its own tag and length). */
export function entrySize (e: Entry): number {
  const inner = stringField(e.key) +
    (e.value.length === 0 ? 0 : 1 + varintLength(e.value.length) + e.value.length) +
    uintField(e.version) + (e.deleted ? 2 : 0) + bytesField(e.signature)
  return 1 + varintLength(inner) + inner
}

function bytesField (b: Uint8Array): number {
  return b.length === 0 ? 0 : 1 + varintLength(b.length) + b.length
}

/** Bytes of a delta's head field (tag and length included). */
export function headSize (h: Head): number {
  const inner = uintField(h.version) + uintField(h.count) + bytesField(h.sum) + bytesField(h.digest) + bytesField(h.signature)
  return 1 + varintLength(inner) + inner
}

/** Bytes an origin delta with no entries adds to a message, plus slack for its length prefix growing. */
export function deltaHeaderSize (origin: string, generation: number, from: number, to: number, head: Head): number {
  return 1 + 5 + stringField(origin) + uintField(generation) + uintField(from) + uintField(to) + headSize(head)
}

/** Bytes a digest entry adds to a digest. */
export function digestEntrySize (origin: string, generation: number, version: number): number {
  const inner = stringField(origin) + uintField(generation) + uintField(version)
  return 1 + varintLength(inner) + inner
}

/** Bytes of a digest's entries. */
export function digestSize (d: Digest): number {
  let n = 0
  for (const e of d.entries) n += digestEntrySize(e.origin, e.generation, e.version)
  return n
}

/** Bytes of a message's fixed part: kind, exchange, and a digest's framing and range. */
export function messageOverhead (exchange: number, digestStart = '', digestEnd = ''): number {
  return 2 + uintField(exchange) + 1 + 5 + stringField(digestStart) + stringField(digestEnd)
}
