import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { BroadcastMessage as Wire } from '../wire/broadcast.js'
import { BroadcastCodec } from './codec.js'
import type { BroadcastMessage } from './messages.js'

const codec = new BroadcastCodec()

test('codec: round trips, exact sizes, and rejections', () => {
  const msgs: BroadcastMessage[] = [
    { kind: 'gossip', id: 'n1/7', round: 3, payload: new Uint8Array([1, 2, 3]) },
    { kind: 'gossip', id: 'n1/8', round: 0, payload: new Uint8Array(0) },
    { kind: 'ihave', ids: ['a/1', 'b/2'], rounds: [4, 0] },
    { kind: 'graft', id: 'a/1', round: 0 },
    { kind: 'graft', id: '', round: 0 },
    { kind: 'prune' }
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
