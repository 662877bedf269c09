import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { RpcCodec, isEmptyRpc } from './codec.js'
import { RPC } from '../wire/rpc.js'

const codec = new RpcCodec()
const b = (...xs: number[]): Uint8Array<ArrayBuffer> => Uint8Array.from(xs)
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)]

// Each case: hand-built protobuf bytes (field numbers of libp2p's rpc.proto) and the RPC they mean.
const cases: Array<[string, Uint8Array, unknown]> = [
  ['subscribe', b(0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, ...ascii('t')),
    { subscriptions: [{ subscribe: true, topic: 't' }], messages: [] }],
  ['unsubscribe (explicit false)', b(0x0a, 0x05, 0x08, 0x00, 0x12, 0x01, ...ascii('t')),
    { subscriptions: [{ subscribe: false, topic: 't' }], messages: [] }],
  ['publish', b(0x12, 0x10, 0x0a, 0x02, 0xaa, 0xbb, 0x12, 0x02, 0x68, 0x69, 0x1a, 0x01, 0x07, 0x22, 0x01, ...ascii('t'), 0x2a, 0x00),
    { subscriptions: [], messages: [{ from: b(0xaa, 0xbb), data: b(0x68, 0x69), seqno: b(7), topic: 't', signature: b() }] }],
  ['ihave', b(0x1a, 0x09, 0x0a, 0x07, 0x0a, 0x01, ...ascii('t'), 0x12, 0x02, 0x01, 0x02),
    { subscriptions: [], messages: [], control: { ihave: [{ topicID: 't', messageIDs: [b(1, 2)] }], iwant: [], graft: [], prune: [], idontwant: [] } }],
  ['iwant', b(0x1a, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x01, 0x02),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [{ messageIDs: [b(1, 2)] }], graft: [], prune: [], idontwant: [] } }],
  ['graft', b(0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x01, ...ascii('t')),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [{ topicID: 't' }], prune: [], idontwant: [] } }],
  ['prune with px and backoff', b(0x1a, 0x0d, 0x22, 0x0b, 0x0a, 0x01, ...ascii('t'), 0x12, 0x04, 0x0a, 0x02, 0xcc, 0xdd, 0x18, 0x3c),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [{ topicID: 't', peers: [{ peerID: b(0xcc, 0xdd) }], backoff: 60 }], idontwant: [] } }],
  ['idontwant', b(0x1a, 0x06, 0x2a, 0x04, 0x0a, 0x02, 0x09, 0x09),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [{ messageIDs: [b(9, 9)] }] } }],
  // v1.3: control field 6, ControlExtensions { testExtension = 6492434 (a 4-byte tag) }.
  ['extensions', b(0x1a, 0x07, 0x32, 0x05, 0x90, 0x91, 0xe2, 0x18, 0x01),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], extensions: { testExtension: true } } }],
  ['extensions with partialMessages', b(0x1a, 0x04, 0x32, 0x02, 0x50, 0x01),
    { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], extensions: { partialMessages: true } } }],
  // The Test Extension's own message: RPC field 6492434, an empty TestExtension.
  ['test extension', b(0x92, 0x91, 0xe2, 0x18, 0x00), { subscriptions: [], messages: [], testExtension: {} }]
]

test('codec: hand-built bytes of every RPC and control kind decode, and encode back to the same bytes', () => {
  for (const [name, bytes, rpc] of cases) {
    assert.deepEqual(codec.decode(bytes), rpc, name)
    assert.deepEqual(codec.encode(rpc as never), bytes, name)
  }
})

test('codec: unknown fields (other extensions) are skipped, not errors', () => {
  // RPC field 10 (go's partial messages) and experimental field 0x3fffff; ControlExtensions field 7.
  const rpc = codec.decode(b(0x52, 0x02, 0x0a, 0x00, 0xfa, 0xff, 0xff, 0x0f, 0x00, 0x1a, 0x04, 0x32, 0x02, 0x38, 0x01))
  assert.deepEqual(rpc, { subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], extensions: {} } })
})

test('codec: an RPC carrying only extensions is not empty', () => {
  for (const [name, bytes] of cases.slice(-3)) assert.equal(isEmptyRpc(codec.decode(bytes)), false, name)
  assert.equal(isEmptyRpc({ subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [] } }), true)
})

