import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import { growBaseline, runFailureRun, viewStats, healingOf } from '../scenarios/baselines.js'
import { BaselineCodec } from './codec.js'
import type { Cyclon, CyclonMessage } from './cyclon.js'

test('the baselines codec: size is the encoded length, round trips, and refuses bad bytes', () => {
  const codec = new BaselineCodec<CyclonMessage>({ join: { code: 1 }, joinWalk: { code: 2, peer: true, ttl: true }, joinReply: { code: 3, entries: true }, shuffle: { code: 4, entries: true }, shuffleReply: { code: 5, entries: true } })
  const msgs: CyclonMessage[] = [
    { kind: 'join' },
    { kind: 'joinWalk', peer: 'n1234', ttl: 300 },
    { kind: 'shuffle', entries: [{ id: 'n1', age: 0 }, { id: 'nœud-é', age: 200 }] },
    { kind: 'shuffleReply', entries: [] }
  ]
  for (const m of msgs) {
    const bytes = codec.encode(m)
    assert.equal(codec.size(m), bytes.length, m.kind)
    assert.deepEqual(codec.decode(bytes), m)
  }
  assert.throws(() => codec.decode(new Uint8Array([9])), PeerError)
  assert.throws(() => codec.decode(codec.encode(msgs[1]!).subarray(0, 3)), PeerError)
  assert.throws(() => codec.decode(new Uint8Array([4, 0, 7])), PeerError) // trailing bytes
})

test('Scamp: the mean partial view is ≈ (c + 1)·ln n, so it grows with the system (300 vs 1,000 nodes)', () => {
  // Joins far enough apart that each subscription settles before the next (the papers' sequential joins).
  const mean = (n: number): number => viewStats(growBaseline({ protocol: 'scamp', nodes: n, joinIntervalMs: 200, stabilizeMs: 0, scamp: { c: 1 } }).live).meanView
  const small = mean(300)
  const large = mean(1000)
  for (const [n, m] of [[300, small], [1000, large]] as const) {
    const theory = 2 * Math.log(n)
    assert.ok(Math.abs(m - theory) < 0.2 * theory, `n = ${n}: mean view ${m.toFixed(2)}, theory ${theory.toFixed(2)}`)
  }
  // The ratio follows ln n: ln 1000 / ln 300 = 1.21.
  assert.ok(large / small > 1.1 && large / small < 1.35, `ratio ${(large / small).toFixed(3)}`)
})

test('Cyclon: caches stay at their fixed size, and shuffles concentrate the in-degrees (below a random graph\'s spread)', () => {
  const cacheSize = 10
  const b = growBaseline({ protocol: 'cyclon', nodes: 600, joinIntervalMs: 5, stabilizeMs: 0, cyclon: { cacheSize, shuffleLength: 5 } })
  const afterGrowth = viewStats(b.live)
  b.sim.run(b.sim.now + 40_000)
  const settled = viewStats(b.live)
  const sizes = b.live.map(n => (n.cores.get('membership') as Cyclon).partialView().length)
  assert.ok(sizes.every(s => s <= cacheSize), 'no cache above its size')
  // Full but for the slot a shuffle in flight has taken out (its reply refills it).
  assert.ok(sizes.reduce((a, b) => a + b, 0) >= 0.97 * cacheSize * sizes.length, 'caches full')
  assert.ok(sizes.every(s => s >= cacheSize - 2), 'no cache short of more than a shuffle in flight')
  // A random graph with 10 out-links per node has in-degree sd ≈ √10 ≈ 3.2.
  assert.ok(settled.inDegreeSd < 0.75 * Math.sqrt(cacheSize), `in-degree sd ${settled.inDegreeSd.toFixed(2)} after 40 cycles`)
  assert.ok(settled.inDegreeSd < afterGrowth.inDegreeSd, `sd ${afterGrowth.inDegreeSd.toFixed(2)} → ${settled.inDegreeSd.toFixed(2)}`)
})

test('after 70% of the nodes crash at once, HyParView still reaches everyone; Cyclon and Scamp do not (DSN 2007 §5)', () => {
  const run = (protocol: 'hyparview' | 'cyclon' | 'scamp'): number[] => runFailureRun({ protocol, nodes: 500, failPct: 70, cycles: 3, seed: 3, stabilizeMs: 10_000 }).reliability
  const hv = run('hyparview')
  const cy = run('cyclon')
  const sc = run('scamp')
  assert.ok(hv.every(r => r >= 99), `HyParView ${hv.join(', ')}`)
  for (const [name, rel] of [['Cyclon', cy], ['Scamp', sc]] as const) {
    assert.ok(rel[0]! < hv[0]! - 20, `${name}'s first broadcast ${rel[0]} vs HyParView's ${hv[0]}`)
  }
})

test('healing time: the first broadcast from which every later one reaches the threshold', () => {
  assert.equal(healingOf([100, 100], 99), 1)
  assert.equal(healingOf([50, 99.5, 98, 99, 100], 99), 4)
  assert.equal(healingOf([100, 98], 99), null)
})

test('the baselines give the same figures with the codec on (every message encoded and decoded) and off', () => {
  for (const protocol of ['cyclon', 'scamp'] as const) {
    const run = (codec: boolean): unknown => {
      const r = runFailureRun({ protocol, nodes: 200, failPct: 50, cycles: 3, stabilizeMs: 3000, codec })
      return [r.reliability, r.beforePct, r.events, r.before]
    }
    assert.deepEqual(run(true), run(false), protocol)
  }
})
