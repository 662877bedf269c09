/**
 * One small binary format for the baselines' messages (Cyclon, Scamp): a kind byte, then the fields that
 * kind has, in a fixed order — a peer id (length-prefixed UTF-8), a hop count (varint), and a list of
 * `(peer id, age)` entries (a varint count, then each id and its age as a varint). `size` is computed
 * without encoding, so the simulator counts true bytes with the codec off (its test checks
 * `size(m) === encode(m).length`). Bounds: id length, entry count and hop count; a violation is a
 * `PeerError`. The baselines run in the simulator only: this format is not offered on the network.
 */
import { PeerError } from '../core/errors.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import type { Codec } from '../core/protocol.js'

/** A peer named in a message, with how old the entry is (Cyclon's age; 0 where a protocol has none). */
export interface Entry {
  readonly id: string
  readonly age: number
}

/** The fields a baseline message may carry, besides its kind. */
export interface BaselineFields {
  readonly peer?: string
  readonly ttl?: number
  readonly entries?: readonly Entry[]
}

/** Which fields each kind carries (in this order), and its byte on the wire. */
export type Layout = Record<string, { code: number, peer?: true, ttl?: true, entries?: true }>

export interface BaselineCodecLimits {
  maxIdBytes: number
  maxEntries: number
  maxTtl: number
}

export const DEFAULT_BASELINE_LIMITS: BaselineCodecLimits = { maxIdBytes: 256, maxEntries: 256, maxTtl: 1024 }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export class BaselineCodec<M extends BaselineFields & { readonly kind: string }> implements Codec<M> {
  private readonly byCode = new Map<number, string>()

  constructor (private readonly layout: Layout, private readonly limits: BaselineCodecLimits = DEFAULT_BASELINE_LIMITS) {
    for (const [kind, l] of Object.entries(layout)) this.byCode.set(l.code, kind)
  }

  size (m: M): number {
    const l = this.layout[m.kind]!
    let n = 1
    if (l.peer === true) n += stringSize(m.peer ?? '')
    if (l.ttl === true) n += varintLength(m.ttl ?? 0)
    if (l.entries === true) {
      const es = m.entries ?? []
      n += varintLength(es.length)
      for (const e of es) n += stringSize(e.id) + varintLength(e.age)
    }
    return n
  }

  encode (m: M): Uint8Array {
    const l = this.layout[m.kind]!
    const out = new Uint8Array(this.size(m))
    let at = 0
    const varint = (v: number): void => {
      while (v >= 128) {
        out[at++] = (v % 128) | 128
        v = Math.floor(v / 128)
      }
      out[at++] = v
    }
    const str = (s: string): void => {
      const b = encoder.encode(s)
      varint(b.length)
      out.set(b, at)
      at += b.length
    }
    out[at++] = l.code
    if (l.peer === true) str(m.peer ?? '')
    if (l.ttl === true) varint(m.ttl ?? 0)
    if (l.entries === true) {
      const es = m.entries ?? []
      varint(es.length)
      for (const e of es) {
        str(e.id)
        varint(e.age)
      }
    }
    return out
  }

  decode (bytes: Uint8Array): M {
    let at = 0
    const fail = (what: string): never => { throw new PeerError('ERR_BAD_MESSAGE', `baseline message: ${what}`) }
    const varint = (): number => {
      let v = 0
      let mul = 1
      for (let i = 0; i < 5; i++) {
        if (at >= bytes.length) fail('truncated')
        const b = bytes[at++]!
        v += (b & 127) * mul
        if (b < 128) return v
        mul *= 128
      }
      return fail('varint too long')
    }
    const str = (): string => {
      const len = varint()
      if (len > this.limits.maxIdBytes) fail(`id of ${len} bytes (limit ${this.limits.maxIdBytes})`)
      if (at + len > bytes.length) fail('truncated')
      let s = ''
      try {
        s = decoder.decode(bytes.subarray(at, at + len))
      } catch {
        fail('id is not UTF-8')
      }
      at += len
      return s
    }
    if (bytes.length === 0) fail('empty')
    const kind = this.byCode.get(bytes[at++]!)
    if (kind === undefined) return fail(`unknown kind ${bytes[0]}`)
    const l = this.layout[kind]!
    const m: { kind: string, peer?: string, ttl?: number, entries?: Entry[] } = { kind }
    if (l.peer === true) m.peer = str()
    if (l.ttl === true) {
      m.ttl = varint()
      if (m.ttl > this.limits.maxTtl) fail(`ttl ${m.ttl} (limit ${this.limits.maxTtl})`)
    }
    if (l.entries === true) {
      const count = varint()
      if (count > this.limits.maxEntries) fail(`${count} entries (limit ${this.limits.maxEntries})`)
      m.entries = []
      for (let i = 0; i < count; i++) m.entries.push({ id: str(), age: varint() })
    }
    if (at !== bytes.length) fail('trailing bytes')
    return m as unknown as M
  }
}

function stringSize (s: string): number {
  const n = utf8Length(s)
  return varintLength(n) + n
}
