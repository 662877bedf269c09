import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from './rng.js'

test('same seed, same stream; different seeds differ', () => {
  const a = new Rng(42)
  const b = new Rng(42)
  const c = new Rng(43)
  const xs = Array.from({ length: 100 }, () => a.nextU32())
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextU32()), xs)
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextU32()), xs)
})

test('forks depend only on the seed and the label, not on draws made before', () => {
  const a = new Rng(7)
  const b = new Rng(7)
  for (let i = 0; i < 50; i++) b.nextU32()
  assert.equal(a.fork('node:n1').nextU32(), b.fork('node:n1').nextU32())
  assert.notEqual(a.fork('node:n1').nextU32(), a.fork('node:n2').nextU32())
})

test('int(n) is in range and roughly uniform', () => {
  const r = new Rng(1)
  const counts = new Array<number>(10).fill(0)
  for (let i = 0; i < 100_000; i++) {
    const x = r.int(10)
    assert.ok(x >= 0 && x < 10)
    counts[x]!++
  }
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500, `bucket count ${c} far from 10000`)
  const f = Array.from({ length: 10_000 }, () => r.float())
  assert.ok(f.every(x => x >= 0 && x < 1))
})

test('sample returns distinct elements; shuffle keeps them all', () => {
  const r = new Rng(3)
  const items = Array.from({ length: 100 }, (_, i) => i)
  for (const k of [1, 5, 30, 99, 100, 150]) {
    const s = r.sample(items, k)
    assert.equal(s.length, Math.min(k, 100))
    assert.equal(new Set(s).size, s.length)
  }
  assert.deepEqual(r.shuffle(items.slice()).sort((a, b) => a - b), items)
})
