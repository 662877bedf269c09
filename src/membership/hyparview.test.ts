import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Misbehaviour } from '../core/protocol.js'
import { Simulator } from '../sim/simulator.js'
import { ConstantLatency } from '../sim/network.js'
import { runMembershipScenario } from '../scenarios/membership.js'
import { MembershipCodec } from './codec.js'
import { HyParView, type HyParViewConfig, type MembershipEvent } from './hyparview.js'

const codec = new MembershipCodec()

interface Cluster {
  sim: Simulator
  hv: (id: string) => HyParView
  events: Array<{ node: string, ev: MembershipEvent }>
  reports: Array<{ node: string, report: Misbehaviour }>
}

function cluster (ids: string[], config: Partial<HyParViewConfig> = {}, simOpts: { crashNotice?: 'reset' | 'silent' } = {}): Cluster {
  const sim = new Simulator({ seed: 3, latency: new ConstantLatency(10), ...simOpts })
  const events: Cluster['events'] = []
  const reports: Cluster['reports'] = []
  for (const id of ids) {
    sim.addNode(id, ctx => [new HyParView(ctx.env('membership', {
      event: (ev: MembershipEvent) => events.push({ node: id, ev }),
      misbehaviour: report => reports.push({ node: id, report })
    }), { shufflePeriodMs: 1000, ...config })])
  }
  return { sim, hv: (id) => sim.core<HyParView>(id, 'membership'), events, reports }
}

function assertViewInvariants (c: Cluster, ids: string[]): void {
  for (const id of ids) {
    const a = c.hv(id).activeView()
    const p = c.hv(id).passiveView()
    assert.ok(!a.includes(id) && !p.includes(id), `${id}: a view holds the node itself`)
    assert.equal(new Set(a).size, a.length)
    assert.equal(new Set(p).size, p.length)
    assert.ok(a.every(x => !p.includes(x)), `${id}: a peer is in both views`)
    assert.ok(a.length <= c.hv(id).config.activeSize && p.length <= c.hv(id).config.passiveSize)
  }
}

test('join: the contact and the walk ends link symmetrically; neighbour events fire', () => {
  const ids = ['a', 'b', 'c', 'd', 'e']
  const c = cluster(ids)
  const ups: string[] = []
  c.hv('a').addNeighborListener({ neighborUp: (_now, p) => ups.push(p), neighborDown: () => {} })
  for (const id of ids.slice(1)) {
    c.hv(id).join(c.sim.now, 'a')
    c.sim.run(c.sim.now + 500)
  }
  c.sim.run(5000)
  for (const id of ids) {
    for (const p of c.hv(id).activeView()) assert.ok(c.hv(p).activeView().includes(id), `${id}→${p} not symmetric`)
    assert.ok(c.hv(id).activeView().length >= 2)
  }
  assert.ok(ups.includes('b'))
  assert.ok(c.events.some(e => e.node === 'b' && e.ev.type === 'neighborUp' && e.ev.peer === 'a'))
  assertViewInvariants(c, ids)
  assert.throws(() => c.hv('a').join(0, 'a'), /cannot join through itself/)
})

test('growth of 400 nodes: every active link symmetric, one component, views within bounds', () => {
  const r = runMembershipScenario({ scenario: 'growth', nodes: 400, stabilizeMs: 10_000, seed: 2 })
  assert.equal(r.symmetricPct, 100)
  assert.equal(r.largestComponentPct, 100)
  assert.ok(r.overlay.activeInDegree.mean > 4.8, `mean active degree ${r.overlay.activeInDegree.mean}`)
  assert.ok(r.overlay.activeInDegree.max <= 5)
  assert.ok(r.overlay.avgPathLength > 2 && r.overlay.avgPathLength < 6)
  assert.ok(r.overlay.clustering < 0.05)
})

