import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { StateMessage as Wire } from '../wire/state.js'
import { StateCodec, entrySize } from './codec.js'
import { varintLength } from '../core/bytes.js'
import type { StateMessage } from './messages.js'

const codec = new StateCodec()
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

const sample: StateMessage = {
  kind: 'ack',
  exchange: 77,
  digest: { start: 'a', end: 'z', entries: [{ origin: 'b', generation: 2, version: 9 }, { origin: 'c', generation: 0, version: 2 ** 40 }] },
  deltas: [{
    origin: 'n1',
    generation: 3,
    fromVersion: 4,
    toVersion: 9,
    entries: [
      { key: 'x', value: bytes('hello'), version: 5, deleted: false, signature: new Uint8Array(64).fill(7) },
      { key: 'y', value: new Uint8Array(0), version: 9, deleted: true, signature: new Uint8Array(0) }
    ],
    head: { version: 12, count: 40, sum: new Uint8Array(32).fill(1), digest: new Uint8Array(32).fill(2), signature: new Uint8Array(64).fill(3) }
  }]
}

test('round trip of every message kind', () => {
  for (const kind of ['push', 'pull', 'pullReply', 'syn', 'ack', 'ack2'] as const) {
    const msg = { ...sample, kind }
    assert.deepEqual(codec.decode(codec.encode(msg)), msg)
  }
  const empty: StateMessage = { kind: 'push', exchange: 0, deltas: [] }
  assert.deepEqual(codec.decode(codec.encode(empty)), { ...empty, digest: undefined })
})

test('hand-built bytes decode to the expected message', () => {
  // kind=SYN(3), exchange=5, digest{start="", end="", entries[{origin:"n", generation:0, version:1}]}
  const raw = new Uint8Array([0x08, 0x03, 0x10, 0x05, 0x1a, 0x07, 0x1a, 0x05, 0x0a, 0x01, 0x6e, 0x18, 0x01])
  assert.deepEqual(codec.decode(raw), {
    kind: 'syn', exchange: 5, digest: { start: '', end: '', entries: [{ origin: 'n', generation: 0, version: 1 }] }, deltas: []
  })
})

test('size() is the exact encoded length', () => {
  const msgs: StateMessage[] = [
    sample,
    { kind: 'push', exchange: 0, deltas: [] },
    { kind: 'pull', exchange: 2 ** 31, digest: { start: '', end: '', entries: [] }, deltas: [] },
    { ...sample, deltas: [{ ...sample.deltas[0]!, entries: [{ key: 'é✓😀', value: new Uint8Array(300), version: 2 ** 50, deleted: false, signature: new Uint8Array(64) }], toVersion: 2 ** 50, head: { ...sample.deltas[0]!.head, version: 2 ** 50 } }] }
  ]
  for (const m of msgs) assert.equal(codec.size(m), codec.encode(m).length)
})

test('entry sizes match the encoder exactly', () => {
  for (const e of sample.deltas[0]!.entries) {
    const head = sample.deltas[0]!.head as never
    const alone = Wire.encode({ kind: Wire.Kind.PUSH, exchange: 0, deltas: [{ origin: 'o', generation: 0, fromVersion: 0, toVersion: e.version, entries: [e as never], head }] })
    const none = Wire.encode({ kind: Wire.Kind.PUSH, exchange: 0, deltas: [{ origin: 'o', generation: 0, fromVersion: 0, toVersion: e.version, entries: [], head }] })
    assert.equal(alone.length - none.length, entrySize(e))
  }
  assert.equal(varintLength(0), 1)
  assert.equal(varintLength(127), 1)
  assert.equal(varintLength(128), 2)
  assert.equal(varintLength(2 ** 35), 6)
})

function rejects (msg: unknown, code: string): void {
  const raw = Wire.encode(msg as Wire)
  assert.throws(() => codec.decode(raw), (err: unknown) => err instanceof PeerError && err.code === code)
}

test('garbage and truncated frames are PeerErrors', () => {
  const good = codec.encode(sample)
  assert.throws(() => codec.decode(good.subarray(0, good.length - 3)), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([0x08, 0x63])), PeerError) // unknown kind 99
})

test('nonsense content is rejected', () => {
  const d = sample.deltas[0]!
  const e = d.entries[0]!
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [d.entries[1], d.entries[0]] }] }, 'ERR_STATE_DELTA')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [{ ...e, version: 4 }] }] }, 'ERR_STATE_DELTA')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [{ ...e, version: 10 }] }] }, 'ERR_STATE_DELTA')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, fromVersion: 10 }] }, 'ERR_STATE_DELTA')
  // A delta whose toVersion is 2^60, past what a double holds exactly (hand-built: the encoder refuses it).
  const huge = new Uint8Array([0x22, 13, 0x0a, 0x01, 0x6f, 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])
  assert.throws(() => codec.decode(huge), PeerError)
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, origin: '' }] }, 'ERR_STATE_ORIGIN')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [d, d] }, 'ERR_STATE_DUP_ORIGIN')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [{ ...d.entries[1], value: bytes('zombie') }] }] }, 'ERR_STATE_TOMBSTONE')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [{ ...e, key: 'k'.repeat(600) }] }] }, 'ERR_STATE_KEY')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [e, { ...e, version: 6 }] }] }, 'ERR_STATE_DELTA') // a key twice
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, head: undefined }] }, 'ERR_STATE_HEAD')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, head: { ...d.head, version: 8 } }] }, 'ERR_STATE_HEAD')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, head: { ...d.head, sum: new Uint8Array(31) } }] }, 'ERR_STATE_HEAD')
  rejects({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ ...d, entries: [{ ...e, signature: new Uint8Array(63) }] }] }, 'ERR_STATE_SIGNATURE')
  rejects({ kind: Wire.Kind.SYN, exchange: 1, digest: { start: 'm', end: '', entries: [{ origin: 'a', generation: 0, version: 1 }] }, deltas: [] }, 'ERR_STATE_DIGEST')
  rejects({ kind: Wire.Kind.SYN, exchange: 1, digest: { start: '', end: '', entries: [{ origin: 'b', generation: 0, version: 1 }, { origin: 'a', generation: 0, version: 1 }] }, deltas: [] }, 'ERR_STATE_DIGEST')
  const small = new StateCodec({ ...codec.limits, maxValueBytes: 3, maxOriginsPerMessage: 1 })
  assert.throws(() => small.decode(codec.encode(sample)), PeerError)
})
