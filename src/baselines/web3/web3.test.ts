import { test } from 'node:test'
import assert from 'node:assert/strict'
import { noopIo } from '../../core/io.js'
import { Rng } from '../../core/rng.js'
import { runBroadcastScenario } from '../../scenarios/broadcast.js'
import { runWeb3Scenario } from '../../scenarios/web3.js'
import { BitcoinRelay, bitcoinMessageSize, type BitcoinMessage, type BitcoinTimer } from './bitcoin.js'
import { Devp2pRelay, devp2pMessageSize, type Devp2pMessage, type Devp2pTimer } from './devp2p.js'

/** A core with a recording Io: what it sent (to whom) and the timers it asked for. */
function harness<M, T> (): { sent: Array<{ to: string, msg: M }>, timers: Array<{ at: number, t: T }>, io: ReturnType<typeof noopIo<M, T, unknown>> } {
  const sent: Array<{ to: string, msg: M }> = []
  const timers: Array<{ at: number, t: T }> = []
  return { sent, timers, io: noopIo<M, T, unknown>({ send: (to, msg) => { sent.push({ to, msg }) }, setTimer: (at, t) => { timers.push({ at, t }) } }) }
}

test('bitcoin: a new transaction is announced only when the trickle timer fires, outbound peers on their own timer (mean 2 s), inbound on a shared one (mean 5 s)', () => {
  const h = harness<BitcoinMessage, BitcoinTimer>()
  const b = new BitcoinRelay({ id: 'a', name: 'relay', rng: new Rng(1), io: h.io })
  b.onPeerUp(0, 'out1', { outbound: true })
  b.onPeerUp(0, 'in1', { outbound: false })
  b.onPeerUp(0, 'in2', { outbound: false })
  const id = b.broadcast(0, new Uint8Array(300))
  assert.equal(h.sent.length, 0, 'nothing is sent before a timer fires')
  assert.deepEqual(h.timers.map(x => x.t.kind).sort(), ['trickle-in', 'trickle-out'])
  for (const { at, t } of h.timers.splice(0)) b.onTimer(at, t)
  assert.deepEqual(h.sent.map(s => s.to).sort(), ['in1', 'in2', 'out1'])
  assert.ok(h.sent.every(s => s.msg.kind === 'inv' && s.msg.ids[0] === id))
  // The mean of the waits is the configured one (an exponential draw: 2,000 of them within 10%).
  const rng = new Rng(7)
  const waits: number[] = []
  const c = new BitcoinRelay({ id: 'c', name: 'relay', rng, io: noopIo({ setTimer: (at: number) => { waits.push(at) } }) })
  c.onPeerUp(0, 'o', { outbound: true })
  for (let i = 0; i < 2000; i++) {
    c.broadcast(0, new Uint8Array(8))
    c.onTimer(0, { kind: 'trickle-out', peer: 'o' })
  }
  const mean = waits.reduce((x, y) => x + y, 0) / waits.length
  assert.ok(Math.abs(mean - 2000) < 200, `mean wait ${mean}`)
})

test('bitcoin: one getdata per announced id, outbound announcers first; after 60 s unanswered it moves to the next announcer', () => {
  const h = harness<BitcoinMessage, BitcoinTimer>()
  const b = new BitcoinRelay({ id: 'a', name: 'relay', rng: new Rng(1), io: h.io })
  b.onPeerUp(0, 'in1', { outbound: false })
  b.onPeerUp(0, 'out1', { outbound: true })
  b.onMessage(0, 'in1', { kind: 'inv', ids: ['x/0'] })
  assert.equal(h.sent.length, 0, 'an inbound announcement waits 2 s for a preferred one')
  b.onMessage(100, 'out1', { kind: 'inv', ids: ['x/0'] })
  assert.deepEqual(h.sent.map(s => [s.to, s.msg.kind]), [['out1', 'getdata']])
  const expire = h.timers.find(x => x.t.kind === 'expire')!
  assert.equal(expire.at, 100 + 60_000)
  for (const { at, t } of h.timers.splice(0).sort((x, y) => x.at - y.at)) b.onTimer(at, t)
  assert.deepEqual(h.sent.map(s => [s.to, s.msg.kind]), [['out1', 'getdata'], ['in1', 'getdata']], 'the request moved to the inbound announcer')
  assert.equal(b.stats.retries, 1)
  b.onMessage(61_000, 'in1', { kind: 'tx', id: 'x/0', payload: new Uint8Array(10), hop: 1 })
  assert.ok(b.has('x/0'))
  b.onMessage(61_100, 'out1', { kind: 'tx', id: 'x/0', payload: new Uint8Array(10), hop: 1 })
  assert.equal(b.stats.duplicates, 1)
})

test('bitcoin and devp2p message sizes are the wire\'s', () => {
  assert.equal(bitcoinMessageSize({ kind: 'inv', ids: ['a', 'b'] }), 24 + 1 + 72)
  assert.equal(bitcoinMessageSize({ kind: 'tx', id: 'a', payload: new Uint8Array(250), hop: 0 }), 24 + 250)
  // eth/68 announcement of one hash: [types (1 byte), [size], [hash]] in one RLPx frame.
  const rlp = 1 + (1 + 1) + (1 + 3) + (1 + 33) // list header, types string, [1024] as a 2-byte uint, [hash]
  assert.equal(devp2pMessageSize({ kind: 'announce', ids: ['a'], sizes: [1024] }), 32 + Math.ceil((1 + rlp) / 16) * 16 + 16)
  assert.equal(devp2pMessageSize({ kind: 'transactions', txs: [{ id: 'a', payload: new Uint8Array(1024), hop: 0 }] }), 32 + Math.ceil((1 + 3 + 3 + 1024) / 16) * 16 + 16)
})

