// Authenticated state in the simulator: forgeries from a member, recovery after damaged data or a restored
// backup, and forgetting silent origins (ARCHITECTURE.md, "Authenticated state").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerVerifier, type Identity } from '../core/identity.js'
import { UniformPeerSampling } from '../core/sampling.js'
import type { Misbehaviour } from '../core/protocol.js'
import { identitiesFor, stateSignature } from '../scenarios/state.js'
import { Simulator, type NodeContext } from '../sim/simulator.js'
import { StateCodec } from './codec.js'
import { AntiEntropy, type AntiEntropyConfig, type StateChange } from './antientropy.js'
import { StateAuth } from './auth.js'
import type { Entry } from './messages.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

interface Cluster {
  sim: Simulator
  ids: string[]
  identities: Identity[]
  core: (id: string) => AntiEntropy
  reports: Misbehaviour[]
  /** What each node would have on disk: its own entries, as its change events reported them. */
  disk: Map<string, Entry[]>
}

/** n signed nodes; `rebuild(id, ctx, core)` runs when a node is built (first life or a restart without state). */
function signedCluster (n: number, config: Partial<AntiEntropyConfig>, rebuild?: (id: string, ctx: NodeContext, core: AntiEntropy) => void): Cluster {
  const sim = new Simulator({ seed: 3 })
  const identities = identitiesFor(n, 3)
  const ids = identities.map(x => x.peerId)
  const verifier = new PeerVerifier({ memo: 100_000 })
  const reports: Misbehaviour[] = []
  const disk = new Map<string, Entry[]>()
  ids.forEach((id, i) => {
    sim.addNode(id, ctx => {
      const event = (c: StateChange): void => {
        if (c.origin === id && c.local) disk.set(id, [...(disk.get(id) ?? []), c.entry])
      }
      const core = new AntiEntropy(ctx.env('state', { event, misbehaviour: m => reports.push(m) }), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), identities[i]!, { verifier, ...config, generation: ctx.incarnation })
      rebuild?.(id, ctx, core)
      return [core]
    })
  })
  return { sim, ids, identities, core: id => sim.core<AntiEntropy>(id, 'state'), reports, disk }
}

test('a member relaying forged, tampered or re-versioned state is refused, counted and penalised; nothing changes', () => {
  const { sim, ids, identities, core, reports } = signedCluster(8, { maxStrikes: 3 })
  const [victim, owner, liar] = ids as [string, string, string]
  core(owner).set(0, 'color', bytes('real'))
  sim.run(10_000)
  assert.ok(ids.every(id => core(id).get('color', owner) !== undefined))
  const before = stateSignature(core(victim))
  // The liar signs with its own key an entry and a head claiming the owner's origin at generation 1000.
  const liarAuth = new StateAuth(liar, 'StrictSign', identities[2]!, new PeerVerifier())
  const forged = liarAuth.signEntry(1000, { key: 'color', value: bytes('forged by a stranger'), version: 1, deleted: false })
  const head = liarAuth.signHead(1000, 1, 1, 0n, new Uint8Array(32))
  const codec = new StateCodec()
  const push = (delta: object): Uint8Array => codec.encode({ kind: 'push', exchange: 1, deltas: [delta as never] })
  sim.inject(liar, victim, 'state', push({ origin: owner, generation: 1000, fromVersion: 0, toVersion: 1, entries: [forged], head }))
  sim.run(sim.now + 100)
  assert.equal(core(victim).stats.rejected['bad-head-signature'], 1)
  assert.equal(stateSignature(core(victim)), before, 'the forged generation reset changed nothing')
  // The owner writes again while the victim is cut off; the liar relays the owner's genuine new head with
  // the new entry's value changed, then the old entry re-versioned.
  sim.partition([[victim]])
  core(owner).set(sim.now, 'size', bytes('large'))
  sim.run(sim.now + 10_000)
  const head2 = core(liar).originMeta(owner)!.head!
  assert.equal(head2.version, 2)
  const size = core(liar).entry('size', owner)!
  const color = core(liar).entry('color', owner)!
  sim.heal() // the forgeries arrive before any honest exchange can bring the new version
  sim.inject(liar, victim, 'state', push({ origin: owner, generation: 0, fromVersion: 1, toVersion: 2, entries: [{ ...size, value: bytes('tampered') }], head: head2 }))
  sim.inject(liar, victim, 'state', push({ origin: owner, generation: 0, fromVersion: 1, toVersion: 2, entries: [{ ...color, version: 2 }], head: head2 }))
  sim.run(sim.now + 60)
  assert.equal(core(victim).stats.rejected['bad-entry-signature'], 2)
  assert.equal(core(victim).get('size', owner), undefined, 'nothing tampered was applied')
  assert.equal(new TextDecoder().decode(core(victim).get('color', owner)), 'real')
  assert.ok(reports.some(r => r.peer === liar && r.sanction === 'penalise'))
  assert.ok(reports.some(r => r.peer === liar && r.sanction === 'ban'), 'the third offence bans the liar')
  core(owner).set(sim.now, 'color', bytes('real-2'))
  sim.run(sim.now + 70_000) // the ban is over; honest exchanges go on
  assert.ok(ids.every(id => new TextDecoder().decode(core(id).get('color', owner)) === 'real-2'), 'the owner\'s next write reached everyone')
})

