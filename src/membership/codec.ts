/**
 * Bytes ⇄ HyParView messages (src/wire/membership.proto), validating what a peer could abuse: id and
 * address sizes, signature sizes, how many peers a shuffle carries, walk lengths. Violations are
 * `PeerError`s. (Whether a signature is good is the core's question: ./records.ts.)
 */
import { PeerError } from '../core/errors.js'
import type { Codec } from '../core/protocol.js'
import { MembershipMessage as Wire, type PeerDescriptor } from '../wire/membership.js'
import { utf8Length, varintLength } from '../core/bytes.js'
import type { MembershipKind, MembershipMessage, PeerInfo } from './messages.js'
import { SIGNATURE_BYTES } from './records.js'

export interface MembershipCodecLimits {
  maxIdBytes: number
  maxAddrs: number
  maxAddrBytes: number
  /** Most peers in one shuffle or shuffle reply. */
  maxShufflePeers: number
  /** Longest random walk (ttl) accepted. */
  maxTtl: number
}

export const DEFAULT_MEMBERSHIP_LIMITS: MembershipCodecLimits = {
  maxIdBytes: 256,
  maxAddrs: 16,
  maxAddrBytes: 512,
  maxShufflePeers: 64,
  maxTtl: 32
}

const TO_WIRE: Record<MembershipKind, Wire.Kind> = {
  join: Wire.Kind.JOIN,
  joinReply: Wire.Kind.JOIN_REPLY,
  forwardJoin: Wire.Kind.FORWARD_JOIN,
  neighbor: Wire.Kind.NEIGHBOR,
  neighborReply: Wire.Kind.NEIGHBOR_REPLY,
  disconnect: Wire.Kind.DISCONNECT,
  shuffle: Wire.Kind.SHUFFLE,
  shuffleReply: Wire.Kind.SHUFFLE_REPLY,
  keepalive: Wire.Kind.KEEPALIVE
}
/** Bytes of a PeerDescriptor's fields (without its own tag and length). */
function peerSize (p: PeerInfo): number {
  let n = 0
  if (p.id !== '') n += lengthField(utf8Length(p.id))
  for (const a of p.addrs) n += lengthField(a.length)
  if (p.seq !== undefined) n += 1 + varintLength(p.seq)
  if (p.signature !== undefined) n += lengthField(p.signature.length)
  return n
}

/** A one-byte tag, the length and the bytes of a length-delimited field. */
function lengthField (len: number): number {
  return 1 + varintLength(len) + len
}

/** A uint32 field, omitted at 0 (proto3). */
function uintField (v: number): number {
  return v === 0 ? 0 : 1 + varintLength(v)
}

const FROM_WIRE = new Map<unknown, MembershipKind>(Object.entries(TO_WIRE).map(([k, v]) => [v, k as MembershipKind]))

export class MembershipCodec implements Codec<MembershipMessage> {
  constructor (readonly limits: MembershipCodecLimits = DEFAULT_MEMBERSHIP_LIMITS) {}

  encode (m: MembershipMessage): Uint8Array {
    const w: Wire = { kind: TO_WIRE[m.kind], ttl: 0, high: false, accepted: false, peers: [], exchange: 0, path: [] }
    if ('peer' in m) w.peer = m.peer as PeerDescriptor
    if ('ttl' in m) w.ttl = m.ttl
    if ('high' in m) w.high = m.high
    if ('accepted' in m) w.accepted = m.accepted
    if ('peers' in m) w.peers = m.peers as PeerDescriptor[]
    if ('exchange' in m) w.exchange = m.exchange
    if (m.kind === 'shuffle' && m.path !== undefined) w.path = m.path as string[]
    if (m.kind === 'shuffleReply' && m.route !== undefined) w.path = m.route as string[]
    return Wire.encode(w)
  }

