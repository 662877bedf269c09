import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { MembershipMessage as Wire, type PeerDescriptor } from '../wire/membership.js'
import { MembershipCodec } from './codec.js'
import type { MembershipMessage } from './messages.js'

const codec = new MembershipCodec()
const peer = (id: string): { id: string, addrs: Uint8Array[] } => ({ id, addrs: [new Uint8Array([4, 127, 0, 0, 1])] })

test('codec: every message kind round-trips', () => {
  const msgs: MembershipMessage[] = [
    { kind: 'join', peer: peer('a') },
    { kind: 'joinReply', peer: peer('b') },
    { kind: 'forwardJoin', peer: peer('c'), ttl: 6 },
    { kind: 'neighbor', peer: peer('d'), high: true },
    { kind: 'neighborReply', peer: peer('e'), accepted: false },
    { kind: 'disconnect' },
    { kind: 'shuffle', peer: peer('f'), ttl: 5, peers: [peer('g'), { id: 'h', addrs: [] }], exchange: 9 },
    { kind: 'shuffleReply', peers: [peer('i'), { id: 'j', addrs: [], seq: 1_700_000_000_000, signature: new Uint8Array(64).fill(7) }], exchange: 9 },
    { kind: 'shuffle', peer: peer('f'), ttl: 3, peers: [peer('g')], exchange: 4, path: ['h1', 'h2'] },
    { kind: 'shuffleReply', peers: [peer('i')], exchange: 4, route: ['h1', 'f'] },
    { kind: 'keepalive' }
  ]
  for (const m of msgs) {
    const bytes = codec.encode(m)
    assert.deepEqual(codec.decode(bytes), m)
    assert.equal(codec.size(m), bytes.length)
  }
  // Hand-built: FORWARD_JOIN (2) of peer {id: "x"} with ttl 3.
  assert.deepEqual(codec.decode(new Uint8Array([0x08, 0x02, 0x12, 0x03, 0x0a, 0x01, 0x78, 0x18, 0x03])), { kind: 'forwardJoin', peer: { id: 'x', addrs: [] }, ttl: 3 })
})

test('codec: size is the exact encoded length, without encoding', () => {
  const signed = { id: 'QmSigned', addrs: [new Uint8Array(300)], seq: 2 ** 40 + 3, signature: new Uint8Array(64) }
  const msgs: MembershipMessage[] = [
    { kind: 'join', peer: { id: 'n0', addrs: [] } },
    { kind: 'forwardJoin', peer: signed, ttl: 0 },
    { kind: 'forwardJoin', peer: { id: 'é€😀', addrs: [] }, ttl: 200 },
    { kind: 'neighbor', peer: signed, high: false },
    { kind: 'neighborReply', peer: { id: 'x', addrs: [], seq: 0 }, accepted: true },
    { kind: 'shuffle', peer: signed, ttl: 6, peers: [], exchange: 0xffffffff },
    { kind: 'shuffleReply', peers: Array.from({ length: 40 }, (_, i) => ({ id: `n${i * 997}`, addrs: [new Uint8Array(i)] })), exchange: 1 },
    { kind: 'shuffleReply', peers: [], exchange: 0 },
    { kind: 'shuffle', peer: signed, ttl: 2, peers: [], exchange: 3, path: ['12D3KooWabc', 'é'] },
    { kind: 'shuffleReply', peers: [], exchange: 3, route: ['x'.repeat(200)] }
  ]
  for (const m of msgs) assert.equal(codec.size(m), codec.encode(m).length, m.kind)
})

test('codec: malformed and abusive messages are PeerErrors', () => {
  const bad = (w: Partial<Wire>): void => {
    const bytes = Wire.encode({ kind: Wire.Kind.JOIN, ttl: 0, high: false, accepted: false, peers: [], exchange: 0, path: [], ...w })
    assert.throws(() => codec.decode(bytes), PeerError)
  }
  const d = (id: string, addrs: Array<Uint8Array<ArrayBuffer>> = [], signature?: Uint8Array<ArrayBuffer>): PeerDescriptor => signature === undefined ? { id, addrs } : { id, addrs, signature }
  bad({ kind: Wire.Kind.JOIN }) // no peer
  bad({ kind: Wire.Kind.FORWARD_JOIN, peer: d('a'), ttl: 1000 })
  bad({ kind: Wire.Kind.NEIGHBOR, peer: d('x'.repeat(300)) })
  bad({ kind: Wire.Kind.NEIGHBOR, peer: d('') })
  bad({ kind: Wire.Kind.SHUFFLE, peer: d('a'), peers: Array.from({ length: 65 }, (_, i) => d(`p${i}`)) })
  bad({ kind: Wire.Kind.JOIN, peer: d('a', [new Uint8Array(600)]) })
  bad({ kind: Wire.Kind.JOIN, peer: d('a', [], new Uint8Array(63)) }) // not an Ed25519 signature
  bad({ kind: Wire.Kind.SHUFFLE, peer: d('a'), path: Array.from({ length: 33 }, (_, i) => `h${i}`) }) // a path longer than any walk (maxTtl 32)
  bad({ kind: Wire.Kind.SHUFFLE_REPLY, path: [''] })
  bad({ kind: Wire.Kind.SHUFFLE_REPLY, path: ['x'.repeat(300)] })
  // JOIN of peer {id: "a", seq: 2^56}: beyond a safe integer (2^40 decodes).
  assert.equal(codec.decode(new Uint8Array([0x12, 0x0a, 0x0a, 0x01, 0x61, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])).kind, 'join')
  assert.throws(() => codec.decode(new Uint8Array([0x12, 0x0d, 0x0a, 0x01, 0x61, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([0x08, 0x63])), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([0x12, 0x05, 0x0a])), PeerError)
})
