import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { peerIdBytesOfEd25519 } from '../core/peerid.js'
import { IdSchemes, canonicalMessageId, renderMessageId, schemeOfAgent, schemeOfId } from './msgid.js'
import { seqnoBytes } from './signing.js'

const key = new Uint8Array(32).fill(9)
const from = peerIdBytesOfEd25519(key) // 0x00 0x24 0x08 0x01 0x12 0x20 ‖ key
const seqno = seqnoBytes(0x0102030405060708n)
const canonical = Uint8Array.from([...from, ...seqno])

test('Ed25519 author: the public-key id is the canonical id without its two multihash bytes, and back', () => {
  const js = renderMessageId(canonical, 'public-key')!
  assert.deepEqual([...js], [...from.subarray(2), ...seqno])
  assert.equal(schemeOfId(js), 'public-key')
  assert.deepEqual(canonicalMessageId(js), canonical)
  assert.deepEqual(canonicalMessageId(canonical), canonical)
})

test('rust ids: base58 peer id and decimal seqno, both ways', () => {
  const rust = renderMessageId(canonical, 'rust')!
  assert.equal(new TextDecoder().decode(rust), base58btc.encode(from).slice(1) + 0x0102030405060708n.toString())
  assert.equal(schemeOfId(rust), 'rust')
  assert.deepEqual(canonicalMessageId(rust), canonical)
  const big = Uint8Array.from([...from, ...seqnoBytes(0xffffffffffffffffn)])
  assert.deepEqual(canonicalMessageId(renderMessageId(big, 'rust')!), big)
})

test('RSA author: the public-key id carries the key; canonical is its SHA-256 peer id, rendered back once the key is known', () => {
  const rsaKey = Uint8Array.from([0x08, 0x00, 0x12, 0xa6, 0x02, ...new Uint8Array(294).fill(3)])
  const js = Uint8Array.from([...rsaKey, ...seqno])
  const pid = Uint8Array.from([0x12, 0x20, ...createHash('sha256').update(rsaKey).digest()])
  const ids = new IdSchemes(true)
  ids.peerUp('p', undefined)
  const [c] = ids.fromPeer('p', [js])
  assert.deepEqual(c, Uint8Array.from([...pid, ...seqno]))
  assert.equal(ids.schemeOf('p'), 'public-key', 'learnt from the id it sent')
  assert.deepEqual(ids.toPeer('p', [c!]), [js])
})

test('schemes: guessed from the agent, learnt from ids, passive when disabled', () => {
  assert.equal(schemeOfAgent('js-libp2p/3.3.11 node/20.20.2'), 'public-key')
  assert.equal(schemeOfAgent('grapevine/0.1.0 js-libp2p/3.3.11 node/20.20.2'), 'peer-id')
  assert.equal(schemeOfAgent('rust-libp2p/0.55.0'), 'rust')
  assert.equal(schemeOfAgent('lighthouse/v5'), undefined)
  const counts = { idsTranslated: 0, idsRendered: 0 }
  const ids = new IdSchemes(true, counts)
  ids.peerUp('js', 'js-libp2p/3.3.11 node/20')
  assert.deepEqual(ids.toPeer('js', [canonical]), [renderMessageId(canonical, 'public-key')])
  ids.fromPeer('js', [renderMessageId(canonical, 'rust')!])
  assert.equal(ids.schemeOf('js'), 'rust')
  assert.deepEqual(counts, { idsTranslated: 1, idsRendered: 1 })
  assert.deepEqual(ids.received, { 'peer-id': 0, 'public-key': 0, rust: 1 })
  const off = new IdSchemes(false)
  off.peerUp('js', 'js-libp2p/3')
  const hash = new Uint8Array(createHash('sha256').update('x').digest())
  assert.deepEqual(off.toPeer('js', [canonical]), [canonical])
  assert.deepEqual(off.fromPeer('js', [hash]), [hash])
})

test('ids of no known scheme are kept as they are', () => {
  const ids = new IdSchemes(true)
  ids.peerUp('p', undefined)
  const odd = Uint8Array.from([7, 7, 7])
  assert.deepEqual(ids.fromPeer('p', [odd]), [odd])
  assert.equal(canonicalMessageId(Uint8Array.from([0x08, 1, 2])), undefined)
  assert.equal(canonicalMessageId(Uint8Array.from([0x31, 0x32])), undefined)
})
