// An application written against @libp2p/gossipsub's API, run with a gossipsub service factory: once with
// @libp2p/gossipsub itself, once with grapevine's drop-in (`grapevine/libp2p`), and with both in one
// network. Three js-libp2p hosts on 127.0.0.1 in a line A — B — C, so what C gets from A was relayed (and
// validated) by B.
import '../../src/net/shim.js'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gossipsub as jsGossipsub } from '@libp2p/gossipsub'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { waitUntil } from '../../src/agent/cluster.js'
import { gossipsub as grapevineGossipsub, routerConfig, TopicValidatorResult, type Message } from '../../src/exports/libp2p.js'
import { loopbackHost, seedOf } from './helpers.js'

/** The part of @libp2p/gossipsub's GossipSub class this application uses. */
interface PubSub extends EventTarget {
  globalSignaturePolicy: string
  protocols: string[]
  topicValidators: Map<string, (peer: PeerId, msg: Message) => TopicValidatorResult | Promise<TopicValidatorResult>>
  subscribe: (topic: string) => void
  unsubscribe: (topic: string) => void
  publish: (topic: string, data: Uint8Array) => Promise<{ recipients: PeerId[] }>
  getTopics: () => string[]
  getPeers: () => PeerId[]
  getSubscribers: (topic: string) => PeerId[]
  getMeshPeers: (topic: string) => string[]
  reportMessageValidationResult: (msgId: string, source: string, result: TopicValidatorResult) => void
  getScore: (peerId: string) => number
}

type Impl = 'js' | 'grapevine'
type Factory = (init: Record<string, unknown>) => unknown

const FACTORIES: Record<Impl, Factory> = {
  js: init => jsGossipsub(init),
  grapevine: init => grapevineGossipsub(init)
}

