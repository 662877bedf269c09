// The network driver's send queues against a stand-in stream: bounded in bytes, refusing (counted) when full,
// writing nothing while the transport is full until 'drain', waking waiters with room, and counting what a
// closed stream loses.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { Outbox, type OutboxStats } from './outbox.js'

/** A stream whose transport takes `window` bytes, then says "full" until `drain()`. */
function fakeStream (window: number): { stream: Stream, written: () => number, drain: () => void, close: () => void, sends: () => number } {
  const listeners = new Map<string, Array<() => void>>()
  let taken = 0
  let written = 0
  let sends = 0
  const s = {
    status: 'open',
    writeBufferLength: 0,
    send (data: Uint8Array): boolean {
      sends++
      written += data.length
      taken += data.length
      if (taken >= window) {
        s.writeBufferLength = taken - window
        return false
      }
      return true
    },
    abort () { s.status = 'aborted' },
    addEventListener (name: string, fn: () => void) { listeners.set(name, [...(listeners.get(name) ?? []), fn]) }
  }
  const fire = (name: string): void => { for (const fn of listeners.get(name) ?? []) fn() }
  return {
    stream: s as unknown as Stream,
    written: () => written,
    sends: () => sends,
    drain: () => { taken = 0; s.writeBufferLength = 0; fire('drain') },
    close: () => { s.status = 'closed'; fire('close') }
  }
}

const frame = (n: number): { header: Uint8Array, body: Uint8Array } => ({ header: new Uint8Array(1), body: new Uint8Array(n - 1) })
const stats = (): OutboxStats & { dropped: number } => ({ framesOut: 0, batchesOut: 0, bytesOut: 0, refusedQueueFull: 0, lostDialFailed: 0, lostClosed: 0, lostWriteFailed: 0, drainWaits: 0, dropped: 0 })
const turn = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

test('outbox: bounded, honours the stream\'s back-pressure, wakes waiters, counts every loss by reason', async () => {
  const st = stats()
  const box = new Outbox(100_000, st, err => { throw err })
  const fake = fakeStream(150_000)
  let opened = 0
  // No stream yet: frames wait for it, up to the bound, then are refused.
  let accepted = 0
  for (let i = 0; i < 20; i++) if (box.enqueue('p', frame(10_000), () => { opened++ })) accepted++
  assert.equal(opened, 1, 'one stream opened for the peer')
  assert.equal(accepted, 10)
  assert.equal(st.refusedQueueFull, 10)
  assert.ok(box.room('p') <= 0)
  let woken = 0
  box.onRoom('p', 50_000, () => { woken++ })
  box.attach(box.get('p')!, fake.stream)
  assert.equal(fake.written(), 100_000, 'what waited is written once the stream is there')
  assert.equal(woken, 1, 'the waiter is woken when room comes')

  // Past the transport's window: send() says false, and nothing more is handed over until 'drain'.
  for (let i = 0; i < 30; i++) box.enqueue('p', frame(10_000), () => {})
  await turn()
  assert.equal(st.drainWaits, 1)
  const before = fake.sends()
  for (let i = 0; i < 3; i++) box.enqueue('p', frame(1000), () => {})
  await turn()
  assert.equal(fake.sends(), before, 'no write while the transport is full')
  const queued = box.get('p')!.count
  assert.ok(queued > 0)
  fake.drain()
  assert.ok(box.get('p')!.count < queued, 'drain resumes writing')

  // A closed stream loses what was queued, counted with its reason.
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 10; i++) box.enqueue('p', frame(10_000), () => {})
    await turn()
  }
  const pending = box.get('p')!.count
  assert.ok(pending > 0, 'frames wait behind the full transport')
  fake.close()
  assert.equal(st.lostClosed, pending)
  assert.equal(st.dropped, st.refusedQueueFull + st.lostClosed)
  assert.equal(box.get('p')!.count, 0)
})
