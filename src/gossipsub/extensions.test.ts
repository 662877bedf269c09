import { test } from 'node:test'
import assert from 'node:assert/strict'
import { noopIo } from '../core/io.js'
import { identityFromSeed } from '../core/identity.js'
import { Rng } from '../core/rng.js'
import { Simulator } from '../sim/simulator.js'
import type { RPC } from '../wire/rpc.js'
import { RpcCodec } from './codec.js'
import { MESHSUB_V13 } from './extensions.js'
import { GossipSub, MESHSUB_PROTOCOLS, type GossipSubConfig } from './gossipsub.js'

const V12 = '/meshsub/1.2.0'
const peer = identityFromSeed(new Uint8Array(32).fill(7)).peerId

/** One router outside any driver, recording what it sends and reports. */
function router (config: Partial<GossipSubConfig> = {}): { gs: GossipSub, sent: Array<{ to: string, rpc: RPC }>, reports: string[] } {
  const me = identityFromSeed(new Uint8Array(32).fill(1))
  const sent: Array<{ to: string, rpc: RPC }> = []
  const reports: string[] = []
  const io = noopIo<RPC, never, never>({ send: (to, rpc) => sent.push({ to, rpc }), report: (p, sanction, reason) => reports.push(`${p} ${sanction} ${reason}`) })
  const gs = new GossipSub({ id: me.peerId, name: 'gossipsub', rng: new Rng(1), io }, me, { testExtension: true, ...config })
  return { gs, sent, reports }
}

const withExtensions = (ext: RPC.ControlExtensions): RPC => ({ subscriptions: [], messages: [], control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [], extensions: ext } })

test('v1.3 comes first in the offered protocol ids; older routers can be configured', () => {
  assert.equal(MESHSUB_PROTOCOLS[0], MESHSUB_V13)
  assert.deepEqual(router().gs.wire.protocolIds, MESHSUB_PROTOCOLS)
  assert.deepEqual(router({ protocols: [V12] }).gs.wire.protocolIds, [V12])
  assert.throws(() => router({ protocols: ['/meshsub/9.9.9'] }), /gossipsub.protocols/)
  assert.throws(() => router({ protocols: [] }), /gossipsub.protocols/)
})

test('Extensions go in the first RPC to a 1.3 peer, with the subscriptions, and never again', () => {
  const { gs, sent } = router()
  gs.subscribe(0, 't')
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  assert.equal(sent.length, 1)
  assert.deepEqual(sent[0]!.rpc.subscriptions, [{ subscribe: true, topic: 't' }])
  assert.deepEqual(sent[0]!.rpc.control?.extensions, { testExtension: true })
  gs.subscribe(1, 'u')
  gs.onMessage(2, peer, { subscriptions: [{ subscribe: true, topic: 't' }], messages: [] })
  assert.ok(sent.length > 1)
  assert.ok(sent.slice(1).every(s => s.rpc.control?.extensions === undefined), 'no later RPC repeats them')
  assert.equal(gs.stats.extensionsSent, 1)
})

test('Extensions alone make a first RPC when we subscribe to nothing', () => {
  const { gs, sent } = router()
  gs.onPeerUp(0, peer, { outbound: false, protocol: MESHSUB_V13 })
  assert.equal(sent.length, 1)
  assert.deepEqual(sent[0]!.rpc.control?.extensions, { testExtension: true })
  assert.equal(new RpcCodec().decode(new RpcCodec().encode(sent[0]!.rpc)).control?.extensions?.testExtension, true, 'survives the codec')
})

test('no Extensions to a peer on 1.2 / 1.1 / 1.0 or of unknown version, nor when we support none', () => {
  for (const protocol of [V12, '/meshsub/1.1.0', '/meshsub/1.0.0', undefined]) {
    const { gs, sent } = router()
    gs.subscribe(0, 't')
    gs.onPeerUp(0, peer, protocol === undefined ? { outbound: true } : { outbound: true, protocol })
    assert.equal(sent.length, 1, String(protocol))
    assert.equal(sent[0]!.rpc.control, undefined, String(protocol))
    // The peer cannot turn extensions on over an older stream: nothing is answered.
    gs.onMessage(1, peer, withExtensions({ testExtension: true }))
    assert.equal(sent.length, 1, String(protocol))
  }
  const { gs, sent } = router({ testExtension: false })
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  assert.equal(sent.length, 0, 'nothing to say: no RPC at all')
  assert.equal(gs.stats.extensionsSent, 0)
})

test('the peer\'s first RPC says what it supports; both on the Test Extension: one test message each way', () => {
  const { gs, sent } = router()
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  assert.equal(gs.extensions.peerExtensions(peer), undefined, 'unknown until its first RPC')
  gs.onMessage(1, peer, withExtensions({ testExtension: true }))
  assert.deepEqual(gs.extensions.peerExtensions(peer), { testExtension: true, partialMessages: false })
  const tests = sent.filter(s => s.rpc.testExtension !== undefined)
  assert.equal(tests.length, 1, 'one Test Extension message')
  assert.equal(gs.stats.testExtensionsSent, 1)
  assert.equal(gs.extensions.testReceived(peer), false)
  gs.onMessage(2, peer, { subscriptions: [], messages: [], testExtension: {} })
  assert.equal(gs.extensions.testReceived(peer), true)
  assert.equal(gs.stats.testExtensionsReceived, 1)
})