test('a node whose data was damaged recovers its writes from peers, then writes above what they saw', () => {
  const damaged: { entries?: Entry[] } = {}
  const c = signedCluster(10, { recoveryExchanges: 2 }, (_id, ctx, core) => {
    if (damaged.entries !== undefined && ctx.incarnation > 0) {
      core.restore(ctx.id, { generation: 0, known: damaged.entries.length, gcVersion: 0 }, damaged.entries)
      core.recover(ctx.now, ctx.incarnation)
    }
  })
  const { sim, ids, core, disk } = c
  const x = ids[4]!
  for (let i = 1; i <= 200; i++) core(x).set(0, `k${i}`, bytes(`v${i}`))
  sim.run(20_000)
  assert.ok(ids.every(id => core(id).originMeta(x)?.known === 200), 'versions 1–200 replicated')
  // The disk lost its tail: the node comes back with 112 of its keys.
  sim.crash(x)
  damaged.entries = disk.get(x)!.slice(0, 112)
  sim.restart(x, { keepState: false })
  assert.ok(core(x).recovering)
  assert.throws(() => core(x).set(sim.now, 'early', bytes('no')), /recovering/)
  let periods = 0
  while (core(x).recovering && periods < 20) {
    periods++
    sim.run(sim.now + 1000)
  }
  assert.equal(core(x).recovering, false)
  assert.equal(core(x).stats.recoveredEntries, 200, 'every key back, from its own and its peers\' copies')
  const before = core(x).originMeta(x)!
  assert.ok(before.generation >= 1, 'moved to a new generation')
  const written = core(x).set(sim.now, 'after', bytes('reaches everyone'))
  const t0 = sim.now
  while (!ids.every(id => core(id).entry('after', x)?.version === written.version) && sim.now - t0 < 10_000) sim.run(sim.now + 100)
  const took = sim.now - t0
  assert.ok(took <= 4000, `the first write after recovery reached everyone in ${took} ms`)
  console.log(`# recovery: ${periods} periods; first write after it reached all 10 nodes in ${took} ms (period 1000 ms)`)
  for (const id of ids) {
    assert.equal(new TextDecoder().decode(core(id).get('k200', x)), 'v200', `${id} holds the recovered k200`)
  }
  const sig = stateSignature(core(x))
  sim.run(sim.now + 10_000)
  assert.ok(ids.every(id => stateSignature(core(id)) === stateSignature(core(x))), 'identical everywhere')
  assert.ok(sig.length > 0)
})

test('a node restored from an old backup notices peers hold newer versions of it, and loses no write', () => {
  const backup: { entries?: Entry[] } = {}
  const { sim, ids, core, disk } = signedCluster(8, { recoveryExchanges: 2 }, (_id, ctx, core) => {
    if (backup.entries !== undefined && ctx.incarnation > 0) core.restore(ctx.id, { generation: 0, known: backup.entries.length, gcVersion: 0 }, backup.entries)
  })
  const x = ids[2]!
  for (let i = 1; i <= 150; i++) core(x).set(0, `k${i}`, bytes(`v${i}`))
  sim.run(15_000)
  backup.entries = disk.get(x)!.slice(0, 100)
  sim.crash(x)
  sim.restart(x, { keepState: false }) // the backup loads, consistent and silent about versions 101–150
  // Written at once, before any peer spoke: version 101 again, and a key the backup held.
  core(x).set(sim.now, 'k7', bytes('after-restore'))
  let t = 0
  while ((core(x).stats.recoveries === 0 || core(x).recovering) && t++ < 30) sim.run(sim.now + 1000)
  assert.equal(core(x).stats.recoveries, 1, 'noticed peers hold a newer head of its own')
  assert.equal(core(x).recovering, false)
  sim.run(sim.now + 15_000)
  for (const id of ids) {
    assert.equal(new TextDecoder().decode(core(id).get('k150', x)), 'v150', `${id}: versions past the backup were not lost`)
    assert.equal(new TextDecoder().decode(core(id).get('k7', x)), 'after-restore', `${id}: the write made after the restore was not lost`)
  }
})

test('silent origins are forgotten everywhere and a lagging peer does not bring them back; live silent nodes stay', () => {
  const { sim, ids, core } = signedCluster(10, { originTtlMs: 60_000, heartbeatMs: 15_000 })
  const [dead, lagging, quiet] = [ids[1]!, ids[2]!, ids[3]!]
  for (const id of ids) if (id !== quiet) core(id).set(0, 'hello', bytes(id))
  core(quiet).set(0, 'only-once', bytes('then silent for good'))
  sim.run(10_000)
  assert.ok(ids.every(id => core(id).originCount === 10))
  sim.crash(lagging) // keeps its disk, and with it the dead node's entries
  sim.crash(dead)
  sim.run(200_000)
  const live = ids.filter(id => id !== dead && id !== lagging)
  for (const id of live) {
    assert.equal(core(id).entry('hello', dead), undefined, `${id} forgot the dead origin`)
    assert.ok(core(id).get('only-once', quiet) !== undefined, `${id} kept the quiet but live origin (heartbeats)`)
  }
  sim.restart(lagging, { keepState: true })
  sim.run(sim.now + 20_000)
  for (const id of live) assert.equal(core(id).entry('hello', dead), undefined, `${id}: the lagging peer did not bring it back`)
  assert.ok(live.some(id => core(id).stats.forgottenIgnored > 0), 'the lagging peer did offer it')
  sim.run(sim.now + 120_000)
  assert.equal(core(lagging).entry('hello', dead), undefined, 'the lagging peer forgot it too')
  assert.ok(ids.filter(id => id !== dead).every(id => core(id).originCount === 9))
})
