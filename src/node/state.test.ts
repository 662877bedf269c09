import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed } from '../core/identity.js'
import { SimCluster } from '../sim/cluster.js'
import { Simulator } from '../sim/simulator.js'
import { TOPIC_KEY_PREFIX } from './discovery.js'
import type { StateChange } from '../state/antientropy.js'

test('keys grapevine keeps for itself are invisible through every path of the state facade, and refused for writes', async () => {
  const sim = new Simulator({ seed: 2 })
  const cluster = new SimCluster(sim)
  const [a, b] = [1, 2].map(i => cluster.add(identityFromSeed(new Uint8Array(32).fill(i))))
  const changes: StateChange[] = []
  b!.on('change', c => changes.push(c))
  b!.join(a!.peerId)
  a!.pubsub.join('news').subscribe()                  // topic discovery writes pubsub/topic/news into a's origin
  await a!.state.set('color', 'green')
  sim.run(10_000)
  const key = TOPIC_KEY_PREFIX + 'news'
  assert.ok(b!.cores.state.get(key, a!.peerId) !== undefined, 'the core holds the reserved key (discovery needs it)')
  for (const node of [a!, b!]) {
    assert.equal(node.state.get(key, a!.peerId), undefined)
    assert.equal(node.state.entry(key, a!.peerId), undefined)
    assert.deepEqual(node.state.entries().map(e => e.key), ['color'])
    assert.equal(node.state.size().entries, 1)
  }
  assert.deepEqual(changes.map(c => c.key), ['color'], 'no change event for a reserved key')
  const { head, count, sum, ...meta } = changes[0]!.meta!
  assert.equal(count, 2)
  assert.equal(sum?.length, 32)
  assert.deepEqual(meta, { generation: 0, known: 2, gcVersion: 0 }, 'a change carries its origin\'s record')
  assert.equal(head?.version, 2, '...with the origin\'s signed head')
  await assert.rejects(a!.state.set(key, 'x'), /grapevine's own/)
  await assert.rejects(a!.state.delete(key), /grapevine's own/)
})
