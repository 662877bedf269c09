import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { BroadcastMessage as Wire } from '../wire/broadcast.js'
import { BroadcastCodec } from './codec.js'
import type { BroadcastMessage, Gossip } from './messages.js'
import { signedBytes, signGossip } from './signing.js'
import { identityFromSeed } from '../core/identity.js'

const codec = new BroadcastCodec()

test('codec: round trips, exact sizes, and rejections', () => {
  const msgs: BroadcastMessage[] = [
    { kind: 'gossip', id: 'n1/7', round: 3, payload: new Uint8Array([1, 2, 3]) },
    { kind: 'gossip', id: 'n1/8', round: 0, payload: new Uint8Array(0) },
    { kind: 'gossip', id: 'n1/9', round: 2, payload: new Uint8Array([4]), tree: 'n2' },
    { kind: 'ihave', ids: ['a/1', 'b/2'], rounds: [4, 0] },
    { kind: 'graft', id: 'a/1', round: 0 },
    { kind: 'graft', id: '', round: 0 },
    { kind: 'graft', id: '', round: 0, root: 'a' },
    { kind: 'prune' },
    { kind: 'prune', root: 'a' }
  ]
  for (const m of msgs) {
    const b = codec.encode(m)
    assert.deepEqual(codec.decode(b), m)
    assert.equal(codec.size(m), b.length)
  }
  // Hand-built: GOSSIP id "x" round 2 payload [9].
  assert.deepEqual(codec.decode(new Uint8Array([0x12, 0x01, 0x78, 0x18, 0x02, 0x22, 0x01, 0x09])), { kind: 'gossip', id: 'x', round: 2, payload: new Uint8Array([9]) })
  const bad = (w: Partial<Wire>): void => assert.throws(() => codec.decode(Wire.encode({ kind: Wire.Kind.GOSSIP, id: '', round: 0, payload: new Uint8Array(0), ids: [], rounds: [], ...w })), PeerError)
  bad({ id: '' })
  bad({ id: 'x'.repeat(200) })
  bad({ kind: Wire.Kind.IHAVE, ids: ['a'], rounds: [] })
  bad({ kind: Wire.Kind.IHAVE })
  bad({ id: 'a', round: 2_000_000 })
  assert.throws(() => new BroadcastCodec({ ...codec.limits, maxPayloadBytes: 2 }).decode(codec.encode(msgs[0]!)), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([0x08, 0x09])), PeerError)
})

test('codec: a signed GOSSIP carries source, seqno and signature, and its id is derived from them', () => {
  const author = identityFromSeed(new Uint8Array(32).fill(1))
  const signed = signGossip(author, 2 ** 53 - 1, new Uint8Array([1, 2, 3]))
  const moved = { ...signed, round: 5 }
  // Plumtree's tree naming (a source's first messages) travels beside the signed fields.
  for (const m of [signed, moved, { ...signed, seqno: 0, id: `${author.peerId}/0` }, { ...moved, tree: author.peerId }]) {
    const b = codec.encode(m)
    assert.deepEqual(codec.decode(b), m)
    assert.equal(codec.size(m), b.length)
  }
  assert.equal(Wire.decode(codec.encode(signed)).id, '', 'no id on the wire: it follows from source and seqno')
  assert.equal((codec.decode(codec.encode(signed)) as Gossip).id, `${author.peerId}/${2 ** 53 - 1}`)
  // Unsigned, with a stray signature: decoded as it is (the core's policy refuses it).
  const stray = { kind: 'gossip' as const, id: 'x/1', round: 0, payload: new Uint8Array(0), signature: new Uint8Array(64) }
  assert.deepEqual(codec.decode(codec.encode(stray)), stray)
  const base = { kind: Wire.Kind.GOSSIP, id: '', round: 0, payload: new Uint8Array(0), ids: [], rounds: [] }
  const bad = (w: Partial<Wire>, code: string): void => assert.throws(() => codec.decode(Wire.encode({ ...base, ...w })), (e: unknown) => e instanceof PeerError && e.code === code)
  bad({ source: author.peerId, seqno: 1, id: 'other/1' }, 'ERR_BROADCAST_ID')
  bad({ source: author.peerId }, 'ERR_BROADCAST_SOURCE')
  bad({ id: 'x/1', seqno: 1 }, 'ERR_BROADCAST_SOURCE')
  bad({ source: 'a/b', seqno: 1 }, 'ERR_BROADCAST_SOURCE')
  bad({ source: '', seqno: 1 }, 'ERR_BROADCAST_SOURCE')
  bad({ source: 'x'.repeat(127), seqno: 1 }, 'ERR_BROADCAST_ID')
  bad({ source: author.peerId, seqno: 1, signature: new Uint8Array(65) }, 'ERR_BROADCAST_SIGNATURE')
  bad({ source: author.peerId, seqno: 1, ids: ['t1', 't2'] }, 'ERR_BROADCAST_TREE')
  bad({ source: author.peerId, seqno: 1, ids: ['t1'], rounds: [1] }, 'ERR_BROADCAST_TREE')
  bad({ source: author.peerId, seqno: 1, ids: [''] }, 'ERR_BROADCAST_ID')
  // A seqno beyond 2^53 − 1 cannot be read exactly: refused.
  const big = Wire.encode({ ...base, source: author.peerId, seqno: 1 })
  const at = big.length - 1 // the seqno varint's one byte (value 1) is last
  const beyond = Uint8Array.from([...big.subarray(0, at), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
  assert.throws(() => codec.decode(beyond), PeerError)
})

test('signed bytes: prefix, length-prefixed source, 8-byte seqno, payload', () => {
  const hex = Buffer.from(signedBytes('Qm1', 258, new Uint8Array([7, 8]))).toString('hex')
  assert.equal(hex, Buffer.from('grapevine-broadcast:').toString('hex') + '03' + Buffer.from('Qm1').toString('hex') + '0000000000000102' + '0708')
  // A source of 200 bytes takes a two-byte length; non-ASCII text counts in UTF-8 bytes.
  assert.equal(signedBytes('x'.repeat(200), 0, new Uint8Array(0)).length, 20 + 2 + 200 + 8)
  assert.equal(Buffer.from(signedBytes('é', 0, new Uint8Array(0))).subarray(20, 23).toString('hex'), '02c3a9')
  // Moving a byte between source and payload changes the bytes signed.
  assert.notDeepEqual(signedBytes('ab', 1, new Uint8Array([1])), signedBytes('a', 1, new Uint8Array([98, 1])))
})
