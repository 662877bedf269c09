import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PeerDescriptor {
  id: string
  addrs: Uint8Array<ArrayBuffer>[]
  seq?: number
  signature?: Uint8Array<ArrayBuffer>
}

export namespace PeerDescriptor {
  let _codec: Codec<PeerDescriptor>

  export const codec = (): Codec<PeerDescriptor> => {
    if (_codec == null) {
      _codec = message<PeerDescriptor>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.seq != null) {
          w.uint32(24)
          w.uint64Number(obj.seq)
        }

        if (obj.signature != null) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.seq = reader.uint64Number()
              break
            }
            case 4: {
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
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
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

  export interface PeerDescriptorIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface PeerDescriptorAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerDescriptorSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface PeerDescriptorSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PeerDescriptor>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerDescriptor.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerDescriptor>): PeerDescriptor {
    return decodeMessage(buf, PeerDescriptor.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerDescriptor>): Generator<PeerDescriptorIdFieldEvent | PeerDescriptorAddrsFieldEvent | PeerDescriptorSeqFieldEvent | PeerDescriptorSignatureFieldEvent> {
    return streamMessage(buf, PeerDescriptor.codec(), opts)
  }
}

export interface MembershipMessage {
  kind: MembershipMessage.Kind
  peer?: PeerDescriptor
  ttl: number
  high: boolean
  accepted: boolean
  peers: PeerDescriptor[]
  exchange: number
  path: string[]
}

export namespace MembershipMessage {
  export enum Kind {
    JOIN = 'JOIN',
    JOIN_REPLY = 'JOIN_REPLY',
    FORWARD_JOIN = 'FORWARD_JOIN',
    NEIGHBOR = 'NEIGHBOR',
    NEIGHBOR_REPLY = 'NEIGHBOR_REPLY',
    DISCONNECT = 'DISCONNECT',
    SHUFFLE = 'SHUFFLE',
    SHUFFLE_REPLY = 'SHUFFLE_REPLY',
    KEEPALIVE = 'KEEPALIVE'
  }

  enum __KindValues {
    JOIN = 0,
    JOIN_REPLY = 1,
    FORWARD_JOIN = 2,
    NEIGHBOR = 3,
    NEIGHBOR_REPLY = 4,
    DISCONNECT = 5,
    SHUFFLE = 6,
    SHUFFLE_REPLY = 7,
    KEEPALIVE = 8
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<MembershipMessage>

  export const codec = (): Codec<MembershipMessage> => {
    if (_codec == null) {
      _codec = message<MembershipMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          MembershipMessage.Kind.codec().encode(obj.kind, w)
        }

        if (obj.peer != null) {
          w.uint32(18)
          PeerDescriptor.codec().encode(obj.peer, w)
        }

        if ((obj.ttl != null && obj.ttl !== 0)) {
          w.uint32(24)
          w.uint32(obj.ttl)
        }

        if ((obj.high != null && obj.high !== false)) {
          w.uint32(32)
          w.bool(obj.high)
        }

        if ((obj.accepted != null && obj.accepted !== false)) {
          w.uint32(40)
          w.bool(obj.accepted)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(50)
            PeerDescriptor.codec().encode(value, w)
          }
        }

        if ((obj.exchange != null && obj.exchange !== 0)) {
          w.uint32(56)
          w.uint32(obj.exchange)
        }

        if (obj.path != null && obj.path.length > 0) {
          for (const value of obj.path) {
            w.uint32(66)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.JOIN,
          ttl: 0,
          high: false,
          accepted: false,
          peers: [],
          exchange: 0,
          path: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = MembershipMessage.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.peer = PeerDescriptor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peer
              })
              break
            }
            case 3: {
              obj.ttl = reader.uint32()
              break
            }
            case 4: {
              obj.high = reader.bool()
              break
            }
            case 5: {
              obj.accepted = reader.bool()
              break
            }
            case 6: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(PeerDescriptor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 7: {
              obj.exchange = reader.uint32()
              break
            }
            case 8: {
              if (opts.limits?.path != null && obj.path.length === opts.limits.path) {
                throw new MaxLengthError('Decode error - repeated field "path" had too many elements')
              }

              obj.path.push(reader.string())
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
          peers: 0,
          path: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: MembershipMessage.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield * PeerDescriptor.codec().stream(reader, reader.uint32(), `${prefix}.peer`, {
                limits: opts.limits?.peer
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.ttl`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.high`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of PeerDescriptor.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.exchange`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              if (opts.limits?.path != null && obj.path === opts.limits.path) {
                throw new MaxLengthError('Streaming decode error - repeated field "path" had too many elements')
              }

              yield {
                field: `${prefix}.path[]`,
                index: obj.path,
                value: reader.string()
              }

              obj.path++

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

  export interface MembershipMessageKindFieldEvent {
    field: '$.kind'
    value: MembershipMessage.Kind
  }

  export interface MembershipMessagePeerIdFieldEvent {
    field: '$.peer.id'
    value: string
  }

  export interface MembershipMessagePeerAddrsFieldEvent {
    field: '$.peer.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessagePeerSeqFieldEvent {
    field: '$.peer.seq'
    value: number
  }

  export interface MembershipMessagePeerSignatureFieldEvent {
    field: '$.peer.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessageTtlFieldEvent {
    field: '$.ttl'
    value: number
  }

  export interface MembershipMessageHighFieldEvent {
    field: '$.high'
    value: boolean
  }

  export interface MembershipMessageAcceptedFieldEvent {
    field: '$.accepted'
    value: boolean
  }

  export interface MembershipMessagePeersIdFieldEvent {
    field: '$.peers[].id'
    value: string
    index: number
  }

  export interface MembershipMessagePeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessagePeersSeqFieldEvent {
    field: '$.peers[].seq'
    value: number
    index: number
  }

  export interface MembershipMessagePeersSignatureFieldEvent {
    field: '$.peers[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MembershipMessageExchangeFieldEvent {
    field: '$.exchange'
    value: number
  }

  export interface MembershipMessagePathFieldEvent {
    field: '$.path[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<MembershipMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MembershipMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MembershipMessage>): MembershipMessage {
    return decodeMessage(buf, MembershipMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MembershipMessage>): Generator<MembershipMessageKindFieldEvent | MembershipMessagePeerIdFieldEvent | MembershipMessagePeerAddrsFieldEvent | MembershipMessagePeerSeqFieldEvent | MembershipMessagePeerSignatureFieldEvent | MembershipMessageTtlFieldEvent | MembershipMessageHighFieldEvent | MembershipMessageAcceptedFieldEvent | MembershipMessagePeersIdFieldEvent | MembershipMessagePeersAddrsFieldEvent | MembershipMessagePeersSeqFieldEvent | MembershipMessagePeersSignatureFieldEvent | MembershipMessageExchangeFieldEvent | MembershipMessagePathFieldEvent> {
    return streamMessage(buf, MembershipMessage.codec(), opts)
  }
}
