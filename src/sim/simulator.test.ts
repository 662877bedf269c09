import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerError } from '../core/errors.js'
import type { Codec, Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import { EventHeap } from '../core/heap.js'
import { ConstantLatency, UniformLinkLatency } from './network.js'
import { Simulator, type NodeContext } from './simulator.js'

test('event heap pops by time, then by sequence', () => {
  const h = new EventHeap<{ time: number, seq: number }>()
  const input = [[5, 0], [1, 1], [5, 2], [3, 3], [1, 4], [0, 5], [5, 6]]
  for (const [time, seq] of input) h.push({ time: time!, seq: seq! })
  const out: number[][] = []
  for (let e = h.pop(); e !== undefined; e = h.pop()) out.push([e.time, e.seq])
  assert.deepEqual(out, [[0, 5], [1, 1], [1, 4], [3, 3], [5, 0], [5, 2], [5, 6]])
})

test('link latency is fixed per link, symmetric, and within bounds', () => {
  const l = new UniformLinkLatency(10, 50, 0, 9)
  for (let a = 0; a < 30; a++) {
    for (let b = 0; b < 30; b++) {
      const d = l.delay(a, b, 0.5)
      assert.ok(d >= 10 && d <= 50)
      assert.equal(d, l.delay(b, a, 0.1))
    }
  }
  assert.notEqual(l.delay(1, 2, 0), l.delay(1, 3, 0))
})

/** A toy protocol: messages are strings; 'ping' is answered with 'pong'; a timer fires every 100 ms. */
const echoCodec: Codec<string> = {
  encode: (s) => new TextEncoder().encode(s),
  decode: (b) => {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b)
    if (!/^[a-z0-9:]*$/.test(s)) throw new PeerError('ERR_TEST', 'not lowercase')
    return s
  }
}

class Echo implements WireProtocol<string, number> {
  readonly wire: WireSpec<string> = { protocolIds: ['/test/echo/1.0.0'], codec: echoCodec, maxFrameBytes: 64 }

  log: string[] = []
  malformed = 0
  constructor (private readonly env: Env<string, number, string>, readonly name = 'echo') {}
  start (now: number): void { this.env.io.setTimer(now + 100, 1) }
  onTimer (now: number, t: number): void {
    this.log.push(`timer${t}@${now}`)
    if (t < 3) this.env.io.setTimer(now + 100, t + 1)
  }

  onMessage (now: number, from: NodeId, msg: string): void {
    this.log.push(`${msg}<${from}@${now}`)
    this.env.io.emit(msg)
    if (msg === 'ping') this.env.io.send(from, 'pong')
  }

  onPeerUp (now: number, peer: NodeId, link: PeerLink): void { this.log.push(`up:${peer}${link.outbound ? ':out' : ''}@${now}`) }
  onPeerDown (now: number, peer: NodeId): void { this.log.push(`down:${peer}@${now}`) }
  onMalformed (): void { this.malformed++ }
  send (to: NodeId, msg: string): void { this.env.io.send(to, msg) }
  connect (to: NodeId): void { this.env.io.connect(to) }
  disconnect (to: NodeId): void { this.env.io.disconnect(to) }
  hold (to: NodeId): void { this.env.io.hold(to) }
  release (to: NodeId): void { this.env.io.release(to) }
  report (peer: NodeId, sanction: 'penalise' | 'disconnect' | 'ban'): void { this.env.io.report(peer, sanction, 'test') }
}

function echoSim (seed: number, opts: { loss?: number } = {}): { sim: Simulator, echo: (id: string) => Echo } {
  const sim = new Simulator({ seed, latency: new ConstantLatency(10), ...opts })
  for (const id of ['a', 'b', 'c']) sim.addNode(id, ctx => [new Echo(ctx.env('echo'))])
  return { sim, echo: (id) => sim.core<Echo>(id, 'echo') }
}

