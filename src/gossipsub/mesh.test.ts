import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from '../core/rng.js'
import { maintainMesh, type MeshParams } from './mesh.js'

const PARAMS: MeshParams = { D: 6, Dlo: 4, Dhi: 12, Dscore: 4, Dout: 2, opportunistic: false, opportunisticGraftThreshold: 5, opportunisticGraftPeers: 2 }

function run (o: { mesh: string[], topic: string[], scores?: Record<string, number>, outbound?: string[], params?: Partial<MeshParams> }): { mesh: Set<string>, grafted: string[], pruned: string[], dropped: string[], why: Set<string> } {
  const mesh = new Set(o.mesh)
  const log = { grafted: [] as string[], pruned: [] as string[], dropped: [] as string[], why: new Set<string>() }
  const score = (p: string): number => o.scores?.[p] ?? 0
  const rng = new Rng(1)
  maintainMesh({
    mesh,
    inTopic: p => o.topic.includes(p),
    score,
    outbound: p => o.outbound?.includes(p) === true,
    candidates: n => rng.shuffle(o.topic.filter(p => !mesh.has(p) && score(p) >= 0)).slice(0, n),
    graft: (p, why) => { mesh.add(p); log.grafted.push(p); log.why.add(why) },
    prune: (p, why) => { mesh.delete(p); log.pruned.push(p); log.why.add(why) },
    drop: p => { mesh.delete(p); log.dropped.push(p) }
  }, { ...PARAMS, ...o.params }, rng)
  return { mesh, ...log }
}

const peers = (n: number, prefix = 'p'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

test('mesh below D_lo is filled up to D; peers that left are dropped silently; negative peers are pruned', () => {
  const topic = peers(10)
  const r = run({ mesh: ['p0', 'p1', 'gone', 'p2'], topic, scores: { p2: -1 } })
  assert.deepEqual(r.dropped, ['gone'])
  assert.deepEqual(r.pruned, ['p2'])
  assert.equal(r.mesh.size, 6)
  assert.ok(!r.mesh.has('p2'), 'a negative peer is not grafted back')
  assert.deepEqual([...r.why].sort(), ['bad_score', 'not_enough'], 'the reasons of the churn and inclusion events')
})

test('mesh above D_hi is cut to D, keeping the best D_score by score and D_out outbound peers', () => {
  const topic = peers(14)
  const scores = Object.fromEntries(topic.map((p, i) => [p, i])) // p13 best
  const r = run({ mesh: topic, topic, scores, outbound: ['p0', 'p1', 'p2'] })
  assert.equal(r.mesh.size, 6)
  for (const best of ['p13', 'p12', 'p11', 'p10']) assert.ok(r.mesh.has(best), `${best} kept by score`)
  assert.equal(['p0', 'p1', 'p2'].filter(p => r.mesh.has(p)).length, 2, 'exactly D_out outbound peers kept besides the best')
  assert.equal(r.pruned.length, 8)
  assert.deepEqual([...r.why], ['excess'])
})

test('too few outbound peers: outbound candidates are grafted even when the mesh is full enough', () => {
  const topic = peers(10)
  const r = run({ mesh: ['p0', 'p1', 'p2', 'p3', 'p4'], topic, outbound: ['p7', 'p8', 'p9'] })
  assert.equal(r.grafted.length, 2)
  assert.ok(r.grafted.every(p => ['p7', 'p8', 'p9'].includes(p)))
  assert.deepEqual([...r.why], ['outbound'])
})

test('opportunistic grafting adds peers scoring above a low median', () => {
  const topic = peers(10)
  const scores = { p0: 1, p1: 1, p2: 1, p3: 1, p4: 1, p8: 50, p9: 40 }
  const r = run({ mesh: ['p0', 'p1', 'p2', 'p3', 'p4'], topic, scores, outbound: ['p0', 'p1'], params: { opportunistic: true } })
  assert.deepEqual([...r.grafted].sort(), ['p8', 'p9'])
  assert.deepEqual([...r.why], ['opportunistic'])
  const off = run({ mesh: ['p0', 'p1', 'p2', 'p3', 'p4'], topic, scores, outbound: ['p0', 'p1'] })
  assert.deepEqual(off.grafted, [], 'only on opportunistic heartbeats')
})