test('mass failure on 1,000 nodes: 50% keeps the first broadcast at ≥ 99%, 80% is back at 100% within 4 repair periods', () => {
  const half = runMembershipScenario({ scenario: 'failure', nodes: 1000, failPct: 50, broadcasts: 10, seed: 4 })
  assert.ok(half.reliability[0]! >= 99, `first broadcast after 50% failure: ${half.reliability[0]}%`)
  assert.ok(half.recoveredAfterPeriods !== null && half.recoveredAfterPeriods <= 4)
  const most = runMembershipScenario({ scenario: 'failure', nodes: 1000, failPct: 80, broadcasts: 10, seed: 4 })
  assert.ok(most.reliability.some(x => x >= 95), `80% failure: ${most.reliability.join(' ')}`)
  assert.ok(most.recoveredAfterPeriods !== null && most.recoveredAfterPeriods <= 4, `80% recovered after ${most.recoveredAfterPeriods} periods`)
  assert.equal(most.overlayAfter!.symmetricPct, 100)
})

test('95% of 1,000 nodes crash at once: the reserve joins the survivors into one component within 10 s; without it some stay alone', () => {
  const opts = { scenario: 'failure' as const, nodes: 1000, failPct: 95, broadcasts: 12, seed: 1, codec: false }
  const r = runMembershipScenario(opts)
  assert.ok(r.connectedAfterMs !== null && r.connectedAfterMs <= 10_000, `one component from ${r.connectedAfterMs} ms: ${r.health.map(h => h.largestComponentPct).join(' ')}`)
  assert.equal(r.health.at(-1)!.largestComponentPct, 100)
  assert.equal(r.reliability.at(-1), 100)
  const none = runMembershipScenario({ ...opts, membership: { reserveSize: 0 } })
  assert.ok(none.health.at(-1)!.largestComponentPct < 99.5, `without the reserve: ${none.health.at(-1)!.largestComponentPct}%`)
})

test('steady churn keeps broadcast reliability at ≥ 99%', () => {
  const r = runMembershipScenario({ scenario: 'churn', nodes: 400, churnPerSec: 2, broadcasts: 30, stabilizeMs: 10_000, seed: 5 })
  const mean = r.reliability.reduce((a, b) => a + b, 0) / r.reliability.length
  assert.ok(mean >= 99, `mean reliability ${mean}`)
  assert.ok(r.health.every(h => h.largestComponentPct === 100 && h.symmetricPct > 99))
})

test('silent failures are caught by the keep-alive timeout and replaced from the passive view', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `n${i}`)
  const c = cluster(ids, { keepAliveIntervalMs: 1000, keepAliveTimeoutMs: 3000 }, { crashNotice: 'silent' })
  for (const id of ids.slice(1)) {
    c.hv(id).join(c.sim.now, ids[c.sim.rng.int(ids.indexOf(id))]!)
    c.sim.run(c.sim.now + 100)
  }
  c.sim.run(20_000)
  const dead = ['n3', 'n7', 'n11', 'n19']
  for (const d of dead) c.sim.crash(d)
  c.sim.run(c.sim.now + 10_000)
  const alive = ids.filter(id => !dead.includes(id))
  for (const id of alive) {
    assert.ok(c.hv(id).activeView().every(p => !dead.includes(p)), `${id} still lists a dead peer`)
    assert.ok(c.hv(id).activeView().length >= 3)
  }
  assert.ok(alive.some(id => c.hv(id).stats.silentPeers > 0))
  assertViewInvariants(c, alive)
})

