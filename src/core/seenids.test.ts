import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from './rng.js'
import { SeenIds } from './seenids.js'

const id = (...b: number[]): Uint8Array => Uint8Array.from(b)

test('seen ids: expire after the TTL, the oldest go first at the size bound, compared byte by byte', () => {
  const c = new SeenIds(100, 3, 7, 2)
  assert.equal(c.add(0, id(1, 2, 3)), true)
  assert.equal(c.add(10, id(1, 2, 3)), false, 'a second add is refused')
  c.add(50, id(1, 2))
  c.add(99, id(1, 2, 3, 4))
  assert.ok(c.has(id(1, 2, 3)) && c.has(id(1, 2)) && c.has(id(1, 2, 3, 4)) && !c.has(id(1)) && !c.has(id(1, 2, 4)))
  c.expire(100)
  assert.ok(!c.has(id(1, 2, 3)) && c.has(id(1, 2)), 'the first expired at 100, the second not yet')
  c.add(120, id(9))
  c.add(121, id(8))
  assert.ok(!c.has(id(1, 2)), 'the size bound evicts the oldest')
  assert.equal(c.size, 3)
  c.expire(1000)
  assert.equal(c.size, 0)
  assert.equal(c.oldest(), undefined)
})

test('seen ids: the same answers as a reference set through growth, wrap-around and eviction', () => {
  const rng = new Rng(3)
  for (const [ttl, max] of [[50, 1000], [1e9, 40], [30, 1e6]] as const) {
    const c = new SeenIds(ttl, max, rng.nextU32(), 2)
    const ref: Array<{ k: string, t: number }> = []
    const keys = new Set<string>()
    const made: Uint8Array[] = []
    for (let now = 0; now < 4000; now++) {
      // Reference: the same bounds on an ordered list.
      while (ref.length > 0 && ref[0]!.t <= now - ttl) keys.delete(ref.shift()!.k)
      const fresh = rng.float() < 0.7 || made.length === 0
      const b = fresh ? Uint8Array.from({ length: 1 + rng.int(rng.float() < 0.1 ? 300 : 48) }, () => rng.int(4)) : made[rng.int(made.length)]!
      if (fresh) made.push(b)
      const k = Buffer.from(b).toString('hex')
      const expected = !keys.has(k)
      assert.equal(c.add(now, b), expected, `add at ${now}`)
      if (expected) {
        if (ref.length >= max) keys.delete(ref.shift()!.k)
        ref.push({ k, t: now })
        keys.add(k)
      }
      assert.equal(c.size, ref.length)
      const probe = made[rng.int(made.length)]!
      assert.equal(c.has(probe), keys.has(Buffer.from(probe).toString('hex')), `has at ${now}`)
    }
  }
})