test('a first RPC without Extensions means none: a later one is misbehaviour, penalised (P7) and counted, not a ban', () => {
  const { gs, sent, reports } = router()
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  gs.onMessage(1, peer, { subscriptions: [{ subscribe: true, topic: 't' }], messages: [] })
  assert.deepEqual(gs.extensions.peerExtensions(peer), { testExtension: false, partialMessages: false })
  const before = gs.score.score(2, peer)
  gs.onMessage(2, peer, withExtensions({ testExtension: true }))
  assert.equal(gs.stats.extensionsRepeated, 1)
  assert.deepEqual(reports, [`${peer} penalise repeated Extensions control message`])
  assert.ok(gs.score.score(2, peer) < before, 'behaviour penalty')
  assert.deepEqual(gs.extensions.peerExtensions(peer), { testExtension: false, partialMessages: false }, 'the late message changes nothing')
  assert.equal(sent.filter(s => s.rpc.testExtension !== undefined).length, 0)
  assert.ok(gs.hasPeer(peer), 'still connected')
})

test('a repeated Extensions message costs each time; the count is reset by a new stream', () => {
  const { gs, reports } = router()
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  gs.onMessage(1, peer, withExtensions({ testExtension: true }))
  gs.onMessage(2, peer, withExtensions({ testExtension: true }))
  gs.onMessage(3, peer, withExtensions({}))
  assert.equal(gs.stats.extensionsRepeated, 2)
  assert.equal(reports.length, 2)
  gs.onPeerDown(4, peer)
  gs.onPeerUp(5, peer, { outbound: true, protocol: MESHSUB_V13 })
  gs.onMessage(6, peer, withExtensions({ testExtension: true }))
  assert.equal(gs.stats.extensionsRepeated, 2, 'first message of the new stream')
})

test('unknown extensions and unknown extension messages are ignored', () => {
  const { gs, sent, reports } = router()
  gs.onPeerUp(0, peer, { outbound: true, protocol: MESHSUB_V13 })
  // control { extensions { field 7: true, partialMessages (10): true } } and, at RPC level, field 10 (go's
  // partial messages) with one byte and experimental field 0x3fffff with an empty message.
  const codec = new RpcCodec()
  const bytes = Uint8Array.from([0x1a, 0x06, 0x32, 0x04, 0x38, 0x01, 0x50, 0x01, 0x52, 0x01, 0x00, 0xfa, 0xff, 0xff, 0x0f, 0x00])
  const rpc = codec.decode(bytes)
  gs.onMessage(1, peer, rpc)
  assert.deepEqual(gs.extensions.peerExtensions(peer), { testExtension: false, partialMessages: true })
  assert.equal(sent.filter(s => s.rpc.testExtension !== undefined).length, 0, 'the peer did not advertise the Test Extension')
  assert.deepEqual(reports, [])
})

test('simulator: 1.3 routers exchange extensions; a 1.2 router gets none, and messages flow among all three', () => {
  const sim = new Simulator({ seed: 3 })
  const idents = [2, 3, 4].map(n => identityFromSeed(new Uint8Array(32).fill(n)))
  const [a, b, c] = idents.map(i => i.peerId) as [string, string, string]
  const configs: Array<Partial<GossipSubConfig>> = [{ testExtension: true }, { testExtension: true }, { testExtension: true, protocols: MESHSUB_PROTOCOLS.slice(1) }]
  const got = new Map<string, string[]>()
  idents.forEach((ident, i) => sim.addNode(ident.peerId, ctx => [new GossipSub(ctx.env('gossipsub', {
    event: e => { if (e.type === 'message') got.set(ctx.id, [...(got.get(ctx.id) ?? []), new TextDecoder().decode(e.data)]) }
  }), ident, configs[i])]))
  const gs = (id: string): GossipSub => sim.core<GossipSub>(id, 'gossipsub')
  for (const id of [a, b, c]) gs(id).subscribe(0, 't')
  sim.link(a, b)
  sim.link(a, c)
  sim.link(b, c)
  sim.run(3000)
  assert.deepEqual(gs(a).extensions.peerExtensions(b), { testExtension: true, partialMessages: false })
  assert.ok(gs(a).extensions.testReceived(b) && gs(b).extensions.testReceived(a), 'Test Extension both ways')
  assert.deepEqual(gs(a).extensions.peerExtensions(c), { testExtension: false, partialMessages: false }, 'the 1.2 router sent none')
  assert.deepEqual(gs(c).extensions.peerExtensions(a), { testExtension: false, partialMessages: false }, 'nor got any')
  assert.equal(gs(a).stats.extensionsSent, 1)
  assert.equal(gs(c).stats.extensionsSent, 0)
  for (const id of [a, b, c]) {
    assert.equal(gs(id).stats.extensionsRepeated, 0)
    assert.equal(gs(id).stats.testExtensionsSent, id === c ? 0 : 1)
  }
  for (const [i, id] of [a, b, c].entries()) gs(id).publish(sim.now, 't', new TextEncoder().encode(`m${i}`))
  sim.run(sim.now + 1000)
  for (const id of [a, b, c]) assert.deepEqual(got.get(id)?.sort(), ['m0', 'm1', 'm2'], 'each its own and both others\'')
  assert.ok(gs(a).stats.delivered === 2 && gs(c).stats.delivered === 2)
})