test('bad input: garbage is counted, a persistent sender is dropped, fake peers never overflow the views', () => {
  const ids = ['a', 'b', 'c', 'd']
  const c = cluster(ids)
  for (const id of ids.slice(1)) c.hv(id).join(0, 'a')
  c.sim.run(3000)
  // Well-formed shuffles stuffed with fake peers, and forward-joins announcing fake nodes.
  for (let i = 0; i < 50; i++) {
    const fake = Array.from({ length: 60 }, (_, j) => ({ id: `fake${i}-${j}`, addrs: [] }))
    c.sim.inject('b', 'a', 'membership', codec.encode({ kind: 'shuffle', peer: { id: 'b', addrs: [] }, ttl: 1, peers: fake, exchange: i }))
    c.sim.inject('b', 'a', 'membership', codec.encode({ kind: 'forwardJoin', peer: { id: `ghost${i}`, addrs: [] }, ttl: 3, }))
  }
  c.sim.run(c.sim.now + 5000)
  assertViewInvariants(c, ids)
  assert.ok(c.hv('a').passiveView().length <= 30)
  // Garbage: counted, then the sender is dropped at the fifth strike.
  for (let i = 0; i < 4; i++) c.sim.inject('c', 'a', 'membership', new Uint8Array([0xff, 0x01, i]))
  c.sim.run(c.sim.now + 100)
  assert.equal(c.hv('a').stats.malformed, 4)
  assert.equal(c.reports.length, 0)
  c.sim.inject('c', 'a', 'membership', new Uint8Array([0xff]))
  c.sim.run(c.sim.now + 100)
  assert.ok(c.reports.some(r => r.node === 'a' && r.report.peer === 'c' && r.report.sanction === 'ban'), 'the fifth strike bans the sender')
  assert.ok(!c.hv('a').activeView().includes('c'))
})

test('same seed, same overlay', () => {
  const a = runMembershipScenario({ scenario: 'failure', nodes: 200, failPct: 40, broadcasts: 5, stabilizeMs: 5000, seed: 9 })
  const b = runMembershipScenario({ scenario: 'failure', nodes: 200, failPct: 40, broadcasts: 5, stabilizeMs: 5000, seed: 9 })
  assert.deepEqual(b, a)
})

test('shuffle answers travel back along the walk over active links (shuffleReplyVia walk): no dials, passive views still fill', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `w${i}`)
  const run = (via: 'dial' | 'walk'): { dials: number, relayed: number, answered: number, unsolicited: number, passive: number } => {
    const c = cluster(ids, { shuffleReplyVia: via })
    for (const id of ids.slice(1)) {
      c.hv(id).join(c.sim.now, 'w0')
      c.sim.run(c.sim.now + 100)
    }
    c.sim.run(c.sim.now + 20_000)
    const sum = (f: (h: HyParView) => number): number => ids.reduce((s, id) => s + f(c.hv(id)), 0)
    const dials0 = sum(h => h.stats.dials)
    const answered0 = sum(h => h.stats.shufflesAnswered)
    c.sim.run(c.sim.now + 60_000)
    assertViewInvariants(c, ids)
    return {
      dials: sum(h => h.stats.dials) - dials0,
      relayed: sum(h => h.stats.shuffleRepliesRelayed),
      answered: sum(h => h.stats.shufflesAnswered) - answered0,
      unsolicited: sum(h => h.stats.unsolicited),
      passive: Math.min(...ids.map(id => c.hv(id).passiveView().length))
    }
  }
  const dial = run('dial')
  const walk = run('walk')
  assert.ok(dial.answered > 1000 && walk.answered > 1000, `shuffles answered: ${dial.answered} / ${walk.answered}`)
  assert.ok(dial.dials > 100, `the paper's way dials shuffle origins (${dial.dials} dials)`)
  // What dials remain are refills of active views (NEIGHBOR requests to passive peers), in both runs.
  assert.ok(walk.dials * 10 < dial.dials, `answers along the walk dial nobody: ${walk.dials} dials against ${dial.dials}`)
  assert.ok(walk.relayed > 500, `${walk.relayed} answers relayed`)
  assert.equal(walk.unsolicited, 0, 'every relayed answer reached the origin of its shuffle')
  assert.ok(walk.passive >= 20, `passive views fill as before (smallest: ${walk.passive}, dial: ${dial.passive})`)
})