test('messages are delivered after the link latency, through the codec, and answered', () => {
  const { sim, echo } = echoSim(1)
  echo('a').send('b', 'ping')
  sim.run(1000)
  assert.deepEqual(echo('b').log.filter(l => l.includes('<')), ['ping<a@10'])
  assert.deepEqual(echo('a').log.filter(l => l.includes('<')), ['pong<b@20'])
  assert.deepEqual(echo('a').log.filter(l => l.startsWith('timer')), ['timer1@100', 'timer2@200', 'timer3@300'])
  const t = sim.trafficOf('echo')
  assert.equal(t.sent, 2)
  assert.equal(t.bytes, 8)
  assert.equal(t.delivered, 2)
})

test('malformed and oversized frames are counted and reported, never delivered', () => {
  const { sim, echo } = echoSim(1)
  sim.inject('a', 'b', 'echo', new Uint8Array([0xff, 0xfe])) // not UTF-8
  sim.inject('a', 'b', 'echo', new TextEncoder().encode('UPPER'))
  sim.inject('a', 'b', 'echo', new Uint8Array(65).fill(97))
  sim.run(1000)
  assert.equal(echo('b').malformed, 3)
  assert.equal(echo('b').log.filter(l => l.includes('<')).length, 0)
  const t = sim.trafficOf('echo')
  assert.equal(t.malformed, 2)
  assert.equal(t.oversize, 1)
})

test('loss, partitions, crashes and restarts', () => {
  const { sim, echo } = echoSim(5, { loss: 0.5 })
  for (let i = 0; i < 1000; i++) echo('a').send('c', `m${i}`)
  sim.run(100)
  const got = echo('c').log.filter(l => l.includes('<')).length
  assert.ok(got > 400 && got < 600, `about half should arrive, got ${got}`)
  assert.equal(sim.trafficOf('echo').lost, 1000 - got)

  sim.loss = 0
  sim.partition([['a'], ['b', 'c']])
  echo('a').send('b', 'x1')
  echo('b').send('c', 'x2')
  sim.run(200)
  assert.equal(sim.trafficOf('echo').partitioned, 1)
  assert.ok(echo('c').log.some(l => l.startsWith('x2<b')))
  sim.heal()

  sim.crash('b')
  echo('a').send('b', 'lost')
  sim.run(300)
  assert.equal(sim.trafficOf('echo').toDead, 1)
  const before = echo('b').log.length
  sim.run(2000)
  assert.equal(echo('b').log.length, before, 'a crashed node runs no timers')
  sim.restart('b', { keepState: false })
  assert.notEqual(sim.core<Echo>('b', 'echo').log.length, before, 'fresh incarnation')
  assert.equal(sim.core<Echo>('b', 'echo').log.length, 0)
})

test('connections come up at both ends and go down when a peer crashes', () => {
  const { sim, echo } = echoSim(2)
  echo('a').connect('b')
  sim.run(100)
  assert.ok(echo('a').log.includes('up:b:out@20'))
  assert.ok(echo('b').log.includes('up:a@10'))
  sim.crash('b')
  sim.run(200)
  assert.ok(echo('a').log.some(l => l.startsWith('down:b@')))
  echo('a').connect('b')
  sim.run(5000)
  assert.equal(echo('a').log.filter(l => l.startsWith('down:b')).length, 2, 'connecting to a dead peer fails')
})

function twoCores (): { sim: Simulator, p: (id: string, name: string) => Echo } {
  const sim = new Simulator({ seed: 3, latency: new ConstantLatency(10), banMs: 1000 })
  const two = (ctx: NodeContext): Echo[] => [new Echo(ctx.env('echo')), new Echo(ctx.env('other'), 'other')]
  for (const id of ['a', 'b', 'c']) sim.addNode(id, two)
  return { sim, p: (id, name) => sim.core<Echo>(id, name) }
}

