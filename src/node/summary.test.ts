import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed } from '../core/identity.js'
import { SimCluster } from '../sim/cluster.js'
import { Simulator } from '../sim/simulator.js'
import { buildSummary, decodeSummary, MAX_SUMMARY_BYTES, readSummaries, SUMMARY_KEY, SUMMARY_LIMITS, summarize } from './summary.js'
import { GRAPEVINE_PREFIX } from './state.js'

const fakeId = (i: number): string => `12D3KooW${String(i).padStart(44, 'x')}`

test('a summary stays within MAX_SUMMARY_BYTES however large the views, topics and meshes', () => {
  const sim = new Simulator({ seed: 1 })
  const node = new SimCluster(sim).add(identityFromSeed(new Uint8Array(32).fill(1)))
  const ids = Array.from({ length: 500 }, (_, i) => fakeId(i))
  const topics = Array.from({ length: 200 }, (_, i) => `topic-${i}-${'t'.repeat(300)}`)
  const info = node.info()
  node.info = () => ({ ...info, members: { active: ids, passive: ids }, topics })
  for (const id of ids) node.cores.broadcast.eager.add(id)
  const mesh = node.cores.gossipsub.mesh
  const bigMesh = new Set(ids)
  mesh.get = (t: string) => topics.includes(t) ? bigMesh : undefined
  const body = summarize(node)
  assert.equal(body.active.length, SUMMARY_LIMITS.active)
  assert.equal(body.activeCount, 500)
  assert.equal(body.passive, 500)
  assert.equal(body.eagerCount, 500)
  assert.equal(body.topicCount, 200)
  assert.ok(Object.keys(body.mesh).length <= SUMMARY_LIMITS.meshTopics)
  assert.ok(Object.values(body.mesh).every(l => l.length <= SUMMARY_LIMITS.meshPeers))
  assert.ok(body.topics.every(t => t.length <= SUMMARY_LIMITS.topicChars))
  const bytes = buildSummary(node, 1234)
  assert.ok(bytes.length <= MAX_SUMMARY_BYTES, `${bytes.length} bytes`)
  const s = decodeSummary(bytes)!
  assert.equal(s.time, 1234)
  assert.equal(s.truncated, true, 'lists were cut further to fit, and it says so')
  assert.equal(s.activeCount, 500, 'the counts stay exact')
  assert.ok(s.active.length > 0, 'the active view is the last list cut')
})

test('a small node\'s summary is whole; _grapevine/ is refused for the application and hidden unless asked', async () => {
  const sim = new Simulator({ seed: 2 })
  const cluster = new SimCluster(sim)
  const [a, b] = [1, 2].map(i => cluster.add(identityFromSeed(new Uint8Array(32).fill(i))))
  b!.join(a!.peerId)
  a!.pubsub.join('news').subscribe()
  sim.run(5000)
  const s = decodeSummary(buildSummary(a!, 99))!
  assert.equal(s.truncated, undefined)
  assert.deepEqual(s.active, [b!.peerId])
  assert.deepEqual(s.topics, ['news'])
  a!.cores.state.set(a!.now(), SUMMARY_KEY, buildSummary(a!, 99))
  sim.run(10_000)
  assert.deepEqual(readSummaries(b!).map(x => x.origin), [a!.peerId], 'b reads a\'s summary from its own state')
  // state.versions: the highest version known of each origin, summed — here a's topic record and summary (3).
  const known = (n: typeof a): number => [a!.peerId, b!.peerId].reduce((sum, o) => sum + (n!.cores.state.originMeta(o)?.known ?? 0), 0)
  assert.equal(decodeSummary(buildSummary(b!, 99))!.state.versions, known(b))
  assert.ok(known(b) >= 2, 'b knows a\'s two writes')
  assert.equal(b!.state.entries().some(e => e.key === SUMMARY_KEY), false, 'not in application listings')
  assert.equal(b!.state.entries({ reserved: true }).some(e => e.key === SUMMARY_KEY), true, '...unless asked')
  await assert.rejects(a!.state.set(`${GRAPEVINE_PREFIX}mine`, 'x'), /prefix .* is reserved/)
  assert.equal(decodeSummary(new TextEncoder().encode('not json')), null)
})
