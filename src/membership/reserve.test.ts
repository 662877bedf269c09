import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reserve } from './reserve.js'

const peer = (i: number): { id: string, addrs: Uint8Array[] } => ({ id: `p${i}`, addrs: [] })

test('reserve: bounded (oldest replaced), passes in batches, backoff doubling up to the cap, reset by a neighbour', () => {
  const r = new Reserve(4, 1000, 3000)
  for (let i = 0; i < 6; i++) r.note(peer(i))
  assert.equal(r.length, 4)
  const ids = (xs: Array<{ id: string }>): string[] => xs.map(x => x.id).sort()
  // p0 and p1 were replaced by p4 and p5.
  assert.deepEqual(ids([...r.next(0, 3), ...r.next(0, 3)]), ['p2', 'p3', 'p4', 'p5'])
  assert.deepEqual(r.next(500, 3), [], 'a fruitless pass waits 1 s')
  assert.equal(r.next(1000, 10).length, 4)
  assert.deepEqual(r.next(2500, 10), [], '… then 2 s')
  assert.equal(r.next(3000, 10).length, 4)
  assert.deepEqual(r.next(5999, 10), [], '… then at most 3 s')
  assert.equal(r.next(6000, 10).length, 4)
  r.found()
  assert.equal(r.next(6001, 10).length, 4, 'a neighbour found: the next isolation starts at once')
  r.delete('p3')
  assert.equal(r.length, 3)
  assert.ok(!ids(r.next(99_999, 10)).includes('p3'))
  const none = new Reserve(0, 1000, 1000)
  none.note(peer(1))
  assert.equal(none.length, 0)
})
