// GossipSub in the simulator: reduced versions of the measurements in ARCHITECTURE.md ("GossipSub").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runPubsubScenario } from '../src/scenarios/pubsub.js'

test('200 nodes, 20 publishers, 25 ms links: every message reaches every subscriber at ≤ 6.5 transmissions per delivery', () => {
  const r = runPubsubScenario({ nodes: 200, publishers: 20, seconds: 3, seed: 2 })
  assert.equal(r.deliveryRatio, 1)
  assert.ok(r.transmissionsPerDelivery <= 6.5, `${r.transmissionsPerDelivery} transmissions per delivery`)
  assert.ok(r.meshDegree.min >= 4 && r.meshDegree.max <= 12, `mesh degrees ${r.meshDegree.min}–${r.meshDegree.max} within D_lo–D_hi`)
  assert.ok(r.latencyP99Ms < 500)
})

test('topic discovery: a topic whose subscribers are not HyParView neighbours still reaches them all', () => {
  // 10% of 200 nodes subscribe; membership gives each node ~5 random connections, so subscribers
  // rarely meet. Through the replicated state they find and connect to each other.
  const opts = { nodes: 200, publishers: 5, seconds: 3, seed: 5, overlay: 'hyparview' as const, subscribersPct: 10, warmupMs: 20_000 }
  const on = runPubsubScenario(opts)
  const off = runPubsubScenario({ ...opts, discovery: false })
  assert.equal(on.deliveryRatio, 1)
  assert.ok(on.meshDegree.min >= 4, `every subscriber has a mesh (min ${on.meshDegree.min})`)
  assert.ok(off.deliveryRatio < 0.5, `without discovery the topic is fragmented (${off.deliveryRatio})`)
})

test('16 KiB messages: IDONTWANT lowers duplicate bytes', () => {
  const opts = { nodes: 120, publishers: 8, seconds: 2, sizeBytes: 16384, seed: 3 }
  const on = runPubsubScenario({ ...opts, idontwant: true })
  const off = runPubsubScenario({ ...opts, idontwant: false })
  assert.equal(on.deliveryRatio, 1)
  assert.equal(off.deliveryRatio, 1)
  assert.ok(on.duplicateBytes < off.duplicateBytes, `on ${on.duplicateBytes} vs off ${off.duplicateBytes}`)
})

test('20% of nodes publishing invalid messages: honest delivery stays 100%, every attacker is graylisted', () => {
  const r = runPubsubScenario({ nodes: 100, publishers: 10, seconds: 4, attackersPct: 20, seed: 4 })
  assert.equal(r.deliveryRatio, 1)
  assert.ok(r.attackersGraylistedAfterSec !== null && r.attackersGraylistedAfterSec <= 2, `graylisted after ${r.attackersGraylistedAfterSec} s`)
  assert.ok(r.attackerScoreBySecond.at(-1)! < -80)
})

test('publishing right after every node subscribed at once: graft on SUBSCRIBE delivers through the mesh at once, the heartbeat-only rule waits for gossip', () => {
  // libp2p/go-libp2p-pubsub#331: nodes that subscribe before hearing of each other have empty meshes until
  // the first heartbeat, so early messages reach the publisher's direct peers and then wait for IHAVE.
  const opts = { nodes: 60, publishers: 5, rate: 4, seconds: 1, degree: 8, joinSpreadMs: 0, warmupMs: 50, deadlineMs: 250, seed: 6 }
  const on = runPubsubScenario(opts)
  const off = runPubsubScenario({ ...opts, gossipsub: { graftOnSubscribe: false } })
  assert.equal(on.deliveryRatio, 1)
  assert.equal(off.deliveryRatio, 1, 'gossip delivers the rest eventually')
  assert.equal(on.deliveredInTime, 1, `with graft on SUBSCRIBE: ${on.deliveredInTime} within 250 ms`)
  assert.ok(off.deliveredInTime < 0.8, `without: ${off.deliveredInTime} within 250 ms`)
})

test('with the codec or without it (the recipients then share the sender\'s objects): the same results, event for event', () => {
  // Guards the rule that a router never alters a message or an RPC it received (others hold the same object).
  const opts = { nodes: 50, publishers: 5, rate: 2, seconds: 2, sizeBytes: 1024, attackersPct: 10, warmupMs: 3000, seed: 6 }
  const on = runPubsubScenario({ ...opts, codec: true })
  const off = runPubsubScenario({ ...opts, codec: false })
  assert.ok(on.messages > 0 && on.stats.idontwantSent > 0 && on.stats.ihaveSent > 0)
  assert.deepEqual(off, on)
})
