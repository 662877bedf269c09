import { test } from 'node:test'
import assert from 'node:assert/strict'
import { noopIo } from '../core/io.js'
import { Rng } from '../core/rng.js'
import { Simulator } from '../sim/simulator.js'
import { GossipSub, type GossipSubConfig, type GossipSubEvent } from './gossipsub.js'
import { seqnoBytes, signMessage } from './signing.js'
import { identityFromSeed } from '../core/identity.js'
import type { RPC } from '../wire/rpc.js'

/** n GossipSub nodes with seeded Ed25519 identities, each linked to `degree` random others. */
function network (n: number, degree: number, config: Partial<GossipSubConfig> = {}, seed = 1): { sim: Simulator, ids: string[], gs: (id: string) => GossipSub, got: Map<string, Set<string>> } {
  const sim = new Simulator({ seed })
  const rng = new Rng(seed).fork('keys')
  const idents = Array.from({ length: n }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const ids = idents.map(i => i.peerId)
  const got = new Map<string, Set<string>>()
  const delivered = (node: string, e: GossipSubEvent): void => {
    if (e.type !== 'message') return
    const k = Buffer.from(e.id).toString('hex')
    const s = got.get(k) ?? new Set<string>()
    assert.ok(!s.has(node), 'delivered twice to one node')
    s.add(node)
    got.set(k, s)
  }
  idents.forEach((ident, i) => sim.addNode(ids[i]!, ctx => [new GossipSub(ctx.env('gossipsub', { event: (e: GossipSubEvent) => delivered(ctx.id, e) }), ident, config)]))
  const gs = (id: string): GossipSub => sim.core<GossipSub>(id, 'gossipsub')
  const linked = new Set<string>()
  for (const a of ids) {
    for (const b of rng.sample(ids.filter(x => x !== a), degree)) {
      const k = a < b ? `${a} ${b}` : `${b} ${a}`
      if (linked.has(k)) continue
      linked.add(k)
      sim.link(a, b)
    }
  }
  return { sim, ids, gs, got }
}

for (const policy of ['StrictSign', 'StrictNoSign'] as const) {
  test(`${policy}: every subscriber gets every message exactly once; meshes stay within [Dlo, Dhi]`, () => {
    const { sim, ids, gs, got } = network(40, 8, { signaturePolicy: policy })
    for (const id of ids) gs(id).subscribe(0, 'blocks')
    sim.run(5000)
    for (const id of ids) {
      const m = gs(id).mesh.get('blocks')!
      assert.ok(m.size >= 4 && m.size <= 12, `mesh of ${m.size}`)
    }
    const published = ids.slice(0, 5).map((id, i) => gs(id).publish(sim.now, 'blocks', new TextEncoder().encode(`block ${i}`)))
    sim.run(sim.now + 3000)
    for (const r of published) {
      assert.ok(r.recipients > 0)
      assert.equal(got.get(Buffer.from(r.id).toString('hex'))?.size, 40)
    }
  })
}

test('publish to a topic nobody else joined says so instead of succeeding silently', () => {
  const { sim, ids, gs } = network(5, 2)
  sim.run(2000)
  const r = gs(ids[0]!).publish(sim.now, 'lonely', new Uint8Array([1]))
  assert.equal(r.recipients, 0)
  assert.equal(r.reason, 'no-peers-in-topic')
  assert.throws(() => gs(ids[0]!).publish(sim.now, '', new Uint8Array([1])), /non-empty/)
})

test('a peer sending invalid messages falls under the graylist threshold and is ignored; honest traffic flows', () => {
  const { sim, ids, gs, got } = network(20, 6)
  for (const id of ids) gs(id).subscribe(0, 'blocks')
  sim.run(3000)
  const [attacker, ...honest] = ids
  const victims = honest.filter(id => gs(id).peersOf('blocks').includes(attacker!))
  assert.ok(victims.length > 0)
  // A message signed by the attacker, then tampered with: its signature no longer verifies.
  const codec = gs(attacker!).wire.codec
  const forged = signMessage(identityFromSeed(new Uint8Array(32).fill(9)), 'blocks', new Uint8Array([1]), seqnoBytes(1n))
  for (const v of victims) sim.inject(attacker!, v, 'gossipsub', codec.encode({ subscriptions: [], messages: [{ ...forged, data: new Uint8Array([2]) }] }))
  sim.run(sim.now + 100)
  for (const v of victims) {
    assert.ok(gs(v).score.score(sim.now, attacker!) < gs(v).config.thresholds.graylistThreshold, 'attacker graylisted')
    assert.equal(gs(v).stats.rejected, 1)
  }
  // Graylisted: what it sends next is ignored, and it is pruned from meshes at the next heartbeat.
  for (const v of victims) sim.inject(attacker!, v, 'gossipsub', codec.encode({ subscriptions: [], messages: [{ ...forged, data: new Uint8Array([3]) }] }))
  sim.run(sim.now + 1500)
  for (const v of victims) {
    assert.ok(gs(v).stats.graylisted >= 1)
    assert.ok(!gs(v).mesh.get('blocks')!.has(attacker!))
  }
  const r = gs(honest[0]!).publish(sim.now, 'blocks', new TextEncoder().encode('honest'))
  sim.run(sim.now + 2000)
  const reached = got.get(Buffer.from(r.id).toString('hex'))!
  assert.ok(honest.every(id => reached.has(id)), 'every honest node delivered it')
})

test('an IHAVE that is never delivered after our IWANT is a broken promise and costs score', () => {
  const { sim, ids, gs } = network(4, 3)
  for (const id of ids) gs(id).subscribe(0, 'blocks')
  sim.run(2000)
  const [a, liar] = ids
  const codec = gs(a!).wire.codec
  sim.inject(liar!, a!, 'gossipsub', codec.encode({ subscriptions: [], messages: [], control: { ihave: [{ topicID: 'blocks', messageIDs: [new Uint8Array([7, 7, 7])] }], iwant: [], graft: [], prune: [], idontwant: [] } }))
  sim.run(sim.now + 100)
  assert.equal(gs(a!).stats.iwantSent, 1)
  sim.run(sim.now + 5000)
  assert.equal(gs(a!).stats.brokenPromises, 1)
  assert.ok(gs(a!).score.score(sim.now, liar!) < 0)
})

test('a message awaiting validation is not forwarded to peers that sent it meanwhile', () => {
  const rng = new Rng(9)
  const [me, a, b, c, author] = Array.from({ length: 5 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const sent: Array<{ to: string, rpc: RPC }> = []
  const events: GossipSubEvent[] = []
  const x = new GossipSub({ id: me!.peerId, name: 'gossipsub', rng: new Rng(1), io: noopIo({ send: (to, rpc) => sent.push({ to, rpc }), emit: (e) => events.push(e) }) }, me!)
  for (const p of [a!, b!, c!]) {
    x.onPeerUp(0, p.peerId, { outbound: true })
    x.onMessage(0, p.peerId, { subscriptions: [{ subscribe: true, topic: 't' }], messages: [] })
  }
  x.subscribe(0, 't')
  assert.equal(x.mesh.get('t')!.size, 3)
  x.setValidator('t', true)
  const msg = signMessage(author!, 't', new Uint8Array([7]), seqnoBytes(1n))
  x.onMessage(1, a!.peerId, { subscriptions: [], messages: [msg] })
  x.onMessage(2, b!.peerId, { subscriptions: [], messages: [msg] })
  const v = events.find(e => e.type === 'validate')
  assert.ok(v !== undefined && v.type === 'validate')
  sent.length = 0
  x.reportValidation(3, v.key, 'accept')
  const to = sent.filter(s => s.rpc.messages.length > 0).map(s => s.to)
  assert.deepEqual(to, [c!.peerId], 'forwarded only to the peer that did not send it')
})

test('a GRAFT during our backoff costs a behaviour penalty (two within the flood threshold) and a PRUNE, not the connection', () => {
  const rng = new Rng(4)
  const [me, peer] = Array.from({ length: 2 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const sent: Array<{ to: string, rpc: RPC }> = []
  const reports: string[] = []
  const x = new GossipSub({ id: me!.peerId, name: 'gossipsub', rng: new Rng(1), io: noopIo({ send: (to, rpc) => sent.push({ to, rpc }), report: (p, sanction, reason) => reports.push(`${p} ${sanction} ${reason}`) }) }, me!)
  const p = peer!.peerId
  x.onPeerUp(0, p, { outbound: false })
  x.subscribe(0, 't')
  x.onMessage(0, p, { subscriptions: [{ subscribe: true, topic: 't' }], messages: [] })
  assert.ok(x.mesh.get('t')!.has(p))
  const control = (c: Partial<RPC.ControlMessage>): RPC => ({ subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], ...c } })
  x.onMessage(1000, p, control({ prune: [{ topicID: 't', peers: [], backoff: 60 }] }))
  assert.ok(!x.mesh.get('t')!.has(p), 'pruned by the peer: we back off for 60 s')
  sent.length = 0
  x.onMessage(2000, p, control({ graft: [{ topicID: 't' }] }))
  assert.deepEqual(reports, [`${p} penalise graft flood during backoff`])
  assert.ok(x.score.score(2000, p) <= -40, 'two behaviour penalties: −10 × 2²')
  assert.ok(sent.some(s => s.to === p && (s.rpc.control?.prune.length ?? 0) === 1), 'answered with PRUNE')
  assert.ok(!x.mesh.get('t')!.has(p))
  x.onMessage(30_000, p, control({ graft: [{ topicID: 't' }] }))
  assert.equal(reports[1], `${p} penalise graft during backoff`, 'past the flood threshold: one penalty')
})

test('RPCs received are counted by part, as @libp2p/gossipsub counts them; messages sent once per recipient; mesh churn by topic and reason', () => {
  const rng = new Rng(5)
  const [me, a, b, author] = Array.from({ length: 4 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const x = new GossipSub({ id: me!.peerId, name: 'gossipsub', rng: new Rng(1), io: noopIo({}) }, me!, { graftOnSubscribe: false })
  const control = (c: Partial<RPC.ControlMessage>): RPC => ({ subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], ...c } })
  for (const p of [a!, b!]) {
    x.onPeerUp(0, p.peerId, { outbound: true })
    x.onMessage(0, p.peerId, { subscriptions: [{ subscribe: true, topic: 't' }, { subscribe: true, topic: 'u' }], messages: [] })
  }
  x.subscribe(0, 't')
  assert.deepEqual(x.meshEvents.inclusionByReason().random, { t: 2 }, 'both topic peers grafted at random on our SUBSCRIBE')
  const m1 = signMessage(author!, 't', new Uint8Array([1]), seqnoBytes(1n))
  const m2 = signMessage(author!, 't', new Uint8Array([2]), seqnoBytes(2n))
  x.onMessage(1, a!.peerId, { subscriptions: [], messages: [m1, m2] })
  x.onMessage(2, b!.peerId, { subscriptions: [], messages: [m1] }) // a duplicate: still a message received
  x.onMessage(3, a!.peerId, control({ ihave: [{ topicID: 't', messageIDs: [new Uint8Array([9])] }, { topicID: 'u', messageIDs: [new Uint8Array([8])] }], graft: [{ topicID: 't' }], idontwant: [{ messageIDs: [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])] }] }))
  x.onMessage(4, b!.peerId, control({ prune: [{ topicID: 't', peers: [], backoff: 60 }] }))
  const s = x.stats
  assert.deepEqual({ rpcs: s.rpcsReceived, subscriptions: s.subscriptionsReceived, messages: s.messagesReceived, control: s.controlReceived, ihave: s.ihavesReceived, iwant: s.iwantsReceived, graft: s.graftsReceived, prune: s.prunesReceived, idontwantIds: s.idontwantIdsReceived },
    { rpcs: 6, subscriptions: 4, messages: 3, control: 2, ihave: 2, iwant: 0, graft: 1, prune: 1, idontwantIds: 3 })
  assert.deepEqual(x.meshEvents.churnByReason().prune, { t: 1 }, 'b pruned itself')
  const published = x.publish(5, 't', new Uint8Array([3])) // flood publishing: to a and b
  assert.equal(published.recipients, 2)
  assert.equal(s.messagesSent, s.forwarded + 2, 'forwards, then one message per recipient of the publish')
  x.onPeerDown(6, a!.peerId)
  assert.deepEqual(x.meshEvents.churnByReason(), { disconnected: { t: 1 }, bad_score: {}, prune: { t: 1 }, excess: {}, unknown: {} })
})
