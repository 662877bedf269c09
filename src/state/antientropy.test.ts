import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UniformPeerSampling } from '../core/sampling.js'
import { runStateScenario, stateSignature } from '../scenarios/state.js'
import { median } from '../scenarios/stats.js'
import { Simulator } from '../sim/simulator.js'
import { StateMessage as Wire } from '../wire/state.js'
import type { Env, Misbehaviour } from '../core/protocol.js'
import type { NodeContext } from '../sim/simulator.js'
import { AntiEntropy, DEFAULT_ANTI_ENTROPY, type AntiEntropyConfig, type StateEvent, type StateTimer } from './antientropy.js'
import type { StateMessage } from './messages.js'


test('one update on 1,000 nodes: rounds within the rumor-spreading bounds (median of 5 seeds)', () => {
  const n = 1000
  const seeds = [1, 2, 3, 4, 5]
  const rounds = (style: 'push' | 'pull' | 'pushpull'): number[] => seeds.map(seed => {
    const r = runStateScenario({ nodes: n, style, seed })
    assert.ok(r.converged && r.identical, `${style} seed ${seed} converged`)
    return r.rounds
  })
  const push = median(rounds('push'))
  const pushpull = median(rounds('pushpull'))
  const pull = median(rounds('pull'))
  assert.ok(push <= Math.log2(n) + Math.log(n) + 2, `push took ${push} rounds`)
  assert.ok(pushpull <= Math.log(n) / Math.log(3) + 2 * Math.log(Math.log(n)) + 2, `push-pull took ${pushpull} rounds`)
  assert.ok(pushpull < push && pushpull < pull, 'push-pull is the fastest')
})

test("pull's uninformed fraction squares round by round in the tail", () => {
  const r = runStateScenario({ nodes: 4000, style: 'pull', seed: 3 })
  assert.ok(r.converged)
  const f = r.uninformedByRound
  const i = f.findIndex(x => x < 0.5)
  assert.ok(i > 0 && i + 2 < f.length)
  for (let j = i; j < i + 2; j++) {
    assert.ok(f[j + 1]! <= 1.5 * f[j]! * f[j]! + 0.002, `round ${j}: ${f[j]} → ${f[j + 1]} is not quadratic`)
  }
})

test('delta content sends at most 10% of the bytes of full content when 1% of keys change', () => {
  const common = { nodes: 100, keys: 2000, changed: 0.01, updates: 0, seed: 4 }
  const delta = runStateScenario({ ...common, content: 'delta' })
  const full = runStateScenario({ ...common, content: 'full' })
  for (const r of [delta, full]) assert.ok(r.converged && r.identical, `${r.content} converged`)
  assert.ok(delta.bytesPerNodePerRound <= 0.1 * full.bytesPerNodePerRound,
    `delta ${delta.bytesPerNodePerRound.toFixed(0)} B vs full ${full.bytesPerNodePerRound.toFixed(0)} B per node per round`)
})

test('20% loss and a partition healed after 30 s: every node ends with every version', () => {
  for (const style of ['pushpull', 'pull'] as const) {
    for (const content of ['delta', 'full'] as const) {
      const r = runStateScenario({ nodes: 200, keys: 400, changed: 0.1, updates: 20, loss: 0.2, partitionMs: 30_000, style, content, seed: 5 })
      assert.ok(r.converged, `${style}/${content} converged`)
      assert.ok(r.identical, `${style}/${content} identical`)
      assert.ok(r.rounds >= 30, 'not before the heal')
      assert.ok(r.traffic.lost > 0 && r.traffic.partitioned > 0)
    }
  }
  const push = runStateScenario({ nodes: 200, updates: 20, loss: 0.2, style: 'push', seed: 5 })
  assert.ok(push.converged && push.identical, 'push under loss')
})

test('turning the codec off changes nothing but speed: same rounds, same byte counts', () => {
  const opts = { nodes: 100, keys: 500, changed: 0.05, updates: 3, seed: 6 }
  for (const content of ['delta', 'full'] as const) {
    const on = runStateScenario({ ...opts, content })
    const off = runStateScenario({ ...opts, content, codec: false })
    assert.deepEqual({ ...off, events: on.events }, on)
  }
})

test('same seed, same result; another seed, another result', () => {
  const opts = { nodes: 300, keys: 300, changed: 0.2, updates: 5, loss: 0.1, seed: 8 }
  const a = runStateScenario(opts)
  assert.deepEqual(runStateScenario(opts), a)
  assert.notDeepEqual(runStateScenario({ ...opts, seed: 9 }), a)
})

