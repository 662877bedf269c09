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
