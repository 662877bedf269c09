import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SignatureVerifier, defaultMessageId, peerIdBytes, peerIdString, seqnoBytes, signMessage, signedBytes } from './signing.js'
import { identityFromSeed } from '../core/identity.js'
import { RpcCodec } from './codec.js'
import { RPC } from '../wire/rpc.js'

const codec = new RpcCodec()
const b = (...xs: number[]): Uint8Array<ArrayBuffer> => Uint8Array.from(xs)
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)]

const alice = identityFromSeed(new Uint8Array(32).fill(1))
const mallory = identityFromSeed(new Uint8Array(32).fill(2))

test('identities are libp2p Ed25519 peer ids', () => {
  assert.match(alice.peerId, /^12D3KooW/)
  assert.equal(peerIdString(alice.peerIdBytes), alice.peerId)
  assert.deepEqual(peerIdBytes(alice.peerId), alice.peerIdBytes)
  assert.notEqual(alice.peerId, mallory.peerId)
})

test('StrictSign: a signed message verifies; tampering, a wrong key and a missing signature do not', () => {
  const v = new SignatureVerifier('StrictSign')
  const msg = signMessage(alice, 'topic', new TextEncoder().encode('hello'), seqnoBytes(1n))
  assert.equal(v.check(msg), undefined)
  // The signature covers exactly "libp2p-pubsub:" + the message without signature and key.
  assert.deepEqual([...signedBytes(msg).subarray(0, 14)], ascii('libp2p-pubsub:'))
  assert.equal(v.check({ ...msg, data: new TextEncoder().encode('hellO') }), 'bad-signature', 'tampered data')
  assert.equal(v.check({ ...msg, topic: 'other' }), 'bad-signature', 'tampered topic')
  assert.equal(v.check({ ...msg, from: mallory.peerIdBytes }), 'bad-signature', 'wrong key: claimed by another author')
  const forged = signMessage(mallory, 'topic', new TextEncoder().encode('hello'), seqnoBytes(1n))
  assert.equal(v.check({ ...forged, from: alice.peerIdBytes }), 'bad-signature', 'signed with the wrong key')
  assert.equal(v.check({ ...msg, signature: undefined }), 'missing-signature')
  assert.equal(v.check({ ...msg, from: undefined }), 'missing-from')
  assert.equal(v.check({ ...msg, seqno: b(1) }), 'bad-seqno')
  assert.equal(v.check({ ...msg, from: b(1, 2, 3) }), 'bad-from')
  // Round trip through the codec keeps it valid.
  const rpc = codec.decode(codec.encode({ subscriptions: [], messages: [msg] }))
  assert.equal(v.check(rpc.messages[0]!), undefined)
})

test('StrictNoSign: any of from, seqno, signature, key is rejected; ids come from the content', () => {
  const v = new SignatureVerifier('StrictNoSign')
  const plain = { topic: 't', data: b(1, 2, 3) }
  assert.equal(v.check(plain), undefined)
  const signed = signMessage(alice, 't', b(1, 2, 3), seqnoBytes(5n))
  assert.equal(v.check(signed), 'unexpected-signature-fields')
  assert.equal(v.check({ ...plain, seqno: seqnoBytes(1n) }), 'unexpected-signature-fields')
  assert.equal(v.check({ ...plain, key: b(1) }), 'unexpected-signature-fields')
  assert.deepEqual(defaultMessageId('StrictNoSign', plain), defaultMessageId('StrictNoSign', { topic: 'u', data: b(1, 2, 3) }))
  assert.equal(defaultMessageId('StrictNoSign', plain).length, 32)
  const id = defaultMessageId('StrictSign', signed)
  assert.deepEqual(id, Uint8Array.from([...alice.peerIdBytes, 0, 0, 0, 0, 0, 0, 0, 5]))
})

test('signedBytes writes exactly the prefix and the protobuf encoding without signature and key', () => {
  const prefix = new TextEncoder().encode('libp2p-pubsub:')
  const cases: RPC.Message[] = [
    { from: new Uint8Array(38).fill(1), data: new Uint8Array(1024).fill(2), seqno: new Uint8Array(8).fill(3), topic: 'bench' },
    { from: new Uint8Array(38).fill(4), data: new Uint8Array(70_000).fill(5), seqno: new Uint8Array(8).fill(6), topic: 'tópico ✓ 話題' },
    { data: new Uint8Array(0), topic: '' },
    { data: new Uint8Array(127), seqno: new Uint8Array(8), topic: 'x'.repeat(200), signature: new Uint8Array(64), key: new Uint8Array(36) },
    { topic: 't' }
  ] as RPC.Message[]
  for (const m of cases) {
    const body = RPC.Message.encode({ from: m.from, data: m.data, seqno: m.seqno, topic: m.topic } as RPC.Message)
    assert.deepEqual(new Uint8Array(signedBytes(m)), new Uint8Array([...prefix, ...body]))
  }
})