/** A small cluster built by hand, for the tests that poke at single nodes. */
function cluster (n: number, config: Partial<AntiEntropyConfig>, seed = 1): { sim: Simulator, ids: string[], core: (id: string) => AntiEntropy, events: StateEvent[], reports: Misbehaviour[] } {
  const sim = new Simulator({ seed })
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const events: StateEvent[] = []
  const reports: Misbehaviour[] = []
  for (const id of ids) {
    const env = (ctx: NodeContext): Env<StateMessage, StateTimer, StateEvent> => ctx.env('state', { event: e => events.push(e), misbehaviour: m => reports.push(m) })
    // Plain ids, no identities: these tests exercise the exchanges (signed clusters: ./trust.test.ts).
    sim.addNode(id, ctx => [new AntiEntropy(env(ctx), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), null, { signaturePolicy: 'StrictNoSign', ...config, generation: ctx.incarnation })])
  }
  return { sim, ids, core: (id) => sim.core<AntiEntropy>(id, 'state'), events, reports }
}

test('deletes are tombstones, collected after the grace period; a node away longer does not resurrect', () => {
  const { sim, ids, core } = cluster(20, { tombstoneGraceMs: 10_000 })
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
  core('n0').set(0, 'gone', bytes('a'))
  core('n0').set(0, 'kept', bytes('b'))
  sim.run(15_000)
  assert.ok(ids.every(id => core(id).get('gone', 'n0') !== undefined))

  sim.crash('n5') // away, with its state
  sim.run(16_000)
  assert.ok(core('n0').delete(sim.now, 'gone'))
  sim.run(22_000)
  assert.ok(ids.filter(id => id !== 'n5').every(id => core(id).entry('gone', 'n0')?.deleted === true), 'tombstone spread')
  sim.run(60_000)
  for (const id of ids.filter(id => id !== 'n5')) {
    assert.equal(core(id).entry('gone', 'n0'), undefined, `${id} collected the tombstone`)
    assert.ok(core(id).stats.tombstonesCollected >= 1)
  }
  assert.equal(core('n5').get('gone', 'n0')?.[0], 97, 'the away node still has the old value')

  sim.restart('n5', { keepState: true })
  sim.run(90_000)
  assert.equal(core('n5').get('gone', 'n0'), undefined, 'reset, not resurrected')
  assert.ok(core('n5').stats.resets >= 1)
  for (const id of ids) {
    assert.equal(core(id).get('gone', 'n0'), undefined, `${id} has no resurrected key`)
    assert.equal(core(id).get('kept', 'n0')?.[0], 98)
  }
  const sig = stateSignature(core('n0'))
  assert.ok(ids.every(id => stateSignature(core(id)) === sig))
})

test('malformed and oversized state messages are dropped and counted; the receiver keeps its state', () => {
  const { sim, core, reports } = cluster(3, { maxFrameBytes: 4096, mtu: 2048, maxStrikes: 5 })
  core('n1').set(0, 'k', new Uint8Array([1]))
  sim.run(10_000)
  const before = stateSignature(core('n0'))
  const t0 = sim.trafficOf('state')
  const malformed0 = t0.malformed
  const head = { version: 2, count: 1, sum: new Uint8Array(32), digest: new Uint8Array(32), signature: new Uint8Array(0) }
  const good = Wire.encode({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ origin: 'n9', generation: 0, fromVersion: 0, toVersion: 2, entries: [{ key: 'a', value: new Uint8Array([1]), version: 1, deleted: false, signature: new Uint8Array(0) }], head }] })
  const nonsense = Wire.encode({ kind: Wire.Kind.PUSH, exchange: 1, deltas: [{ origin: 'n9', generation: 0, fromVersion: 5, toVersion: 2, entries: [], head }] })
  sim.inject('n2', 'n0', 'state', new Uint8Array([1, 2, 3, 4, 5]))
  sim.inject('n2', 'n0', 'state', good.subarray(0, good.length - 2))
  sim.inject('n2', 'n0', 'state', nonsense)
  sim.inject('n2', 'n0', 'state', new Uint8Array(5000))
  sim.run(sim.now + 200)
  assert.equal(core('n0').stats.malformed, 4)
  assert.equal(sim.trafficOf('state').malformed - malformed0, 3)
  assert.equal(sim.trafficOf('state').oversize, 1)
  assert.equal(stateSignature(core('n0')), before, 'state unchanged')
  assert.equal(reports.length, 0)
  sim.inject('n2', 'n0', 'state', nonsense)
  sim.run(sim.now + 200)
  assert.ok(reports.some(r => r.peer === 'n2' && r.sanction === 'ban'), 'the fifth strike bans the peer')
  sim.run(sim.now + 61_000) // the ban is over
  assert.equal(stateSignature(core('n0')), stateSignature(core('n2')), 'honest exchanges go on')
})

