import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface BroadcastMessage {
  kind: BroadcastMessage.Kind
  id: string
  round: number
  payload: Uint8Array<ArrayBuffer>
  ids: string[]
  rounds: number[]
  source?: string
  seqno?: number
  signature?: Uint8Array<ArrayBuffer>
}

export namespace BroadcastMessage {
  export enum Kind {
    GOSSIP = 'GOSSIP',
    IHAVE = 'IHAVE',
    GRAFT = 'GRAFT',
    PRUNE = 'PRUNE'
  }

  enum __KindValues {
    GOSSIP = 0,
    IHAVE = 1,
    GRAFT = 2,
    PRUNE = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<BroadcastMessage>

  export const codec = (): Codec<BroadcastMessage> => {
    if (_codec == null) {
      _codec = message<BroadcastMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          BroadcastMessage.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(18)
          w.string(obj.id)
        }

        if ((obj.round != null && obj.round !== 0)) {
          w.uint32(24)
          w.uint32(obj.round)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.payload)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(42)
            w.string(value)
          }
        }

        if (obj.rounds != null && obj.rounds.length > 0) {
          for (const value of obj.rounds) {
            w.uint32(48)
            w.uint32(value)
          }
        }

        if (obj.source != null) {
          w.uint32(58)
          w.string(obj.source)
        }

        if (obj.seqno != null) {
          w.uint32(64)
          w.uint64Number(obj.seqno)
        }

        if (obj.signature != null) {
          w.uint32(74)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.GOSSIP,
          id: '',
          round: 0,
          payload: uint8ArrayAlloc(0),
          ids: [],
          rounds: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = BroadcastMessage.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.id = reader.string()
              break
            }
            case 3: {
              obj.round = reader.uint32()
              break
            }
            case 4: {
              obj.payload = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.string())
              break
            }
            case 6: {
              if (opts.limits?.rounds != null && obj.rounds.length === opts.limits.rounds) {
                throw new MaxLengthError('Decode error - repeated field "rounds" had too many elements')
              }

              obj.rounds.push(reader.uint32())
              break
            }
            case 7: {
              obj.source = reader.string()
              break
            }
            case 8: {
              obj.seqno = reader.uint64Number()
              break
            }
            case 9: {
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
        const obj = {
          ids: 0,
          rounds: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: BroadcastMessage.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.round`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.string()
              }

              obj.ids++

              break
            }
            case 6: {
              if (opts.limits?.rounds != null && obj.rounds === opts.limits.rounds) {
                throw new MaxLengthError('Streaming decode error - repeated field "rounds" had too many elements')
              }

              yield {
                field: `${prefix}.rounds[]`,
                index: obj.rounds,
                value: reader.uint32()
              }

              obj.rounds++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.source`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.seqno`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
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

  export interface BroadcastMessageKindFieldEvent {
    field: '$.kind'
    value: BroadcastMessage.Kind
  }

  export interface BroadcastMessageIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface BroadcastMessageRoundFieldEvent {
    field: '$.round'
    value: number
  }

  export interface BroadcastMessagePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BroadcastMessageIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: string
  }

  export interface BroadcastMessageRoundsFieldEvent {
    field: '$.rounds[]'
    index: number
    value: number
  }

  export interface BroadcastMessageSourceFieldEvent {
    field: '$.source'
    value: string
  }

  export interface BroadcastMessageSeqnoFieldEvent {
    field: '$.seqno'
    value: number
  }

  export interface BroadcastMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<BroadcastMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BroadcastMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BroadcastMessage>): BroadcastMessage {
    return decodeMessage(buf, BroadcastMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BroadcastMessage>): Generator<BroadcastMessageKindFieldEvent | BroadcastMessageIdFieldEvent | BroadcastMessageRoundFieldEvent | BroadcastMessagePayloadFieldEvent | BroadcastMessageIdsFieldEvent | BroadcastMessageRoundsFieldEvent | BroadcastMessageSourceFieldEvent | BroadcastMessageSeqnoFieldEvent | BroadcastMessageSignatureFieldEvent> {
    return streamMessage(buf, BroadcastMessage.codec(), opts)
  }
}