test('links are shared: closed by disconnect once no core at that end holds them, both ends told', () => {
  const { sim, p } = twoCores()
  p('a', 'echo').connect('b')
  p('a', 'other').hold('b')
  sim.run(100)
  assert.ok(p('a', 'other').log.includes('up:b:out@20'), 'every core hears of the link, the dialler as outbound')
  assert.ok(p('b', 'other').log.includes('up:a@10'))
  p('a', 'echo').disconnect('b')
  sim.run(200)
  assert.ok(!p('b', 'echo').log.some(l => l.startsWith('down:')), 'still held by the other core')
  p('a', 'other').release('b')
  sim.run(300)
  assert.ok(!p('b', 'echo').log.some(l => l.startsWith('down:')), 'released, not closed')
  p('b', 'other').hold('a')
  p('a', 'echo').disconnect('b') // nobody at a holds it: closed, whatever b holds
  sim.run(400)
  assert.ok(p('b', 'echo').log.includes('down:a@310'), 'the other end is told after a link delay')
  assert.ok(p('a', 'other').log.includes('down:b@300'), 'the closing end is told too')
})

test('a failed dial is told to the cores that held it, and only to them', () => {
  const { sim, p } = twoCores()
  sim.crash('c')
  p('a', 'echo').connect('c')
  sim.run(1000)
  assert.ok(p('a', 'echo').log.some(l => l.startsWith('down:c@')))
  assert.ok(!p('a', 'other').log.some(l => l.startsWith('down:c')))
})

test('sanctions: penalise keeps the link, disconnect closes it whoever holds it, ban refuses the peer for a while', () => {
  const { sim, p } = twoCores()
  p('a', 'echo').connect('b')
  p('b', 'other').hold('a')
  sim.run(100)
  p('b', 'echo').report('a', 'penalise')
  sim.run(200)
  assert.equal(sim.sanctions.penalise, 1)
  assert.ok(!p('a', 'echo').log.some(l => l.startsWith('down:')))
  p('b', 'echo').report('a', 'disconnect')
  sim.run(300)
  assert.ok(p('a', 'echo').log.includes('down:b@210'), 'closed although b held it')
  p('a', 'echo').connect('b')
  sim.run(400)
  assert.ok(p('a', 'echo').log.includes('up:b:out@320'), 'a disconnected peer may come back')
  p('b', 'echo').report('a', 'ban')
  p('a', 'echo').send('b', 'ping')
  sim.run(500)
  assert.ok(p('a', 'echo').log.includes('down:b@410'))
  assert.ok(!p('b', 'echo').log.some(l => l.startsWith('ping<a')), 'messages from a banned peer are refused')
  assert.equal(sim.trafficOf('echo').banned, 1)
  p('a', 'echo').connect('b')
  sim.run(600)
  assert.equal(p('a', 'echo').log.filter(l => l.startsWith('down:b')).length, 3, 'dialling the node that banned us fails')
  sim.run(1500) // the ban (1 s) is over
  p('a', 'echo').connect('b')
  sim.run(1600)
  assert.ok(p('a', 'echo').log.some(l => /^up:b:out@15\d\d$/.test(l)), 'welcome again after the ban')
})

test('same seed, same run: the whole event log is identical', () => {
  const runOnce = (seed: number): string[] => {
    const sim = new Simulator({ seed, loss: 0.2 })
    const ids = Array.from({ length: 20 }, (_, i) => `n${i}`)
    const log: string[] = []
    for (const id of ids) sim.addNode(id, ctx => [new Echo(ctx.env('echo', { event: (ev: string) => log.push(`${id}:${ev}@${sim.now}`) }))])
    for (let i = 0; i < 200; i++) {
      const from = sim.rng.pick(ids)
      sim.at(i * 3, () => sim.core<Echo>(from, 'echo').send(sim.rng.pick(ids), 'ping'))
    }
    sim.run(5000)
    return log
  }
  const a = runOnce(11)
  assert.ok(a.length > 100)
  assert.deepEqual(runOnce(11), a)
  assert.notDeepEqual(runOnce(12), a)
})
