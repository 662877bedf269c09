import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageCache } from './mcache.js'
import type { RPC } from '../wire/rpc.js'

const id = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from([0, 1, 9, n])
const msg = (topic: string, n: number): RPC.Message => ({ topic, data: Uint8Array.from([n]) })

test('message cache: IHAVE ids newest window first, arrival order within a window; windows drop off; IWANT answers are capped', () => {
  const c = new MessageCache(3, 2, 7)
  c.put(id(1), msg('a', 1))
  c.put(id(2), msg('b', 2))
  c.put(id(1), msg('a', 1)) // a second put is ignored
  c.shift()
  c.put(id(3), msg('a', 3))
  c.put(id(4), msg('a', 4))
  assert.deepEqual(c.gossipIds('a').map(x => x[3]), [3, 4, 1])
  assert.deepEqual(c.gossipIds('b').map(x => x[3]), [2])
  c.shift()
  assert.deepEqual(c.gossipIds('a').map(x => x[3]), [3, 4], 'only the gossip windows are advertised')
  assert.equal(c.getForIwant(id(1), 'p', 2)?.data?.[0], 1, 'older windows still answer IWANT')
  assert.equal(c.getForIwant(id(1), 'p', 2)?.data?.[0], 1)
  assert.equal(c.getForIwant(id(1), 'p', 2), undefined, 'at most twice to one peer')
  assert.equal(c.getForIwant(id(1), 'q', 2)?.data?.[0], 1)
  c.shift()
  assert.equal(c.getForIwant(id(1), 'q', 2), undefined, 'the first window is gone')
  assert.equal(c.size, 2)
  for (let i = 0; i < 3; i++) c.shift()
  assert.equal(c.size, 0)
  assert.deepEqual(c.gossipIds('a'), [])
})
