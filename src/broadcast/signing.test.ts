import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed, PeerVerifier, signBytes, type Identity } from '../core/identity.js'
import { UsageError } from '../core/errors.js'
import type { Misbehaviour } from '../core/protocol.js'
import { ConstantLatency } from '../sim/network.js'
import { Simulator } from '../sim/simulator.js'
import { BroadcastCodec } from './codec.js'
import type { BroadcastDelivery, BroadcastMessage, Gossip } from './messages.js'
import { Plumtree, type PlumtreeConfig } from './plumtree.js'
import { signedBytes, signGossip } from './signing.js'

const codec = new BroadcastCodec()
const ident = (n: number): Identity => identityFromSeed(new Uint8Array(32).fill(n))

interface Net {
  sim: Simulator
  pt: (id: string) => Plumtree
  who: Map<string, Identity>
  /** node → deliveries there */
  got: Map<string, BroadcastDelivery[]>
  /** node → sanctions it applied */
  reports: Map<string, Misbehaviour[]>
  /** gossip sends per message id, by sender */
  pushes: Array<{ from: string, id: string }>
  verifier: PeerVerifier
}

/**
 * A ring a–b–c–d–a (so one link is redundant and duplicates happen) and an attacker m linked to b. Each node
 * has its own Ed25519 identity; all share one verifier that remembers nothing, so `verifier.checked` counts
 * every signature check made.
 */
function net (config: Partial<PlumtreeConfig> = {}, identities = true): Net {
  const sim = new Simulator({ seed: 7, latency: new ConstantLatency(10) })
  const verifier = new PeerVerifier()
  const who = new Map<string, Identity>()
  const got = new Map<string, BroadcastDelivery[]>()
  const reports = new Map<string, Misbehaviour[]>()
  const ids = ['a', 'b', 'c', 'd', 'm']
  for (const [i, id] of ids.entries()) {
    const identity = ident(i + 1)
    who.set(id, identity)
    got.set(id, [])
    reports.set(id, [])
    sim.addNode(id, ctx => [new Plumtree(ctx.env('broadcast', {
      event: (d: BroadcastDelivery) => got.get(id)!.push(d),
      misbehaviour: m => reports.get(id)!.push(m)
    }), identities ? identity : null, { verifier, graftTimeoutMs: 100, graftRetryMs: 50, ...config })])
  }
  const pt = (id: string): Plumtree => sim.core<Plumtree>(id, 'broadcast')
  const link = (x: string, y: string): void => { sim.link(x, y); pt(x).neighborUp(0, y); pt(y).neighborUp(0, x) }
  link('a', 'b'); link('b', 'c'); link('c', 'd'); link('d', 'a'); link('m', 'b')
  const pushes: Array<{ from: string, id: string }> = []
  sim.onSend((from, _to, _p, m) => {
    const msg = m as BroadcastMessage
    if (msg.kind === 'gossip') pushes.push({ from: from.id, id: msg.id })
  })
  return { sim, pt, who, got, reports, pushes, verifier }
}

const honest = ['a', 'b', 'c', 'd']

test('a signed broadcast reaches every node once, with its verified source; each node checks its signature once', () => {
  const n = net()
  const id = n.pt('a').broadcast(0, new TextEncoder().encode('hello'))
  n.sim.run(1000)
  assert.match(id, new RegExp(`^${n.who.get('a')!.peerId}/\\d+$`), 'the id is source/seqno')
  for (const node of [...honest, 'm']) {
    const ds = n.got.get(node)!.filter(d => d.id === id)
    assert.equal(ds.length, 1, `${node} delivered it once`)
    assert.equal(ds[0]!.source, n.who.get('a')!.peerId, `${node} got the author's peer id`)
    assert.equal(new TextDecoder().decode(ds[0]!.payload), 'hello')
  }
  const stats = [...honest, 'm'].map(x => n.pt(x).stats)
  const duplicates = stats.reduce((s, x) => s + x.duplicates, 0)
  const delivered = stats.reduce((s, x) => s + x.delivered, 0)
  const verified = stats.reduce((s, x) => s + x.verified, 0)
  assert.ok(duplicates >= 1, 'the redundant link carried a duplicate')
  assert.equal(delivered, 4)
  assert.equal(verified, delivered, 'one signature check per delivery, none for duplicates')
  assert.equal(n.verifier.checked, 4, 'four Ed25519 verifications for four receivers')
  assert.ok(stats.every(s => s.rejected === 0))

  // Later broadcasts travel the tree; IHAVEs for them are never verified either.
  for (let k = 0; k < 5; k++) n.pt(honest[k % 4]!).broadcast(n.sim.now, new Uint8Array([k]))
  n.sim.run(n.sim.now + 2000)
  const after = [...honest, 'm'].map(x => n.pt(x).stats)
  assert.equal(after.reduce((s, x) => s + x.verified, 0), after.reduce((s, x) => s + x.delivered, 0))
  assert.equal(n.verifier.checked, 6 * 4)
})

