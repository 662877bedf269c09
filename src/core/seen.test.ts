import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SeenCache } from './seen.js'

test('seen cache: ids expire after the TTL, the oldest go first at the size bound, values are kept', () => {
  const c = new SeenCache<true>(100, 3)
  assert.equal(c.add(0, 'a', true), true)
  assert.equal(c.add(10, 'a', true), false, 'a second add is refused')
  c.add(50, 'b', true)
  c.add(99, 'c', true)
  assert.ok(c.has('a') && c.has('b') && c.has('c'))
  c.expire(100)
  assert.ok(!c.has('a') && c.has('b'), 'a expired at 100, b not yet')
  c.add(120, 'd', true)
  c.add(121, 'e', true)
  assert.ok(!c.has('b'), 'the size bound evicts the oldest')
  c.expire(210)
  assert.deepEqual(['c', 'd', 'e'].map(x => c.has(x)), [false, true, true])
  c.expire(1000)
  assert.equal(c.size, 0)

  const v = new SeenCache<{ n: number }>(100, 10)
  v.add(0, 'x', { n: 7 })
  assert.deepEqual(v.get('x'), { n: 7 })
  v.expire(100)
  assert.equal(v.get('x'), undefined)
})

test('seen cache: deleted ids leave no trace, the ring grows and compacts, order and values survive', () => {
  const c = new SeenCache<number>(1000, 50)
  for (let i = 0; i < 40; i++) c.add(i, `m${i}`, i)
  for (let i = 0; i < 40; i += 2) assert.equal(c.delete(`m${i}`), true)
  assert.equal(c.delete('m0'), false)
  assert.equal(c.size, 20)
  assert.equal(c.get('m2'), undefined)
  assert.equal(c.get('m3'), 3)
  // Deleted slots fill the ring: adding more compacts it, and the oldest live ids still go first.
  for (let i = 40; i < 80; i++) c.add(i, `m${i}`, i)
  assert.equal(c.size, 50)
  assert.ok(!c.has('m19') && c.has('m21') && c.get('m79') === 79, 'the 10 oldest live ids (m1 … m19) were dropped at the bound')
  assert.equal(c.add(80, 'm2', 2), true, 'a deleted id can come back')
  c.expire(1000 + 39)
  assert.ok(!c.has('m39') && c.has('m40') && c.has('m2'))
  c.expire(1000 + 80)
  assert.equal(c.size, 0)
  assert.equal(c.add(2000, 'm1', 1), true)
  assert.equal(c.get('m1'), 1)
})
