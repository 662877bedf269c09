import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StateDigestEntry {
  origin: string
  generation: number
  version: number
}

export namespace StateDigestEntry {
  let _codec: Codec<StateDigestEntry>

  export const codec = (): Codec<StateDigestEntry> => {
    if (_codec == null) {
      _codec = message<StateDigestEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(10)
          w.string(obj.origin)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.generation)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: '',
          generation: 0,
          version: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.string()
              break
            }
            case 2: {
              obj.generation = reader.uint64Number()
              break
            }
            case 3: {
              obj.version = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateDigestEntryOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface StateDigestEntryGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export interface StateDigestEntryVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export function encode (obj: Partial<StateDigestEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateDigestEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateDigestEntry>): StateDigestEntry {
    return decodeMessage(buf, StateDigestEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateDigestEntry>): Generator<StateDigestEntryOriginFieldEvent | StateDigestEntryGenerationFieldEvent | StateDigestEntryVersionFieldEvent> {
    return streamMessage(buf, StateDigestEntry.codec(), opts)
  }
}

export interface StateDigest {
  start: string
  end: string
  entries: StateDigestEntry[]
}

export namespace StateDigest {
  let _codec: Codec<StateDigest>

  export const codec = (): Codec<StateDigest> => {
    if (_codec == null) {
      _codec = message<StateDigest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.start != null && obj.start !== '')) {
          w.uint32(10)
          w.string(obj.start)
        }

        if ((obj.end != null && obj.end !== '')) {
          w.uint32(18)
          w.string(obj.end)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            StateDigestEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          start: '',
          end: '',
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.start = reader.string()
              break
            }
            case 2: {
              obj.end = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(StateDigestEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.start`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.end`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of StateDigestEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateDigestStartFieldEvent {
    field: '$.start'
    value: string
  }

  export interface StateDigestEndFieldEvent {
    field: '$.end'
    value: string
  }

  export interface StateDigestEntriesOriginFieldEvent {
    field: '$.entries[].origin'
    value: string
    index: number
  }

  export interface StateDigestEntriesGenerationFieldEvent {
    field: '$.entries[].generation'
    value: number
    index: number
  }

  export interface StateDigestEntriesVersionFieldEvent {
    field: '$.entries[].version'
    value: number
    index: number
  }

  export function encode (obj: Partial<StateDigest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateDigest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateDigest>): StateDigest {
    return decodeMessage(buf, StateDigest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateDigest>): Generator<StateDigestStartFieldEvent | StateDigestEndFieldEvent | StateDigestEntriesOriginFieldEvent | StateDigestEntriesGenerationFieldEvent | StateDigestEntriesVersionFieldEvent> {
    return streamMessage(buf, StateDigest.codec(), opts)
  }
}

export interface StateEntry {
  key: string
  value: Uint8Array<ArrayBuffer>
  version: number
  deleted: boolean
  signature: Uint8Array<ArrayBuffer>
}

export namespace StateEntry {
  let _codec: Codec<StateEntry>

  export const codec = (): Codec<StateEntry> => {
    if (_codec == null) {
      _codec = message<StateEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.value)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.version)
        }

        if ((obj.deleted != null && obj.deleted !== false)) {
          w.uint32(32)
          w.bool(obj.deleted)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          value: uint8ArrayAlloc(0),
          version: 0,
          deleted: false,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.value = reader.bytes()
              break
            }
            case 3: {
              obj.version = reader.uint64Number()
              break
            }
            case 4: {
              obj.deleted = reader.bool()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.deleted`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateEntryKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface StateEntryValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StateEntryVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface StateEntryDeletedFieldEvent {
    field: '$.deleted'
    value: boolean
  }

  export interface StateEntrySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StateEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateEntry>): StateEntry {
    return decodeMessage(buf, StateEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateEntry>): Generator<StateEntryKeyFieldEvent | StateEntryValueFieldEvent | StateEntryVersionFieldEvent | StateEntryDeletedFieldEvent | StateEntrySignatureFieldEvent> {
    return streamMessage(buf, StateEntry.codec(), opts)
  }
}

export interface StateHead {
  version: number
  count: number
  sum: Uint8Array<ArrayBuffer>
  digest: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace StateHead {
  let _codec: Codec<StateHead>

  export const codec = (): Codec<StateHead> => {
    if (_codec == null) {
      _codec = message<StateHead>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.version)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.count)
        }

        if ((obj.sum != null && obj.sum.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sum)
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.digest)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          count: 0,
          sum: uint8ArrayAlloc(0),
          digest: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint64Number()
              break
            }
            case 2: {
              obj.count = reader.uint64Number()
              break
            }
            case 3: {
              obj.sum = reader.bytes()
              break
            }
            case 4: {
              obj.digest = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sum`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateHeadVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface StateHeadCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface StateHeadSumFieldEvent {
    field: '$.sum'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StateHeadDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StateHeadSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StateHead>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateHead.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateHead>): StateHead {
    return decodeMessage(buf, StateHead.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateHead>): Generator<StateHeadVersionFieldEvent | StateHeadCountFieldEvent | StateHeadSumFieldEvent | StateHeadDigestFieldEvent | StateHeadSignatureFieldEvent> {
    return streamMessage(buf, StateHead.codec(), opts)
  }
}

export interface StateOriginDelta {
  origin: string
  generation: number
  fromVersion: number
  toVersion: number
  entries: StateEntry[]
  head?: StateHead
}

export namespace StateOriginDelta {
  let _codec: Codec<StateOriginDelta>

  export const codec = (): Codec<StateOriginDelta> => {
    if (_codec == null) {
      _codec = message<StateOriginDelta>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin !== '')) {
          w.uint32(10)
          w.string(obj.origin)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.generation)
        }

        if ((obj.fromVersion != null && obj.fromVersion !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.fromVersion)
        }

        if ((obj.toVersion != null && obj.toVersion !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.toVersion)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(50)
            StateEntry.codec().encode(value, w)
          }
        }

        if (obj.head != null) {
          w.uint32(58)
          StateHead.codec().encode(obj.head, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: '',
          generation: 0,
          fromVersion: 0,
          toVersion: 0,
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.string()
              break
            }
            case 2: {
              obj.generation = reader.uint64Number()
              break
            }
            case 3: {
              obj.fromVersion = reader.uint64Number()
              break
            }
            case 4: {
              obj.toVersion = reader.uint64Number()
              break
            }
            case 6: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(StateEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 7: {
              obj.head = StateHead.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.head
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.origin`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fromVersion`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.toVersion`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of StateEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 7: {
              yield * StateHead.codec().stream(reader, reader.uint32(), `${prefix}.head`, {
                limits: opts.limits?.head
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateOriginDeltaOriginFieldEvent {
    field: '$.origin'
    value: string
  }

  export interface StateOriginDeltaGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export interface StateOriginDeltaFromVersionFieldEvent {
    field: '$.fromVersion'
    value: number
  }

  export interface StateOriginDeltaToVersionFieldEvent {
    field: '$.toVersion'
    value: number
  }

  export interface StateOriginDeltaEntriesKeyFieldEvent {
    field: '$.entries[].key'
    value: string
    index: number
  }

  export interface StateOriginDeltaEntriesValueFieldEvent {
    field: '$.entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateOriginDeltaEntriesVersionFieldEvent {
    field: '$.entries[].version'
    value: number
    index: number
  }

  export interface StateOriginDeltaEntriesDeletedFieldEvent {
    field: '$.entries[].deleted'
    value: boolean
    index: number
  }

  export interface StateOriginDeltaEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateOriginDeltaHeadVersionFieldEvent {
    field: '$.head.version'
    value: number
  }

  export interface StateOriginDeltaHeadCountFieldEvent {
    field: '$.head.count'
    value: number
  }

  export interface StateOriginDeltaHeadSumFieldEvent {
    field: '$.head.sum'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StateOriginDeltaHeadDigestFieldEvent {
    field: '$.head.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StateOriginDeltaHeadSignatureFieldEvent {
    field: '$.head.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StateOriginDelta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateOriginDelta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateOriginDelta>): StateOriginDelta {
    return decodeMessage(buf, StateOriginDelta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateOriginDelta>): Generator<StateOriginDeltaOriginFieldEvent | StateOriginDeltaGenerationFieldEvent | StateOriginDeltaFromVersionFieldEvent | StateOriginDeltaToVersionFieldEvent | StateOriginDeltaEntriesKeyFieldEvent | StateOriginDeltaEntriesValueFieldEvent | StateOriginDeltaEntriesVersionFieldEvent | StateOriginDeltaEntriesDeletedFieldEvent | StateOriginDeltaEntriesSignatureFieldEvent | StateOriginDeltaHeadVersionFieldEvent | StateOriginDeltaHeadCountFieldEvent | StateOriginDeltaHeadSumFieldEvent | StateOriginDeltaHeadDigestFieldEvent | StateOriginDeltaHeadSignatureFieldEvent> {
    return streamMessage(buf, StateOriginDelta.codec(), opts)
  }
}

export interface StateMessage {
  kind: StateMessage.Kind
  exchange: number
  digest?: StateDigest
  deltas: StateOriginDelta[]
}

export namespace StateMessage {
  export enum Kind {
    PUSH = 'PUSH',
    PULL = 'PULL',
    PULL_REPLY = 'PULL_REPLY',
    SYN = 'SYN',
    ACK = 'ACK',
    ACK2 = 'ACK2'
  }

  enum __KindValues {
    PUSH = 0,
    PULL = 1,
    PULL_REPLY = 2,
    SYN = 3,
    ACK = 4,
    ACK2 = 5
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<StateMessage>

  export const codec = (): Codec<StateMessage> => {
    if (_codec == null) {
      _codec = message<StateMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          StateMessage.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.exchange != null && obj.exchange !== 0)) {
          w.uint32(16)
          w.uint32(obj.exchange)
        }

        if (obj.digest != null) {
          w.uint32(26)
          StateDigest.codec().encode(obj.digest, w)
        }

        if (obj.deltas != null && obj.deltas.length > 0) {
          for (const value of obj.deltas) {
            w.uint32(34)
            StateOriginDelta.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.PUSH,
          exchange: 0,
          deltas: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = StateMessage.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.exchange = reader.uint32()
              break
            }
            case 3: {
              obj.digest = StateDigest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.digest
              })
              break
            }
            case 4: {
              if (opts.limits?.deltas != null && obj.deltas.length === opts.limits.deltas) {
                throw new MaxLengthError('Decode error - repeated field "deltas" had too many elements')
              }

              obj.deltas.push(StateOriginDelta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deltas$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          deltas: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: StateMessage.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.exchange`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield * StateDigest.codec().stream(reader, reader.uint32(), `${prefix}.digest`, {
                limits: opts.limits?.digest
              })

              break
            }
            case 4: {
              if (opts.limits?.deltas != null && obj.deltas === opts.limits.deltas) {
                throw new MaxLengthError('Streaming decode error - repeated field "deltas" had too many elements')
              }

              for (const evt of StateOriginDelta.codec().stream(reader, reader.uint32(), `${prefix}.deltas[]`, {
                limits: opts.limits?.deltas$
              })) {
                yield {
                  ...evt,
                  index: obj.deltas
                }
              }

              obj.deltas++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StateMessageKindFieldEvent {
    field: '$.kind'
    value: StateMessage.Kind
  }

  export interface StateMessageExchangeFieldEvent {
    field: '$.exchange'
    value: number
  }

  export interface StateMessageDigestStartFieldEvent {
    field: '$.digest.start'
    value: string
  }

  export interface StateMessageDigestEndFieldEvent {
    field: '$.digest.end'
    value: string
  }

  export interface StateMessageDigestEntriesOriginFieldEvent {
    field: '$.digest.entries[].origin'
    value: string
    index: number
  }

  export interface StateMessageDigestEntriesGenerationFieldEvent {
    field: '$.digest.entries[].generation'
    value: number
    index: number
  }

  export interface StateMessageDigestEntriesVersionFieldEvent {
    field: '$.digest.entries[].version'
    value: number
    index: number
  }

  export interface StateMessageDeltasOriginFieldEvent {
    field: '$.deltas[].origin'
    value: string
    index: number
  }

  export interface StateMessageDeltasGenerationFieldEvent {
    field: '$.deltas[].generation'
    value: number
    index: number
  }

  export interface StateMessageDeltasFromVersionFieldEvent {
    field: '$.deltas[].fromVersion'
    value: number
    index: number
  }

  export interface StateMessageDeltasToVersionFieldEvent {
    field: '$.deltas[].toVersion'
    value: number
    index: number
  }

  export interface StateMessageDeltasEntriesKeyFieldEvent {
    field: '$.deltas[].entries[].key'
    value: string
    index: number
  }

  export interface StateMessageDeltasEntriesValueFieldEvent {
    field: '$.deltas[].entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateMessageDeltasEntriesVersionFieldEvent {
    field: '$.deltas[].entries[].version'
    value: number
    index: number
  }

  export interface StateMessageDeltasEntriesDeletedFieldEvent {
    field: '$.deltas[].entries[].deleted'
    value: boolean
    index: number
  }

  export interface StateMessageDeltasEntriesSignatureFieldEvent {
    field: '$.deltas[].entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateMessageDeltasHeadVersionFieldEvent {
    field: '$.deltas[].head.version'
    value: number
    index: number
  }

  export interface StateMessageDeltasHeadCountFieldEvent {
    field: '$.deltas[].head.count'
    value: number
    index: number
  }

  export interface StateMessageDeltasHeadSumFieldEvent {
    field: '$.deltas[].head.sum'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateMessageDeltasHeadDigestFieldEvent {
    field: '$.deltas[].head.digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StateMessageDeltasHeadSignatureFieldEvent {
    field: '$.deltas[].head.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<StateMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StateMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateMessage>): StateMessage {
    return decodeMessage(buf, StateMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StateMessage>): Generator<StateMessageKindFieldEvent | StateMessageExchangeFieldEvent | StateMessageDigestStartFieldEvent | StateMessageDigestEndFieldEvent | StateMessageDigestEntriesOriginFieldEvent | StateMessageDigestEntriesGenerationFieldEvent | StateMessageDigestEntriesVersionFieldEvent | StateMessageDeltasOriginFieldEvent | StateMessageDeltasGenerationFieldEvent | StateMessageDeltasFromVersionFieldEvent | StateMessageDeltasToVersionFieldEvent | StateMessageDeltasEntriesKeyFieldEvent | StateMessageDeltasEntriesValueFieldEvent | StateMessageDeltasEntriesVersionFieldEvent | StateMessageDeltasEntriesDeletedFieldEvent | StateMessageDeltasEntriesSignatureFieldEvent | StateMessageDeltasHeadVersionFieldEvent | StateMessageDeltasHeadCountFieldEvent | StateMessageDeltasHeadSumFieldEvent | StateMessageDeltasHeadDigestFieldEvent | StateMessageDeltasHeadSignatureFieldEvent> {
    return streamMessage(buf, StateMessage.codec(), opts)
  }
}