test('codec: garbage, truncation and abuse are PeerErrors', () => {
  const bad = (bytes: Uint8Array, what: string): void => assert.throws(() => codec.decode(bytes), PeerError, what)
  bad(b(0xff, 0xff, 0xff), 'garbage')
  bad(cases[2]![1].subarray(0, 8), 'truncated')
  bad(b(0x0a, 0x02, 0x08, 0x01), 'subscription without topic')
  const small = new RpcCodec({ ...codec.limits, maxIdsPerEntry: 1, maxDataBytes: 1, maxSubscriptions: 0 })
  assert.throws(() => small.decode(cases[0]![1]), PeerError, 'too many subscriptions')
  assert.throws(() => small.decode(cases[2]![1]), PeerError, 'payload too large')
  assert.throws(() => small.decode(b(0x1a, 0x08, 0x12, 0x06, 0x0a, 0x01, 0x01, 0x0a, 0x01, 0x02)), PeerError, 'too many ids')
})

test('a long IHAVE entry shared by several RPCs is encoded once, and every RPC has the bytes protons writes', () => {
  const codec = new RpcCodec()
  const ids = Array.from({ length: 300 }, (_, i) => Uint8Array.from([0, 4, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, i >> 8, i & 255]))
  const shared: RPC.ControlIHave = { topicID: 't', messageIDs: ids }
  const rpcs: RPC[] = [
    { subscriptions: [], messages: [], control: { ihave: [shared], iwant: [], graft: [{ topicID: 't' }], prune: [], idontwant: [] } },
    { subscriptions: [{ subscribe: true, topic: 'u' }], messages: [{ topic: 't', data: new Uint8Array(300).fill(7) }], control: { ihave: [{ topicID: 'x', messageIDs: [ids[0]!] }, shared], iwant: [{ messageIDs: [ids[1]!] }], graft: [], prune: [{ topicID: 't', peers: [], backoff: 60 }], idontwant: [{ messageIDs: [ids[2]!] }] }, testExtension: {} }
  ]
  for (const rpc of rpcs) {
    const bytes = codec.encode(rpc)
    assert.deepEqual(bytes, RPC.encode(rpc))
    assert.deepEqual(codec.decode(bytes).control?.ihave.at(-1)?.messageIDs.length, 300)
  }
})

test('size: the length protons encodes, computed without encoding, for every kind of RPC', () => {
  const codec = new RpcCodec()
  const id = (n: number, i: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, j) => (i + j) & 255)
  const ids = Array.from({ length: 200 }, (_, i) => id(40, i))
  const none = { ihave: [], iwant: [], graft: [], prune: [], idontwant: [] }
  const rpcs: RPC[] = [
    ...cases.map(c => c[2] as RPC),
    { subscriptions: [], messages: [] },
    { subscriptions: [{ topic: 'no flag' }, { subscribe: false }, { subscribe: true, topic: 'é'.repeat(100) }], messages: [] },
    { subscriptions: [], messages: [{ topic: 't', from: id(38, 1), seqno: id(8, 2), data: new Uint8Array(1024), signature: id(64, 3), key: id(36, 4) }] },
    { subscriptions: [], messages: [{ topic: '' }, { topic: 'x', data: new Uint8Array(0) }, { topic: 'big', data: new Uint8Array(70_000) }] },
    { subscriptions: [], messages: [], control: { ...none } },
    { subscriptions: [], messages: [], control: { ...none, ihave: [{ topicID: 't', messageIDs: ids }, { messageIDs: [id(0, 0)] }], iwant: [{ messageIDs: ids.slice(0, 3) }, { messageIDs: [] }] } },
    { subscriptions: [], messages: [], control: { ...none, graft: [{ topicID: 't' }, {}], prune: [{ topicID: 't', peers: [{ peerID: id(38, 5), signedPeerRecord: id(300, 6) }, {}], backoff: 0 }, { peers: [], backoff: 2 ** 40 }, { peers: [] }] } },
    { subscriptions: [], messages: [], control: { ...none, prune: [{ topicID: 't', peers: [], backoff: -1 }] } },
    { subscriptions: [], messages: [], control: { ...none, idontwant: [{ messageIDs: ids.slice(0, 100) }] } },
    { subscriptions: [{ subscribe: true, topic: 't' }], messages: [{ topic: 't', data: id(10, 7) }], control: { ...none, ihave: [{ topicID: 't', messageIDs: ids }], idontwant: [{ messageIDs: [ids[0]!] }], extensions: { testExtension: true } }, testExtension: {} }
  ]
  for (const [i, rpc] of rpcs.entries()) assert.equal(codec.size(rpc), RPC.encode(rpc).length, `RPC ${i}`)
})