test('shuffles slow down while they teach nothing (shuffleIdlePeriodMs) and come back to the period when a neighbour is lost', () => {
  const ids = Array.from({ length: 10 }, (_, i) => `s${i}`)
  const c = cluster(ids, { shufflePeriodMs: 10_000, shuffleIdlePeriodMs: 80_000 })
  for (const id of ids.slice(1)) {
    c.hv(id).join(c.sim.now, 's0')
    c.sim.run(c.sim.now + 100)
  }
  c.sim.run(c.sim.now + 120_000) // everyone knows everyone: answers teach nothing
  const started = (): number => ids.reduce((s, id) => s + c.hv(id).stats.shufflesStarted, 0)
  const before = started()
  c.sim.run(c.sim.now + 240_000)
  const settled = (started() - before) / ids.length
  assert.ok(settled <= 6, `${settled} shuffles per node in 4 minutes once settled (every 10 s would be 24)`)
  // A crash: its neighbours lose it, and their period is back to 10 s (then 20, 40, … while nothing is new).
  const n = ids.find(id => id !== 's5' && c.hv(id).activeView().includes('s5'))!
  const at = c.hv(n).stats.shufflesStarted
  c.sim.crash('s5')
  c.sim.run(c.sim.now + 70_000)
  assert.ok(c.hv(n).stats.shufflesStarted - at >= 2, `${c.hv(n).stats.shufflesStarted - at} shuffles in the 70 s after losing a neighbour`)
  assertViewInvariants(c, ids.filter(id => id !== 's5'))
})

test('a relayed shuffle answer is passed on only along active links, and a gone hop is counted', () => {
  const c = cluster(['a', 'b', 'c'], { shuffleReplyVia: 'walk', shufflePeriodMs: 1e9 })
  c.hv('b').join(c.sim.now, 'a')
  c.sim.run(1000)
  // From a stranger (c is not b's neighbour): refused.
  c.sim.inject('c', 'b', 'membership', codec.encode({ kind: 'shuffleReply', peers: [], exchange: 1, route: ['a'] }))
  c.sim.run(c.sim.now + 100)
  assert.equal(c.hv('b').stats.fromStrangers, 1)
  // From a neighbour, towards a hop that is not b's neighbour: lost, counted.
  c.sim.inject('a', 'b', 'membership', codec.encode({ kind: 'shuffleReply', peers: [], exchange: 1, route: ['c', 'a'] }))
  c.sim.run(c.sim.now + 100)
  assert.equal(c.hv('b').stats.shuffleRepliesLost, 1)
  assert.equal(c.hv('b').stats.shuffleRepliesRelayed, 0)
})

test('configuration errors say what to fix', () => {
  assert.throws(() => cluster(['x'], { activeSize: 0 }), /activeSize must be a whole number ≥ 1/)
  assert.throws(() => cluster(['x'], { prwl: 9 }), /prwl must be between 0 and arwl/)
  assert.throws(() => cluster(['x'], { keepAliveTimeoutMs: 100, keepAliveIntervalMs: 1000 }), /keepAliveTimeoutMs must exceed/)
})

test('a node short of neighbours does not ask the same full peers every repair tick (refusal backoff)', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `p${i}`)
  const c = cluster(ids, { shufflePeriodMs: 10_000 })
  for (const id of ids.slice(1)) {
    c.hv(id).join(c.sim.now, 'p0')
    c.sim.run(c.sim.now + 200)
  }
  c.sim.run(30_000)
  const asked = (): number => ids.reduce((s, id) => s + c.hv(id).stats.neighborRequests, 0)
  const before = asked()
  c.sim.run(90_000)
  const perNodeMinute = (asked() - before) / ids.length
  assert.ok(perNodeMinute <= 10, `${perNodeMinute.toFixed(1)} NEIGHBOR requests per node per minute at rest`)
  assert.ok(ids.some(id => c.hv(id).stats.refusedWaiting > 0), 'refused peers were waited out')
  assertViewInvariants(c, ids)
})