interface App {
  host: Libp2p
  pubsub: PubSub
  id: string
  /** Texts of the 'message' events, per topic. */
  got: Map<string, string[]>
  messages: Message[]
  changes: Array<{ peer: string, topic: string, subscribe: boolean }>
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function app (impl: Impl, n: number, policy: 'StrictSign' | 'StrictNoSign', init: Record<string, unknown> = {}): Promise<App> {
  const host = await loopbackHost(n, FACTORIES[impl]({ globalSignaturePolicy: policy, ...init }) as never)
  const pubsub = (host.services as { pubsub: PubSub }).pubsub
  const a: App = { host: host as unknown as Libp2p, pubsub, id: host.peerId.toString(), got: new Map(), messages: [], changes: [] }
  pubsub.addEventListener('message', (e) => {
    const m = (e as CustomEvent<Message>).detail
    a.messages.push(m)
    a.got.set(m.topic, [...(a.got.get(m.topic) ?? []), new TextDecoder().decode(m.data)])
  })
  pubsub.addEventListener('subscription-change', (e) => {
    const d = (e as CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>).detail
    for (const s of d.subscriptions) a.changes.push({ peer: d.peerId.toString(), topic: s.topic, subscribe: s.subscribe })
  })
  return a
}

const got = (a: App, topic: string): string[] => a.got.get(topic) ?? []
const subscribers = (a: App, topic: string): string[] => a.pubsub.getSubscribers(topic).map(String).sort()

const RUNS: Array<{ name: string, impls: [Impl, Impl, Impl] }> = [
  { name: '@libp2p/gossipsub alone', impls: ['js', 'js', 'js'] },
  { name: 'grapevine alone', impls: ['grapevine', 'grapevine', 'grapevine'] },
  { name: 'mixed, grapevine relays', impls: ['js', 'grapevine', 'js'] },
  { name: 'mixed, @libp2p/gossipsub relays', impls: ['grapevine', 'js', 'grapevine'] }
]

for (const [r, run] of RUNS.entries()) {
  for (const policy of ['StrictSign', 'StrictNoSign'] as const) {
    test(`libp2p service API, ${run.name}, ${policy}: subscribe, publish, validators, async validation, emitSelf, unsubscribe`, { timeout: 60_000 }, async () => {
      const base = 100 + r * 10 + (policy === 'StrictSign' ? 0 : 5)
      // B validates asynchronously: every message it gets waits for the application's verdict.
      const A = await app(run.impls[0], base + 1, policy)
      const B = await app(run.impls[1], base + 2, policy, { asyncValidation: true })
      const C = await app(run.impls[2], base + 3, policy, { emitSelf: true })
      const all = [A, B, C]
      try {
        assert.equal(A.pubsub.globalSignaturePolicy, policy)
        assert.ok(A.pubsub.protocols.includes('/meshsub/1.1.0'), 'it speaks meshsub')
        // B's application: reject what starts with "async-no", accept the rest.
        const verdicts: string[] = []
        B.pubsub.addEventListener('gossipsub:message', (e) => {
          const d = (e as CustomEvent<{ msgId: string, propagationSource: PeerId, msg: Message }>).detail
          const t = new TextDecoder().decode(d.msg.data)
          verdicts.push(t)
          B.pubsub.reportMessageValidationResult(d.msgId, d.propagationSource.toString(), t.startsWith('async-no') ? TopicValidatorResult.Reject : TopicValidatorResult.Accept)
        })
        // B's synchronous validator on topic "v" runs first.
        B.pubsub.topicValidators.set('v', async (_peer, msg) => {
          const t = new TextDecoder().decode(msg.data)
          return t === 'bad' ? TopicValidatorResult.Reject : t === 'meh' ? TopicValidatorResult.Ignore : TopicValidatorResult.Accept
        })
        await assert.rejects(A.pubsub.publish('t', text('to nobody')), /NoPeersSubscribedToTopic/, 'no peers and allowPublishToZeroTopicPeers off: an error')

        for (const a of all) { a.pubsub.subscribe('t'); a.pubsub.subscribe('v') }
        assert.deepEqual(A.pubsub.getTopics().sort(), ['t', 'v'])
        await A.host.dial(B.host.getMultiaddrs()[0]!)
        await B.host.dial(C.host.getMultiaddrs()[0]!)
        await waitUntil('subscriptions and meshes along the line', () =>
          subscribers(A, 't').join() === B.id && subscribers(C, 'v').join() === B.id && subscribers(B, 't').join() === [A.id, C.id].sort().join() &&
          subscribers(B, 'v').join() === [A.id, C.id].sort().join() &&
          B.pubsub.getMeshPeers('t').length === 2 && B.pubsub.getMeshPeers('v').length === 2 && A.pubsub.getMeshPeers('v').length === 1 && C.pubsub.getMeshPeers('t').length === 1)
        assert.deepEqual(B.pubsub.getPeers().map(String).sort(), [A.id, C.id].sort())
        assert.ok(B.changes.some(c => c.peer === A.id && c.topic === 't' && c.subscribe), 'B was told A subscribed to t')
        assert.ok(A.changes.some(c => c.peer === B.id && c.topic === 'v' && c.subscribe), 'A was told B subscribed to v')

        // Publish: A's message reaches B, and C through B (async-accepted); A (no emitSelf) does not see its own.
        const res = await A.pubsub.publish('t', text('hello'))
        assert.deepEqual(res.recipients.map(String), [B.id])
        await waitUntil('hello at C', () => got(C, 't').includes('hello'))
        assert.deepEqual(got(B, 't'), ['hello'])
        assert.deepEqual(got(A, 't'), [], 'no emitSelf at A')
        const m = C.messages.find(x => x.topic === 't')!
        if (policy === 'StrictSign') {
          assert.equal(m.type, 'signed')
          assert.ok(m.type === 'signed' && m.from.toString() === A.id && typeof m.sequenceNumber === 'bigint' && m.signature.length === 64 && m.key.type === 'Ed25519')
        } else {
          assert.equal(m.type, 'unsigned')
        }

        // Asynchronous validation at B: a rejected message is seen by B's application but never relayed to C.
        await A.pubsub.publish('t', text('async-no 1'))
        await A.pubsub.publish('t', text('async-yes 1'))
        await waitUntil('async-yes at C', () => got(C, 't').includes('async-yes 1'))
        assert.ok(verdicts.includes('async-no 1'), 'B\'s application judged the rejected message')
        assert.deepEqual(got(C, 't'), ['hello', 'async-yes 1'], 'the rejected message stopped at B')

        // Topic validator at B: Reject and Ignore stop a message there, Accept lets it through.
        for (const t of ['bad', 'meh', 'good']) await A.pubsub.publish('v', text(t))
        await waitUntil('good at C', () => got(C, 'v').includes('good'))
        assert.deepEqual(got(B, 'v'), ['good'], 'B\'s application saw only the accepted message')
        assert.deepEqual(got(C, 'v'), ['good'])
        assert.ok(!verdicts.includes('bad') && !verdicts.includes('meh'), 'the validator ran before asynchronous validation')

        // emitSelf at C: its own message comes back to it, and reaches A through B.
        const own = await C.pubsub.publish('t', text('from C'))
        assert.deepEqual(own.recipients.map(String).sort(), [B.id, C.id].sort(), 'emitSelf counts the publisher as a recipient, as @libp2p/gossipsub does')
        await waitUntil('from C at A', () => got(A, 't').includes('from C'))
        assert.ok(got(C, 't').includes('from C'), 'emitSelf: C got its own message')

        // Unsubscribe: B hears of it, C gets no more of t, and its topics shrink.
        C.pubsub.unsubscribe('t')
        assert.deepEqual(C.pubsub.getTopics(), ['v'])
        await waitUntil('B sees C leave t', () => B.changes.some(c => c.peer === C.id && c.topic === 't' && !c.subscribe) && subscribers(B, 't').join() === A.id)
        await A.pubsub.publish('t', text('after'))
        await A.pubsub.publish('v', text('marker'))
        await waitUntil('marker at C', () => got(C, 'v').includes('marker'))
        await waitUntil('after at B', () => got(B, 't').includes('after'))
        assert.ok(!got(C, 't').includes('after'), 'C left t: nothing more of it')
      } finally {
        for (const a of all) await a.host.stop()
      }
    })
  }
}

for (const impl of ['js', 'grapevine'] as const) {
  test(`libp2p service events, ${impl}: gossipsub:heartbeat, gossipsub:graft both ways, gossipsub:prune on unsubscribe, peer scores`, { timeout: 30_000 }, async () => {
    const A = await app(impl, 140, 'StrictSign', { heartbeatInterval: 200 })
    const B = await app(impl, 141, 'StrictSign', { heartbeatInterval: 200 })
    try {
      let heartbeats = 0
      A.pubsub.addEventListener('gossipsub:heartbeat', () => { heartbeats++ })
      const mesh: Array<{ at: string, type: string, peer: string, topic: string, direction: string }> = []
      for (const a of [A, B]) {
        for (const type of ['gossipsub:graft', 'gossipsub:prune']) {
          a.pubsub.addEventListener(type, (e) => {
            const d = (e as CustomEvent<{ peerId: unknown, topic: string, direction: string }>).detail
            mesh.push({ at: a.id, type, peer: String(d.peerId), topic: d.topic, direction: d.direction })
          })
        }
      }
      A.pubsub.subscribe('m')
      B.pubsub.subscribe('m')
      await A.host.dial(B.host.getMultiaddrs()[0]!)
      await waitUntil('a mesh both ways', () => A.pubsub.getMeshPeers('m').join() === B.id && B.pubsub.getMeshPeers('m').join() === A.id)
      await waitUntil('graft events', () => mesh.some(m => m.at === A.id && m.type === 'gossipsub:graft' && m.peer === B.id && m.topic === 'm') &&
        mesh.some(m => m.at === B.id && m.type === 'gossipsub:graft' && m.peer === A.id && m.topic === 'm'))
      await waitUntil('heartbeats', () => heartbeats >= 3)
      const scores = (A.pubsub as unknown as { dumpPeerScoreStats: () => Record<string, unknown> }).dumpPeerScoreStats()
      assert.ok(B.id in scores, 'A has a score record for B')
      B.pubsub.unsubscribe('m')
      await waitUntil('prune events both sides', () => mesh.some(m => m.at === B.id && m.type === 'gossipsub:prune' && m.peer === A.id && m.direction === 'outbound') &&
        mesh.some(m => m.at === A.id && m.type === 'gossipsub:prune' && m.peer === B.id && m.direction === 'inbound'))
      assert.deepEqual(A.pubsub.getMeshPeers('m'), [], 'A dropped B from its mesh')
    } finally {
      await A.host.stop()
      await B.host.stop()
    }
  })
}

test('libp2p service options: @libp2p/gossipsub names map onto the router, unsupported ones throw', () => {
  const c = routerConfig({ D: 8, Dlo: 5, Dhi: 16, Dlazy: 7, Dout: 3, Dscore: 5, heartbeatInterval: 700, fanoutTTL: 30_000, seenTTL: 60_000, pruneBackoff: 30_000, unsubcribeBackoff: 5000, floodPublish: false, doPX: true, globalSignaturePolicy: 'StrictNoSign', gossipsubIWantFollowupMs: 2000, idontwantMinDataSize: 512, scoreThresholds: { gossipThreshold: -20 }, scoreParams: { decayInterval: 2000, IPColocationFactorWeight: -1 } })
  assert.deepEqual([c.D, c.Dlo, c.Dhi, c.Dlazy, c.Dout, c.Dscore, c.heartbeatMs, c.fanoutTtlMs, c.seenTtlMs, c.pruneBackoffMs, c.unsubscribeBackoffMs], [8, 5, 16, 7, 3, 5, 700, 30_000, 60_000, 30_000, 5000])
  assert.deepEqual([c.floodPublish, c.doPX, c.signaturePolicy, c.iwantFollowupMs, c.idontwantMinBytes], [false, true, 'StrictNoSign', 2000, 512])
  assert.equal(c.thresholds?.gossipThreshold, -20)
  assert.equal(c.thresholds?.opportunisticGraftThreshold, 20, '@libp2p/gossipsub\'s default')
  assert.equal(c.score?.decayIntervalMs, 2000)
  assert.equal(c.score?.ipColocationFactorWeight, -1)
  assert.equal(c.score?.defaultTopic, undefined, 'as @libp2p/gossipsub: topics without parameters are not scored')
  assert.throws(() => routerConfig({ fallbackToFloodsub: true }), /fallbackToFloodsub is not supported/)
  const direct = routerConfig({ directPeers: [{ id: peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'), addrs: [] }], directConnectTicks: 60 })
  assert.deepEqual([direct.directPeers, direct.directConnectTicks], [['12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'], 60])
  assert.doesNotThrow(() => routerConfig({ fallbackToFloodsub: false, directPeers: [] }))
})

test('libp2p service options: per-topic score parameters map onto the router\'s, completed and checked as @libp2p/gossipsub does', () => {
  const c = routerConfig({ scoreParams: { topicScoreCap: 5, appSpecificWeight: 2, topics: { t: { topicWeight: 2, timeInMeshQuantum: 500, meshMessageDeliveriesActivation: 2000, meshMessageDeliveriesWindow: 20, invalidMessageDeliveriesWeight: -7 } } } })
  assert.deepEqual(c.score?.topics.t, {
    topicWeight: 2,
    timeInMeshWeight: 1,
    timeInMeshQuantumMs: 500,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 2000,
    meshMessageDeliveriesWeight: -1,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesThreshold: 20,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesActivationMs: 2000,
    meshMessageDeliveriesWindowMs: 20,
    meshFailurePenaltyWeight: -1,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -7,
    invalidMessageDeliveriesDecay: 0.3
  }, 'the given values, @libp2p/gossipsub\'s topic defaults for the rest')
  assert.deepEqual([c.score?.topicScoreCap, c.score?.appSpecificWeight, c.score?.defaultTopic], [5, 2, undefined])
  assert.throws(() => routerConfig({ scoreParams: { topics: { t: { invalidMessageDeliveriesWeight: 1 } } } }), /scoreParams.topics\["t"\]: invalidMessageDeliveriesWeight must be negative/)
  assert.throws(() => routerConfig({ scoreParams: { topics: { t: { meshMessageDeliveriesActivation: 10 } } } }), /meshMessageDeliveriesActivation must be at least 1000 milliseconds/)
  assert.throws(() => routerConfig({ scoreParams: { topics: { t: { timeInMeshQuantum: 0 } } } }), /timeInMeshQuantum must be a positive number of milliseconds/)
  assert.throws(() => routerConfig({ scoreParams: { topicScoreCap: -1 } }), /topicScoreCap must be positive/)
  assert.throws(() => routerConfig({ scoreParams: { appSpecificScore: 3 as never } }), /appSpecificScore must be a function/)
})

test('libp2p service options: msgIdFn becomes the router\'s message id, given messages as applications see them; it must be synchronous', () => {
  const seen: Message[] = []
  const c = routerConfig({ globalSignaturePolicy: 'StrictNoSign', msgIdFn: m => { seen.push(m); return Buffer.from('id:' + new TextDecoder().decode(m.data)) }, fastMsgIdFn: () => 'ignored' })
  const id = c.messageId!({ topic: 't', data: text('x') } as never)
  assert.deepEqual([...id], [...text('id:x')])
  assert.deepEqual(seen, [{ type: 'unsigned', topic: 't', data: text('x') }])
  assert.throws(() => routerConfig({ msgIdFn: (async () => new Uint8Array(1)) as never }), /grapevine needs a synchronous msgIdFn/)
  const promising = routerConfig({ msgIdFn: (() => Promise.resolve(new Uint8Array(1))) as never }) // not async, but returns a Promise
  assert.throws(() => promising.messageId!({ topic: 't', data: text('x') } as never), /grapevine needs a synchronous msgIdFn/, 'refused when first used')
})

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64').replace(/=+$/, '') // unpadded, as @libp2p/gossipsub writes ids
const shortSha = (m: Message): Uint8Array => createHash('sha256').update(m.data).digest().subarray(0, 8)

for (const impl of ['js', 'grapevine'] as const) {
  test(`libp2p service scores, ${impl}: per-topic parameters (a rejected message turns the score negative), appSpecificScore`, { timeout: 30_000 }, async () => {
    let appScoreOfB = 2
    let bId = ''
    // Only P4 counts on topic s; P5 is the application's score.
    const topics = { s: { topicWeight: 1, timeInMeshWeight: 0, firstMessageDeliveriesWeight: 0, meshMessageDeliveriesWeight: 0, meshFailurePenaltyWeight: 0, invalidMessageDeliveriesWeight: -10, invalidMessageDeliveriesDecay: 0.9 } }
    const A = await app(impl, 150, 'StrictSign', { heartbeatInterval: 200, scoreParams: { topics, appSpecificScore: (p: string) => p === bId ? appScoreOfB : 0 } })
    const B = await app(impl, 151, 'StrictSign', { heartbeatInterval: 200 })
    bId = B.id
    try {
      A.pubsub.topicValidators.set('s', (_peer, msg) => new TextDecoder().decode(msg.data) === 'bad' ? TopicValidatorResult.Reject : TopicValidatorResult.Accept)
      A.pubsub.subscribe('s')
      B.pubsub.subscribe('s')
      await A.host.dial(B.host.getMultiaddrs()[0]!)
      await waitUntil('a mesh both ways', () => A.pubsub.getMeshPeers('s').join() === B.id && B.pubsub.getMeshPeers('s').join() === A.id)
      await waitUntil('the application\'s score of B (2 × appSpecificWeight 10)', () => A.pubsub.getScore(B.id) === 20)
      appScoreOfB = 0
      await waitUntil('the new application score read', () => A.pubsub.getScore(B.id) === 0)
      await B.pubsub.publish('s', text('bad'))
      await waitUntil('B penalised on s for an invalid message', () => A.pubsub.getScore(B.id) < 0)
      assert.ok(A.pubsub.getScore(B.id) >= -10, 'one invalid message: at most -10 (1² × -10, decaying)')
    } finally {
      await A.host.stop()
      await B.host.stop()
    }
  })
}

// Explicit peering agreements (v1.1): two nodes, each the other's direct peer, exchange every message of a
// topic without a mesh between them. The second one made knows the first's address and dials it (after
// directConnectInitialDelay, 1 s in both implementations); the first knows only the second's id.
for (const impls of [['grapevine', 'grapevine'], ['js', 'grapevine'], ['grapevine', 'js']] as Array<[Impl, Impl]>) {
  test(`libp2p service direct peers, ${impls.join(' ↔ ')}: messages both ways, no mesh, no GRAFT`, { timeout: 30_000 }, async () => {
    const idOf = async (n: number): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seedOf(n)))
    const opts = { heartbeatInterval: 200, floodPublish: false }
    const A = await app(impls[0], 150, 'StrictSign', { ...opts, directPeers: [{ id: await idOf(151), addrs: [] }] })
    const B = await app(impls[1], 151, 'StrictSign', { ...opts, directPeers: [{ id: A.host.peerId, addrs: A.host.getMultiaddrs() }] })
    try {
      const grafts: string[] = []
      for (const a of [A, B]) a.pubsub.addEventListener('gossipsub:graft', () => { grafts.push(a.id) })
      A.pubsub.subscribe('d')
      B.pubsub.subscribe('d')
      await waitUntil('each subscribed at the other', () => subscribers(A, 'd').join() === B.id && subscribers(B, 'd').join() === A.id)
      await new Promise(resolve => setTimeout(resolve, 1000)) // five heartbeats: time to graft, were it allowed
      assert.deepEqual([A.pubsub.getMeshPeers('d'), B.pubsub.getMeshPeers('d')], [[], []], 'no mesh between direct peers')
      assert.deepEqual(grafts, [], 'no GRAFT either way')
      const res = await A.pubsub.publish('d', text('to B'))
      assert.deepEqual(res.recipients.map(String), [B.id], 'published to the direct peer, though not in a mesh')
      await B.pubsub.publish('d', text('to A'))
      await waitUntil('each got the other\'s message', () => got(B, 'd').includes('to B') && got(A, 'd').includes('to A'))
    } finally {
      await A.host.stop()
      await B.host.stop()
    }
  })
}

const ID_RUNS: Array<{ name: string, impls: [Impl, Impl, Impl] }> = [
  { name: 'grapevine alone', impls: ['grapevine', 'grapevine', 'grapevine'] },
  { name: 'mixed, grapevine relays', impls: ['js', 'grapevine', 'js'] },
  { name: 'mixed, @libp2p/gossipsub relays', impls: ['grapevine', 'js', 'grapevine'] }
]

for (const [r, run] of ID_RUNS.entries()) {
  test(`libp2p service msgIdFn, ${run.name}: the application's ids in events and validation, one message per id`, { timeout: 60_000 }, async () => {
    const base = 160 + r * 5
    const A = await app(run.impls[0], base + 1, 'StrictSign', { msgIdFn: shortSha })
    const B = await app(run.impls[1], base + 2, 'StrictSign', { msgIdFn: shortSha, asyncValidation: true })
    const C = await app(run.impls[2], base + 3, 'StrictSign', { msgIdFn: shortSha })
    const all = [A, B, C]
    try {
      const ids: Array<{ id: string, text: string }> = []
      B.pubsub.addEventListener('gossipsub:message', (e) => {
        const d = (e as CustomEvent<{ msgId: string, propagationSource: PeerId, msg: Message }>).detail
        ids.push({ id: d.msgId, text: new TextDecoder().decode(d.msg.data) })
        B.pubsub.reportMessageValidationResult(d.msgId, d.propagationSource.toString(), TopicValidatorResult.Accept)
      })
      // A and B take d; C does not, and publishes to B as a topic peer.
      A.pubsub.subscribe('d')
      B.pubsub.subscribe('d')
      await A.host.dial(B.host.getMultiaddrs()[0]!)
      await B.host.dial(C.host.getMultiaddrs()[0]!)
      await waitUntil('a mesh A — B, C knows B takes d', () => A.pubsub.getMeshPeers('d').join() === B.id && B.pubsub.getMeshPeers('d').join() === A.id && subscribers(C, 'd').join() === B.id)
      await A.pubsub.publish('d', text('same'))
      await waitUntil('same at B', () => got(B, 'd').includes('same'))
      assert.deepEqual(ids, [{ id: b64(createHash('sha256').update('same').digest().subarray(0, 8)), text: 'same' }], 'msgId is msgIdFn\'s id in base64 (unpadded)')
      await assert.rejects(A.pubsub.publish('d', text('same')), /Duplicate|already published/, 'the same data twice from one node: the same id, refused')
      // C's message has another author and seqno, but the same data: the same id, so B drops it as a duplicate.
      await C.pubsub.publish('d', text('same'))
      await C.pubsub.publish('d', text('other'))
      await waitUntil('other at A', () => got(A, 'd').includes('other'))
      assert.deepEqual(got(B, 'd'), ['same', 'other'], 'B took the message once')
      assert.deepEqual(got(A, 'd'), ['other'])
      assert.deepEqual(ids.map(x => x.text), ['same', 'other'])
    } finally {
      for (const a of all) await a.host.stop()
    }
  })
}