test('delta messages stay within the MTU and a large backlog flows over several rounds', () => {
  const { sim, ids, core } = cluster(30, { mtu: 8192, wholeOriginBytes: 0 })
  let largest = 0
  sim.onSend((_from, _to, _core, _msg, bytes) => { largest = Math.max(largest, bytes) })
  for (let i = 0; i < 2000; i++) core('n0').set(0, `key${i}`, new Uint8Array(100).fill(i & 255))
  let rounds = 0
  const done = (): boolean => ids.every(id => core(id).originMeta('n0')?.known === 2000)
  while (!done() && rounds < 200) sim.run(++rounds * 1000)
  assert.ok(done())
  assert.ok(largest <= 8192, `largest message ${largest} bytes`)
  assert.ok(rounds > 10, `2000 × 100 B through 8 KiB messages took ${rounds} rounds`)
  const sig = stateSignature(core('n0'))
  assert.ok(ids.every(id => stateSignature(core(id)) === sig))
})

test('API misuse gets errors that say what to do', () => {
  const { core } = cluster(2, {})
  assert.throws(() => core('n0').set(0, '', new Uint8Array()), /non-empty/)
  assert.throws(() => core('n0').set(0, 'k'.repeat(1000), new Uint8Array()), /maxKeyBytes/)
  assert.throws(() => core('n0').set(0, 'k', new Uint8Array(300 * 1024)), /maxValueBytes/)
  assert.equal(core('n0').delete(0, 'absent'), undefined)
  assert.throws(() => cluster(1, { periodMs: 0 }), /periodMs must be a positive number/)
  assert.throws(() => cluster(1, { style: 'gossip' as never }), /'push', 'pull' or 'pushpull'/)
})

test('a whole origin larger than the MTU goes in one message from version 0: one signature check for it', () => {
  const { sim, ids, core } = cluster(2, { mtu: 8192 })
  for (let i = 0; i < 2000; i++) core('n0').set(0, `key${i}`, new Uint8Array(100).fill(i & 255))
  let largest = 0
  sim.onSend((_from, _to, _core, _msg, bytes) => { largest = Math.max(largest, bytes) })
  let rounds = 0
  while (core('n1').originMeta('n0')?.known !== 2000 && rounds < 20) sim.run(++rounds * 1000)
  assert.equal(core('n1').originMeta('n0')?.known, 2000)
  assert.ok(rounds <= 3, `caught up in ${rounds} rounds`)
  assert.ok(largest > 8192 && largest <= DEFAULT_ANTI_ENTROPY.wholeOriginBytes, `one message of ${largest} bytes`)
  assert.equal(stateSignature(core('n1')), stateSignature(core('n0')))
  assert.ok(ids.length === 2)
})

test('idle: quiet exchanges stretch the period to idlePeriodMs, and a write brings it back at once', () => {
  const { sim, ids, core } = cluster(10, { idlePeriodMs: 10_000 })
  core('n0').set(0, 'k', new Uint8Array([1]))
  sim.run(20_000)
  assert.ok(ids.every(id => core(id).get('k', 'n0') !== undefined), 'spread')
  const quiet = (): number => ids.reduce((s, id) => s + core(id).stats.exchangesStarted, 0)
  const q0 = quiet()
  sim.run(sim.now + 60_000)
  const idleRate = (quiet() - q0) / 10 / 60
  assert.ok(idleRate <= 0.2, `idle: ${idleRate.toFixed(2)} exchanges per node per second`)
  assert.ok(ids.some(id => core(id).stats.emptyAck2Skipped > 0), 'empty ACK2s are skipped')
  const t = sim.now
  core('n3').set(t, 'k2', new Uint8Array([2]))
  sim.run(t + 15_000)
  assert.ok(ids.every(id => core(id).get('k2', 'n3') !== undefined), 'a write after a quiet spell spreads within 15 s')
})