test('forged source, bad signature, tampered payload: refused, counted, penalised, not forwarded or cached; the genuine message still arrives', () => {
  const n = net()
  const a = n.who.get('a')!
  const m = n.who.get('m')!
  const payload = new TextEncoder().encode('pay 10 to bob')
  const genuine = signGossip(a, 42, payload)
  const forgeries: Gossip[] = [
    // m signs with its own key but names a as the source
    { ...genuine, payload: new TextEncoder().encode('pay 10 to mallory'), signature: signBytes(m, signedBytes(a.peerId, 42, new TextEncoder().encode('pay 10 to mallory'))) },
    // a's signature, another payload
    { ...genuine, payload: new TextEncoder().encode('pay 99 to mallory') },
    // a signature that is no signature
    { ...genuine, signature: new Uint8Array(64).fill(7) },
    // a's signature of seqno 42, moved to seqno 43
    { ...genuine, id: `${a.peerId}/43`, seqno: 43 }
  ]
  for (const f of forgeries) n.sim.inject('m', 'b', 'broadcast', codec.encode(f))
  n.sim.run(100)
  const b = n.pt('b')
  assert.equal(b.stats.rejected, 4)
  assert.equal(b.stats.rejections['bad-signature'], 4)
  assert.equal(b.stats.verified, 4, 'each forgery was checked once')
  assert.deepEqual(n.reports.get('b')!.map(r => [r.peer, r.sanction]), Array(4).fill(['m', 'penalise']))
  assert.ok(n.reports.get('b')!.every(r => /bad-signature/.test(r.reason)))
  assert.equal(n.got.get('b')!.length, 0, 'nothing delivered')
  assert.equal(n.pushes.length, 0, 'nothing forwarded')
  // Not cached: a GRAFT for the id gets no answer.
  n.sim.inject('c', 'b', 'broadcast', codec.encode({ kind: 'graft', id: genuine.id, round: 0 }))
  n.sim.run(200)
  assert.equal(b.stats.graftsAnswered, 0)
  assert.equal(n.pushes.length, 0)

  // The genuine message, with the same id, is not mistaken for a duplicate: delivered everywhere.
  n.sim.inject('m', 'b', 'broadcast', codec.encode(genuine))
  n.sim.run(1500)
  for (const node of honest) {
    const ds = n.got.get(node)!
    assert.equal(ds.length, 1, `${node} delivered the genuine message`)
    assert.equal(new TextDecoder().decode(ds[0]!.payload), 'pay 10 to bob')
    assert.equal(ds[0]!.source, a.peerId)
  }
  assert.equal(b.stats.rejected, 4)
})

test('a peer that keeps sending forgeries is banned at maxStrikes', () => {
  const n = net({ maxStrikes: 3 })
  const a = n.who.get('a')!
  for (let k = 0; k < 3; k++) {
    const g = signGossip(a, k, new Uint8Array([k]))
    n.sim.inject('m', 'b', 'broadcast', codec.encode({ ...g, payload: new Uint8Array([k, 1]) }))
  }
  n.sim.run(100)
  assert.deepEqual(n.reports.get('b')!.map(r => r.sanction), ['penalise', 'penalise', 'ban'])
  assert.equal(n.sim.node('b')!.links.has('m'), false, 'the link to m is closed')
  // b still serves honest peers.
  const id = n.pt('c').broadcast(n.sim.now, new Uint8Array([5]))
  n.sim.run(n.sim.now + 1000)
  for (const node of honest) assert.ok(n.got.get(node)!.some(d => d.id === id))
})

