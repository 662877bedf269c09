import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameDecoder, encodeFrame, type FrameEvent } from './frames.js'

const all = (d: FrameDecoder, chunks: Uint8Array[]): FrameEvent[] => chunks.flatMap(c => [...d.push(c)])

test('frames split at every byte boundary decode to the same payloads', () => {
  const payloads = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array(20_000).fill(9)]
  const wire = Buffer.concat(payloads.map(encodeFrame))
  for (const step of [1, 2, 3, 127, 128, 4096, wire.length]) {
    const d = new FrameDecoder(1 << 20)
    const chunks: Uint8Array[] = []
    for (let i = 0; i < wire.length; i += step) chunks.push(wire.subarray(i, i + step))
    const got = all(d, chunks)
    assert.deepEqual(got.map(e => e.kind), payloads.map(() => 'frame'))
    got.forEach((e, i) => assert.deepEqual(e.kind === 'frame' ? [...e.bytes] : null, [...payloads[i]!]))
    assert.equal(d.buffered, 0)
  }
})

test('an oversized frame is skipped exactly and the stream stays in sync', () => {
  const d = new FrameDecoder(100)
  const wire = Buffer.concat([encodeFrame(new Uint8Array(500)), encodeFrame(new Uint8Array([42]))])
  const got = all(d, [wire.subarray(0, 10), wire.subarray(10, 300), wire.subarray(300)])
  assert.deepEqual(got.map(e => e.kind), ['oversize', 'frame'])
  assert.equal(got[0]!.kind === 'oversize' && got[0]!.length, 500)
  assert.deepEqual(got[1]!.kind === 'frame' && [...got[1]!.bytes], [42])
})

test('a length prefix that never ends is fatal, and nothing after it is read', () => {
  const d = new FrameDecoder(100)
  const got = all(d, [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), encodeFrame(new Uint8Array([1]))])
  assert.deepEqual(got.map(e => e.kind), ['fatal'])
})
