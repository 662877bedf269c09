import { test } from 'node:test'
import assert from 'node:assert/strict'
import { noopIo } from '../core/io.js'
import { Rng } from '../core/rng.js'
import { identityFromSeed, type Identity } from '../core/identity.js'
import type { RPC } from '../wire/rpc.js'
import { GossipSub, type GossipSubConfig, type GossipSubTimer } from './gossipsub.js'
import { seqnoBytes, signMessage } from './signing.js'

const control = (c: Partial<RPC.ControlMessage>): RPC => ({ subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], ...c } })
const subscribeRpc = (topic: string): RPC => ({ subscriptions: [{ subscribe: true, topic }], messages: [] })

/** A router with `n` other peers (the first `direct` of them under a peering agreement), recording its outputs. */
function router (n: number, direct: number, config: Partial<GossipSubConfig> = {}): { x: GossipSub, me: Identity, peers: Identity[], sent: Array<{ to: string, rpc: RPC }>, io: { connects: string[], holds: string[], reports: string[], timers: Array<{ at: number, timer: GossipSubTimer }> } } {
  const rng = new Rng(7)
  const [me, ...peers] = Array.from({ length: n + 1 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const sent: Array<{ to: string, rpc: RPC }> = []
  const io = { connects: [] as string[], holds: [] as string[], reports: [] as string[], timers: [] as Array<{ at: number, timer: GossipSubTimer }> }
  const x = new GossipSub({
    id: me!.peerId,
    name: 'gossipsub',
    rng: new Rng(1),
    io: noopIo({
      send: (to, rpc) => { sent.push({ to, rpc }) },
      connect: p => io.connects.push(p),
      hold: p => io.holds.push(p),
      report: (p, s, why) => io.reports.push(`${p} ${s} ${why}`),
      setTimer: (at, timer) => io.timers.push({ at, timer })
    })
  }, me!, { directPeers: peers.slice(0, direct).map(p => p.peerId), ...config })
  return { x, me: me!, peers, sent, io }
}

const messagesTo = (sent: Array<{ to: string, rpc: RPC }>, p: string): number => sent.filter(s => s.to === p).reduce((k, s) => k + s.rpc.messages.length, 0)

test('direct peers: never in the mesh, yet they get every message of their topics (forwarded and published)', () => {
  const { x, peers, sent, io } = router(4, 1)
  const [d, ...others] = peers.map(p => p.peerId)
  for (const p of [d!, ...others]) {
    x.onPeerUp(0, p, { outbound: true })
    x.onMessage(0, p, subscribeRpc('t'))
  }
  x.subscribe(0, 't')
  assert.ok(io.holds.includes(d!), 'the direct peer is held')
  assert.ok(!x.mesh.get('t')!.has(d!), 'not grafted')
  assert.equal(x.mesh.get('t')!.size, 3)
  assert.ok(!sent.some(s => s.to === d && (s.rpc.control?.graft.length ?? 0) > 0), 'no GRAFT to the direct peer')
  const author = identityFromSeed(new Uint8Array(32).fill(3))
  x.onMessage(1, others[0]!, { subscriptions: [], messages: [signMessage(author, 't', new Uint8Array([1]), seqnoBytes(1n))] })
  assert.equal(messagesTo(sent, d!), 1, 'forwarded to the direct peer')
  assert.ok(x.publishTargets(2, 't').includes(d!))
  const noFlood = router(4, 1, { floodPublish: false })
  const nd = noFlood.peers[0]!.peerId
  for (const p of noFlood.peers) {
    noFlood.x.onPeerUp(0, p.peerId, { outbound: true })
    noFlood.x.onMessage(0, p.peerId, subscribeRpc('t'))
  }
  noFlood.x.subscribe(0, 't')
  const r = noFlood.x.publish(1, 't', new Uint8Array([2]))
  assert.equal(r.recipients, 4, 'mesh (3) and the direct peer')
  assert.equal(messagesTo(noFlood.sent, nd), 1)
  // Publishing without subscribing: the fanout leaves the direct peer out, the publish does not.
  const r2 = noFlood.x.publish(2, 'u', new Uint8Array([3]))
  assert.equal(r2.recipients, 0)
  for (const p of noFlood.peers) noFlood.x.onMessage(3, p.peerId, subscribeRpc('u'))
  const r3 = noFlood.x.publish(4, 'u', new Uint8Array([4]))
  assert.equal(r3.recipients, 4)
  assert.ok(!noFlood.x.fanout.get('u')!.has(nd), 'the direct peer is not in the fanout')
})

test('direct peers: a GRAFT from one is answered with PRUNE (no PX, no score penalty) and reported', () => {
  const { x, peers, sent, io } = router(2, 1, { doPX: true })
  const d = peers[0]!.peerId
  x.onPeerUp(0, d, { outbound: false })
  x.onPeerUp(0, peers[1]!.peerId, { outbound: false })
  x.subscribe(0, 't')
  x.onMessage(0, d, subscribeRpc('t'))
  x.onMessage(0, peers[1]!.peerId, subscribeRpc('t'))
  sent.length = 0
  x.onMessage(1, d, control({ graft: [{ topicID: 't' }] }))
  const prunes = sent.filter(s => s.to === d).flatMap(s => s.rpc.control?.prune ?? [])
  assert.equal(prunes.length, 1)
  assert.deepEqual(prunes[0]!.peers, [], 'no peer exchange to a direct peer')
  assert.ok(!x.mesh.get('t')!.has(d))
  assert.deepEqual(io.reports, [`${d} penalise graft from a direct peer`])
  assert.equal(x.score.score(1, d), 0, 'no behaviour penalty')
  // Heartbeats never graft it either.
  for (let t = 1000; t <= 5000; t += 1000) x.onTimer(t, { kind: 'heartbeat', token: 1 })
  assert.ok(!x.mesh.get('t')!.has(d))
  // Nor is it offered to others in a PRUNE's peer exchange.
  sent.length = 0
  x.onMessage(6000, peers[1]!.peerId, control({ graft: [{ topicID: 'nope' }] }))
  x.unsubscribe(6000, 't')
  for (const s of sent) for (const pr of s.rpc.control?.prune ?? []) assert.equal(pr.peers.length, 0)
})

test('direct peers: no IHAVE gossip to them; their RPCs are accepted even when graylisted', () => {
  const { x, peers, sent } = router(10, 1, { D: 2, Dlo: 1, Dhi: 3, Dout: 0, Dlazy: 8, graftOnSubscribe: false })
  const d = peers[0]!.peerId
  for (const p of peers) {
    x.onPeerUp(0, p.peerId, { outbound: true })
    x.onMessage(0, p.peerId, subscribeRpc('t'))
  }
  x.subscribe(0, 't')
  x.publish(0, 't', new Uint8Array([1]))
  x.start(0)
  sent.length = 0
  x.onTimer(1000, { kind: 'heartbeat', token: 1 })
  const ihaveTo = new Set(sent.filter(s => (s.rpc.control?.ihave.length ?? 0) > 0).map(s => s.to))
  assert.equal(ihaveTo.size, 7, 'every non-mesh peer but the direct one gets IHAVE')
  assert.ok(!ihaveTo.has(d))
  x.score.addPenalty(d, 100)
  assert.ok(x.score.score(1000, d) < x.config.thresholds.graylistThreshold)
  const author = identityFromSeed(new Uint8Array(32).fill(4))
  const before = x.stats.graylisted
  x.onMessage(1001, d, { subscriptions: [], messages: [signMessage(author, 't', new Uint8Array([9]), seqnoBytes(1n))] })
  assert.equal(x.stats.graylisted, before, 'not graylisted')
  assert.equal(x.stats.delivered, 1)
})

test('direct peers: dialled after directConnectInitialDelayMs, then every directConnectTicks heartbeats while down', () => {
  const { x, peers, io } = router(3, 2, { directConnectTicks: 3, directConnectInitialDelayMs: 500 })
  const [d1, d2] = peers.map(p => p.peerId)
  x.start(0)
  const first = io.timers.find(t => t.timer.kind === 'direct-connect')
  assert.equal(first?.at, 500)
  x.onTimer(500, first!.timer)
  assert.deepEqual(io.connects.sort(), [d1!, d2!].sort())
  x.onPeerUp(600, d1!, { outbound: true })
  io.connects.length = 0
  for (let i = 1; i <= 6; i++) x.onTimer(500 + i * 1000, { kind: 'heartbeat', token: 1 })
  assert.deepEqual(io.connects, [d2!, d2!], 'only the one down, at heartbeats 3 and 6')
  x.onPeerDown(7000, d1!)
  io.connects.length = 0
  for (let i = 7; i <= 9; i++) x.onTimer(500 + i * 1000, { kind: 'heartbeat', token: 1 })
  assert.deepEqual(io.connects.sort(), [d1!, d2!].sort(), 'the lost one is redialled')
})

test('direct peers: config checked', () => {
  assert.throws(() => router(1, 1, { directConnectTicks: 0 }), /directConnectTicks/)
  assert.throws(() => router(1, 0, { directPeers: [''] }), /directPeers/)
})
