import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from './rng.js'
import { SmallSet } from './smallset.js'

test('SmallSet behaves as a Set, insertion order included, below and past its linear size', () => {
  const rng = new Rng(7)
  for (const universe of [8, 40, 200]) {
    const s = new SmallSet<number>()
    const ref = new Set<number>()
    for (let i = 0; i < 5000; i++) {
      const x = rng.int(universe)
      const op = rng.int(10)
      if (op < 5) {
        assert.equal(s.add(x), s)
        ref.add(x)
      } else if (op < 9) assert.equal(s.delete(x), ref.delete(x))
      else assert.equal(s.has(x), ref.has(x))
      assert.equal(s.size, ref.size)
      if (i % 97 === 0) assert.deepEqual([...s], [...ref])
    }
    s.clear()
    assert.equal(s.size, 0)
    assert.deepEqual([...s], [])
  }
})