test('duplicates and IHAVEs cost no signature check; unsigned and wrongly identified messages are refused under StrictSign', () => {
  const n = net()
  const a = n.who.get('a')!
  const g = signGossip(a, 1, new Uint8Array([1]))
  const b = n.pt('b')
  // IHAVE first: no check, a GRAFT follows the timer.
  n.sim.inject('m', 'b', 'broadcast', codec.encode({ kind: 'ihave', ids: [g.id], rounds: [0] }))
  n.sim.run(50)
  assert.equal(b.stats.verified, 0)
  // The same message three times from m: checked once, two duplicates.
  for (let k = 0; k < 3; k++) n.sim.inject('m', 'b', 'broadcast', codec.encode(g))
  n.sim.run(n.sim.now + 30)
  assert.equal(b.stats.verified, 1)
  assert.equal(b.stats.duplicates, 2)
  // A plain (unsigned) message and one whose signature field is missing.
  n.sim.inject('m', 'b', 'broadcast', codec.encode({ kind: 'gossip', id: 'm/1', round: 1, payload: new Uint8Array([2]) }))
  const { signature: _, ...unsigned } = signGossip(a, 2, new Uint8Array([2]))
  n.sim.inject('m', 'b', 'broadcast', codec.encode(unsigned))
  n.sim.run(n.sim.now + 30)
  assert.equal(b.stats.rejections['missing-source'], 1)
  assert.equal(b.stats.rejections['missing-signature'], 1)
  assert.equal(b.stats.verified, 1, 'neither reached the verifier')
  assert.equal(n.verifier.checked, 1 + 3, 'b once, then a, c, d as the message spread')
})

test('StrictNoSign: unsigned broadcasts flow with no source; messages with signature fields are refused', () => {
  assert.throws(() => net({}, false), (e: unknown) => e instanceof UsageError && /StrictSign needs the node's identity/.test(e.message))
  const n = net({ signaturePolicy: 'StrictNoSign' }, false)
  const id = n.pt('a').broadcast(0, new Uint8Array([1]))
  n.sim.run(1000)
  for (const node of honest) assert.deepEqual(n.got.get(node)!.map(d => [d.id, d.source]), [[id, null]])
  assert.equal(id.startsWith('a/'), true, 'the id names the sending node')
  const signed = signGossip(n.who.get('a')!, 9, new Uint8Array([9]))
  n.sim.inject('m', 'b', 'broadcast', codec.encode(signed))
  n.sim.inject('m', 'b', 'broadcast', codec.encode({ kind: 'gossip', id: 'x/1', round: 1, payload: new Uint8Array([1]), signature: new Uint8Array(64) }))
  n.sim.run(n.sim.now + 500)
  const b = n.pt('b')
  assert.equal(b.stats.rejections['unexpected-signature-fields'], 2)
  assert.equal(b.stats.verified, 0)
  assert.equal(n.verifier.checked, 0)
  assert.equal(n.got.get('b')!.length, 1)
  assert.deepEqual(n.reports.get('b')!.map(r => [r.peer, r.sanction]), [['m', 'penalise'], ['m', 'penalise']])
})

test('a GOSSIP from a peer that is not a neighbour is used and counted', () => {
  const n = net()
  n.pt('b').neighborDown(0, 'm')
  const g = signGossip(n.who.get('m')!, 1, new Uint8Array([3]))
  n.sim.inject('m', 'b', 'broadcast', codec.encode(g))
  n.sim.run(1000)
  assert.equal(n.pt('b').stats.fromNonNeighbours, 1)
  for (const node of honest) assert.equal(n.got.get(node)!.filter(d => d.id === g.id).length, 1)
})

test('a restarted source does not reuse its ids: sequence numbers start at a random point per incarnation', () => {
  const sim = new Simulator({ seed: 1 })
  sim.addNode('a', ctx => [new Plumtree(ctx.env('broadcast'), ident(1))])
  const first = sim.core<Plumtree>('a', 'broadcast').broadcast(0, new Uint8Array(0))
  sim.crash('a')
  sim.restart('a', { keepState: false })
  const again = sim.core<Plumtree>('a', 'broadcast').broadcast(sim.now, new Uint8Array(0))
  assert.notEqual(first, again)
  for (const id of [first, again]) assert.ok(Number.isSafeInteger(Number(id.split('/')[1])))
})

test('payloads larger than the verification buffer are checked like any other', () => {
  const n = net()
  const big = new Uint8Array(100_000).fill(9)
  const id = n.pt('c').broadcast(0, big)
  n.sim.run(1000)
  for (const node of [...honest, 'm']) if (node !== 'c') assert.equal(n.got.get(node)!.find(d => d.id === id)?.payload.length, 100_000, node)
  assert.equal(n.pt('b').stats.rejected, 0)
  // …and the buffer, grown, still checks small ones, and refuses a forgery after a large message.
  const g = signGossip(n.who.get('a')!, 5, new Uint8Array([1]))
  n.sim.inject('m', 'b', 'broadcast', codec.encode({ ...g, payload: new Uint8Array([2]) }))
  n.sim.inject('m', 'b', 'broadcast', codec.encode(g))
  n.sim.run(n.sim.now + 1000)
  assert.equal(n.pt('b').stats.rejections['bad-signature'], 1)
  assert.ok(n.got.get('d')!.some(d => d.id === g.id))
})
