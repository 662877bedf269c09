// The contract of src/core/protocol.ts, kept identically by both drivers: the same script runs against the
// simulator and against three network drivers on 127.0.0.1, and must see the same things. Each node hosts
// two wire protocols ('probe', 'other') and one local core ('watch') that record what they are told.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from '../src/agent/cluster.js'
import type { Codec, CoreListener, Env, LocalCore, LocalEnv, Misbehaviour, NodeId, PeerLink, WireProtocol, WireSpec } from '../src/core/protocol.js'
import { NetDriver } from '../src/net/driver.js'
import { createHost, type Host } from '../src/net/host.js'
import { ConstantLatency } from '../src/sim/network.js'
import { Simulator } from '../src/sim/simulator.js'

const NAMES = ['a', 'b', 'c'] as const
type Name = typeof NAMES[number]
type CoreName = 'probe' | 'other' | 'watch'

const text: Codec<string> = { encode: s => new TextEncoder().encode(s), decode: b => new TextDecoder().decode(b) }

/** What a core was told, with peers by name: `up:b:out`, `down:b`, `ping<b`. */
class Log {
  readonly lines: string[] = []
  constructor (private readonly nameOf: (id: NodeId) => string) {}
  up (peer: NodeId, link: PeerLink): void { this.lines.push(`up:${this.nameOf(peer)}${link.outbound ? ':out' : ''}`) }
  down (peer: NodeId): void { this.lines.push(`down:${this.nameOf(peer)}`) }
  msg (from: NodeId, m: string): void { this.lines.push(`${m}<${this.nameOf(from)}`) }
  count (line: string): number { return this.lines.filter(l => l === line).length }
}

class Probe implements WireProtocol<string, never> {
  readonly name: string
  readonly wire: WireSpec<string>
  constructor (readonly env: Env<string, never, never>, readonly log: Log) {
    this.name = env.name
    this.wire = { protocolIds: [`/test/${env.name}/1.0.0`], codec: text, maxFrameBytes: 1024 }
  }

  start (): void {}
  onTimer (): void {}
  onPeerUp (_now: number, peer: NodeId, link: PeerLink): void { this.log.up(peer, link) }
  onPeerDown (_now: number, peer: NodeId): void { this.log.down(peer) }
  onMessage (_now: number, from: NodeId, m: string): void {
    this.log.msg(from, m)
    if (m === 'ping') this.env.io.send(from, 'pong')
  }

  onMalformed (): void {}
}

class Watch implements LocalCore<never> {
  readonly name: string
  readonly wire = null
  constructor (env: LocalEnv<never, never>, readonly log: Log) { this.name = env.name }
  start (): void {}
  onTimer (): void {}
  onPeerUp (_now: number, peer: NodeId, link: PeerLink): void { this.log.up(peer, link) }
  onPeerDown (_now: number, peer: NodeId): void { this.log.down(peer) }
}

interface Harness {
  id (n: Name): NodeId
  probe (n: Name, core: 'probe' | 'other'): Probe
  log (n: Name, core: CoreName): Log
  reports: Record<Name, Misbehaviour[]>
  /** Runs (simulator) or waits (network) until `cond` holds. */
  settle (what: string, cond: () => boolean): Promise<void>
  kill (n: Name): Promise<void>
  close (): Promise<void>
}

function recordersFor (nameOf: (id: NodeId) => string): Record<Name, Record<CoreName, Log>> {
  const r = {} as Record<Name, Record<CoreName, Log>>
  for (const n of NAMES) r[n] = { probe: new Log(nameOf), other: new Log(nameOf), watch: new Log(nameOf) }
  return r
}

type EnvMaker = <M, T, E>(name: string, listener?: CoreListener<E>) => Env<M, T, E>

function coresOf (env: EnvMaker, logs: Record<CoreName, Log>, reports: Misbehaviour[]): { probe: Probe, other: Probe, all: Array<Probe | Watch> } {
  const listener = { misbehaviour: (m: Misbehaviour) => reports.push(m) }
  const probe = new Probe(env('probe', listener), logs.probe)
  const other = new Probe(env('other', listener), logs.other)
  return { probe, other, all: [probe, other, new Watch(env('watch'), logs.watch)] }
}

function simHarness (): Harness {
  const sim = new Simulator({ seed: 1, latency: new ConstantLatency(5), banMs: 60_000 })
  const logs = recordersFor(id => id)
  const reports: Record<Name, Misbehaviour[]> = { a: [], b: [], c: [] }
  const probes = {} as Record<Name, { probe: Probe, other: Probe }>
  for (const n of NAMES) sim.addNode(n, ctx => { const c = coresOf((name, l) => ctx.env(name, l), logs[n], reports[n]); probes[n] = c; return c.all })
  return {
    id: n => n,
    probe: (n, core) => probes[n][core],
    log: (n, core) => logs[n][core],
    reports,
    settle: async (what, cond) => {
      const until = sim.now + 10_000
      while (!cond()) {
        if (sim.now > until) throw new Error(`the simulator never saw: ${what}`)
        sim.run(sim.now + 10)
      }
    },
    kill: async n => sim.crash(n),
    close: async () => {}
  }
}