test('devp2p: a new transaction goes whole to ⌊√n⌋ peers and as a hash to the rest; a hash is fetched after 500 ms and re-asked elsewhere after 5 s', () => {
  const h = harness<Devp2pMessage, Devp2pTimer>()
  const d = new Devp2pRelay({ id: 'a', name: 'relay', rng: new Rng(1), io: h.io })
  for (let i = 0; i < 16; i++) d.onPeerUp(0, `p${i}`)
  d.broadcast(0, new Uint8Array(100))
  assert.equal(h.sent.filter(s => s.msg.kind === 'transactions').length, 4)
  assert.equal(h.sent.filter(s => s.msg.kind === 'announce').length, 12)
  h.sent.length = 0
  d.onMessage(0, 'p1', { kind: 'announce', ids: ['z/0'], sizes: [100] })
  d.onMessage(10, 'p2', { kind: 'announce', ids: ['z/0'], sizes: [100] })
  assert.equal(h.sent.length, 0)
  const arrive = h.timers.find(x => x.t.kind === 'arrive')!
  assert.equal(arrive.at, 500)
  d.onTimer(arrive.at, arrive.t)
  assert.equal(h.sent.length, 1)
  const first = h.sent[0]!
  assert.equal(first.msg.kind, 'get')
  const timeout = h.timers.find(x => x.t.kind === 'timeout')!
  assert.equal(timeout.at, 5500)
  d.onTimer(timeout.at, timeout.t)
  assert.equal(h.sent.length, 2)
  assert.notEqual(h.sent[1]!.to, first.to, 'asked the other announcer')
  assert.equal(d.stats.retries, 1)
})

test('flood RMR = fanout − 1 (degree − 2) and Plumtree\'s far below it after the warm-up (300 nodes, HyParView)', () => {
  const common = { nodes: 300, messages: 25, warmup: 10, seed: 3, codec: false, plumtree: { signaturePolicy: 'StrictNoSign' as const } }
  const flood = runBroadcastScenario({ ...common, protocol: 'flood' })
  const plum = runBroadcastScenario({ ...common, protocol: 'plumtree' })
  assert.equal(flood.reliability, 100)
  assert.equal(plum.reliability, 100)
  // Active views of 5: each node forwards to the 4 others, so m ≈ 4n and RMR ≈ 3.
  assert.ok(Math.abs(flood.rmr - 3) < 0.1, `flood RMR ${flood.rmr}`)
  assert.ok(plum.rmr < flood.rmr / 20, `plumtree RMR ${plum.rmr} vs flood ${flood.rmr}`)
  assert.ok(plum.ldh >= flood.ldh, `LDH ${plum.ldh} vs ${flood.ldh}`)
})

test('one network, five schemes (250 nodes): all deliver everything; flood\'s duplicates = degree − 2; Bitcoin-style has far fewer duplicates but far more latency; devp2p pushes ≈ √ of the peers', () => {
  const common = { nodes: 250, outbound: 8, messages: 6, warmup: 2, seed: 2, drainMs: 30_000 }
  const r = Object.fromEntries((['flood', 'plumtree', 'bitcoin', 'devp2p', 'gossipsub'] as const).map(p => [p, runWeb3Scenario({ ...common, protocol: p })]))
  for (const x of Object.values(r)) assert.equal(x.delivered, 1, `${x.protocol} delivered ${x.delivered}`)
  const degree = 2 * r.flood!.links / common.nodes
  // Flood: every node sends to all neighbours but the one it got it from (the source to all): m = 2L − n + 1.
  const floodDup = (2 * r.flood!.links - common.nodes + 1) / (common.nodes - 1) - 1
  assert.ok(Math.abs(r.flood!.duplicatesPerDelivery - floodDup) < 1e-9, `${r.flood!.duplicatesPerDelivery} vs ${floodDup}`)
  assert.ok(Math.abs(r.flood!.duplicatesPerDelivery - (degree - 2)) < 0.2)
  assert.ok(r.bitcoin!.duplicatesPerDelivery < 0.1 * r.flood!.duplicatesPerDelivery, `bitcoin ${r.bitcoin!.duplicatesPerDelivery}`)
  assert.ok(r.bitcoin!.latency50Ms > 10 * r.flood!.latency50Ms, `bitcoin ${r.bitcoin!.latency50Ms} ms vs flood ${r.flood!.latency50Ms} ms`)
  assert.ok(r.bitcoin!.bytesPerNodePerMessage < r.flood!.bytesPerNodePerMessage / 3)
  // devp2p: ⌊√(peers without it)⌋ whole copies per node: √(degree − 1) at most, fewer as peers learn it.
  const push = r.devp2p!.payloadSendsPerNode
  assert.ok(push > 0.6 * Math.floor(Math.sqrt(degree - 1)) && push < Math.sqrt(degree - 1) + 0.5, `devp2p ${push} payload sends per node, degree ${degree}`)
  assert.ok(r.plumtree!.duplicatesPerDelivery < 0.1, `plumtree ${r.plumtree!.duplicatesPerDelivery}`)
})
