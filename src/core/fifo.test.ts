import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FifoMap } from './fifo.js'

test('FifoMap: oldest first, deleted and re-inserted keys handled, stays fast at size', () => {
  const m = new FifoMap<string, number>()
  m.set('a', 1)
  m.set('b', 2)
  m.set('c', 3)
  m.set('a', 10) // an existing key keeps its place
  assert.deepEqual(m.oldest(), { key: 'a', value: 10 })
  m.delete('a')
  m.set('a', 4) // re-inserted: now the newest
  assert.deepEqual([...m.entries()], [['b', 2], ['c', 3], ['a', 4]])
  assert.deepEqual(m.shift(), { key: 'b', value: 2 })
  assert.deepEqual(m.shift(), { key: 'c', value: 3 })
  assert.deepEqual(m.shift(), { key: 'a', value: 4 })
  assert.equal(m.shift(), undefined)
  assert.equal(m.size, 0)

  // A sliding window over 200,000 keys keeps the newest 1,000 in order.
  const w = new FifoMap<number, number>()
  for (let i = 0; i < 200_000; i++) {
    w.set(i, i)
    if (w.size > 1000) w.shift()
  }
  assert.equal(w.size, 1000)
  assert.equal(w.oldest()!.key, 199_000)
})

test('FifoMap: deleting out of order never grows the order array without bound', () => {
  const m = new FifoMap<string, number>()
  m.set('old', 0) // stays at the head for the whole test
  for (let i = 0; i < 100_000; i++) {
    m.set(`k${i}`, i)
    m.delete(`k${i}`)
  }
  assert.equal(m.size, 1)
  assert.ok((m as unknown as { order: unknown[] }).order.length < 3000, 'stale slots are dropped')
  assert.deepEqual([...m.entries()], [['old', 0]])
})

test('FifoMap with a limit drops its oldest entry past it; renew makes a key the newest', () => {
  const m = new FifoMap<string, number>(2)
  m.set('a', 1)
  m.set('b', 2)
  m.renew('a', 3)
  m.set('c', 4)
  assert.deepEqual([...m.entries()], [['a', 3], ['c', 4]])
})