  /**
   * Exact encoded length, computed without encoding (the simulator counts bytes with it when it hands
   * messages over as objects): the same fields, in the same cases, as the generated encoder writes.
   */
  size (m: MembershipMessage): number {
    let n = m.kind === 'join' ? 0 : 2 // kind: tag + a one-byte enum (JOIN, 0, is not written)
    switch (m.kind) {
      case 'join':
      case 'joinReply':
        return n + lengthField(peerSize(m.peer))
      case 'forwardJoin':
        return n + lengthField(peerSize(m.peer)) + uintField(m.ttl)
      case 'neighbor':
        return n + lengthField(peerSize(m.peer)) + (m.high ? 2 : 0)
      case 'neighborReply':
        return n + lengthField(peerSize(m.peer)) + (m.accepted ? 2 : 0)
      case 'disconnect':
      case 'keepalive':
        return n
      case 'shuffle':
        n += lengthField(peerSize(m.peer)) + uintField(m.ttl)
        for (const id of m.path ?? []) n += lengthField(utf8Length(id))
        break
      case 'shuffleReply':
        for (const id of m.route ?? []) n += lengthField(utf8Length(id))
        break
    }
    for (const p of m.peers) n += lengthField(peerSize(p))
    return n + uintField(m.exchange)
  }

  decode (bytes: Uint8Array): MembershipMessage {
    const l = this.limits
    let w: Wire
    try {
      w = Wire.decode(bytes, { limits: { peers: l.maxShufflePeers, peers$: { addrs: l.maxAddrs }, peer: { addrs: l.maxAddrs }, path: l.maxTtl } })
    } catch (err) {
      throw new PeerError('ERR_MEMBERSHIP_DECODE', `membership message does not decode: ${(err as Error).message}`, { cause: err })
    }
    const kind = FROM_WIRE.get(w.kind)
    if (kind === undefined) throw new PeerError('ERR_MEMBERSHIP_KIND', 'membership message has an unknown kind')
    if (w.ttl > l.maxTtl) throw new PeerError('ERR_MEMBERSHIP_TTL', `walk of ${w.ttl} hops is longer than ${l.maxTtl}`)
    for (const id of w.path) {
      if (id === '' || utf8Length(id) > l.maxIdBytes) throw new PeerError('ERR_MEMBERSHIP_ID', 'walk hop id empty or too long')
    }
    const peer = (): PeerInfo => {
      if (w.peer === undefined) throw new PeerError('ERR_MEMBERSHIP_PEER', `${kind} without a peer`)
      return this.peer(w.peer)
    }
    switch (kind) {
      case 'join': return { kind, peer: peer() }
      case 'joinReply': return { kind, peer: peer() }
      case 'forwardJoin': return { kind, peer: peer(), ttl: w.ttl }
      case 'neighbor': return { kind, peer: peer(), high: w.high }
      case 'neighborReply': return { kind, peer: peer(), accepted: w.accepted }
      case 'disconnect': return { kind }
      case 'keepalive': return { kind }
      case 'shuffle': return { kind, peer: peer(), ttl: w.ttl, peers: w.peers.map(p => this.peer(p)), exchange: w.exchange, ...(w.path.length > 0 ? { path: w.path } : {}) }
      case 'shuffleReply': return { kind, peers: w.peers.map(p => this.peer(p)), exchange: w.exchange, ...(w.path.length > 0 ? { route: w.path } : {}) }
    }
  }

  private peer (p: PeerDescriptor): PeerInfo {
    if (p.id === '' || utf8Length(p.id) > this.limits.maxIdBytes) throw new PeerError('ERR_MEMBERSHIP_ID', 'peer id empty or too long')
    for (const a of p.addrs) {
      if (a.length > this.limits.maxAddrBytes) throw new PeerError('ERR_MEMBERSHIP_ADDR', 'peer address too long')
    }
    if (p.seq !== undefined && (!Number.isSafeInteger(p.seq) || p.seq < 0)) throw new PeerError('ERR_MEMBERSHIP_SEQ', 'peer record sequence number out of range')
    if (p.signature !== undefined && p.signature.length !== SIGNATURE_BYTES) throw new PeerError('ERR_MEMBERSHIP_SIGNATURE', `peer record signature of ${p.signature.length} bytes (an Ed25519 signature has ${SIGNATURE_BYTES})`)
    return p // the decoder made it with exactly PeerInfo's fields
  }
}