async function netHarness (): Promise<Harness> {
  const hosts = {} as Record<Name, Host>
  const drivers = {} as Record<Name, NetDriver>
  const probes = {} as Record<Name, { probe: Probe, other: Probe }>
  const names = new Map<NodeId, Name>()
  const logs = recordersFor(id => names.get(id) ?? id)
  const reports: Record<Name, Misbehaviour[]> = { a: [], b: [], c: [] }
  for (const [i, n] of NAMES.entries()) {
    const host = await createHost({ seed: new Uint8Array(32).fill(90 + i), listen: ['/ip4/127.0.0.1/tcp/0'], denyPeer: p => drivers[n].isBanned(p.toString()) })
    hosts[n] = host
    names.set(host.peerId.toString(), n)
    // The cores find each other's addresses as membership would tell them.
    drivers[n] = new NetDriver(host, { seed: i, addressesOf: peer => { const h = NAMES.map(x => hosts[x]).find(x => x?.peerId.toString() === peer); return h === undefined ? [] : h.getMultiaddrs().map(m => m.decapsulateCode(421).bytes) } })
    const c = coresOf((name, l) => drivers[n].env(name, l), logs[n], reports[n])
    probes[n] = c
    await drivers[n].host(c.all)
  }
  return {
    id: n => hosts[n].peerId.toString(),
    probe: (n, core) => probes[n][core],
    log: (n, core) => logs[n][core],
    reports,
    settle: async (what, cond) => { await waitUntil(what, cond, 15_000, 10) },
    kill: async n => { await drivers[n].stop(); await hosts[n].stop() },
    close: async () => {
      for (const n of NAMES) {
        await drivers[n].stop()
        await hosts[n].stop()
      }
    }
  }
}

async function script (h: Harness): Promise<void> {
  const { id, probe, log, settle } = h
  const all: CoreName[] = ['probe', 'other', 'watch']
  const seen = (n: Name, core: CoreName, line: string, times = 1): boolean => log(n, core).count(line) >= times
  /** A ping and its pong over 'probe': the link carries messages both ways (and notices sent before them arrived). */
  let pings = 0
  const roundTrip = async (): Promise<void> => {
    pings++
    probe('a', 'probe').env.io.send(id('b'), 'ping')
    await settle(`pong ${pings}`, () => seen('a', 'probe', 'pong<b', pings))
  }

  // connect: every core at both ends hears of the link; the dialler as outbound.
  probe('a', 'probe').env.io.connect(id('b'))
  await settle('the link up at every core', () => all.every(c => seen('a', c, 'up:b:out') && seen('b', c, 'up:a')))

  // A link held by another core survives a disconnect; a release never closes it.
  probe('a', 'other').env.io.hold(id('b'))
  probe('a', 'probe').env.io.disconnect(id('b'))
  await roundTrip()
  probe('a', 'other').env.io.release(id('b'))
  await roundTrip()
  for (const n of ['a', 'b'] as const) for (const c of all) assert.equal(log(n, c).count(`down:${n === 'a' ? 'b' : 'a'}`), 0, `${n}.${c} was told nothing closed`)

  // disconnect with no core of this node holding it: closed, whatever the other end holds; both ends told.
  probe('b', 'other').env.io.hold(id('a'))
  probe('a', 'probe').env.io.disconnect(id('b'))
  await settle('the link down at every core of both ends', () => all.every(c => seen('a', c, 'down:b') && seen('b', c, 'down:a')))

  // Sanctions. penalise: reported, the link stays.
  probe('a', 'probe').env.io.connect(id('b'))
  await settle('up again', () => seen('a', 'probe', 'up:b:out', 2) && seen('b', 'probe', 'up:a', 2))
  probe('b', 'probe').env.io.report(id('a'), 'penalise', 'test')
  await roundTrip()
  assert.equal(log('a', 'probe').count('down:b'), 1, 'a penalty keeps the link')
  assert.deepEqual(h.reports.b.map(r => r.sanction), ['penalise'])
  // disconnect: closed at once although b's other core holds a.
  probe('b', 'other').env.io.hold(id('a'))
  probe('b', 'probe').env.io.report(id('a'), 'disconnect', 'test')
  await settle('closed by the disconnect sanction', () => seen('a', 'probe', 'down:b', 2) && seen('b', 'other', 'down:a', 2))
  // ban: closed, and dialling the banning node fails — told only to the core that asked.
  probe('a', 'probe').env.io.connect(id('b'))
  await settle('up a third time', () => seen('a', 'probe', 'up:b:out', 3) && seen('b', 'probe', 'up:a', 3))
  probe('b', 'probe').env.io.report(id('a'), 'ban', 'test')
  await settle('closed by the ban', () => seen('a', 'probe', 'down:b', 3) && seen('b', 'probe', 'down:a', 3))
  const otherDowns = log('a', 'other').count('down:b')
  probe('a', 'probe').env.io.connect(id('b'))
  await settle('the dial to the banning node fails', () => seen('a', 'probe', 'down:b', 4))
  assert.equal(log('a', 'other').count('down:b'), otherDowns, 'a failed dial is told to the cores that held the peer only')
  assert.deepEqual(h.reports.b.map(r => r.sanction), ['penalise', 'disconnect', 'ban'])

  // A failed dial to a node that is gone.
  await h.kill('c')
  probe('a', 'other').env.io.connect(id('c'))
  await settle('the dial to a dead node fails', () => seen('a', 'other', 'down:c'))
  assert.equal(log('a', 'probe').count('down:c'), 0)
}

test('the contract in the simulator', async () => {
  const h = simHarness()
  await script(h)
  await h.close()
})

test('the contract on the network (three drivers on 127.0.0.1)', { timeout: 90_000 }, async () => {
  const h = await netHarness()
  try {
    await script(h)
  } finally {
    await h.close()
  }
})

