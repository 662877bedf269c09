import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerScore, DEFAULT_SCORE_PARAMS, DEFAULT_THRESHOLDS, DEFAULT_TOPIC_SCORE, type PeerScoreParams, type TopicScoreParams } from './score.js'

const id = (k: string): Uint8Array => new TextEncoder().encode(k)

// Every weight 0: each test switches on only the component it checks.
const SILENT_TOPIC: TopicScoreParams = {
  ...DEFAULT_TOPIC_SCORE,
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: 0
}
const SILENT: PeerScoreParams = {
  ...DEFAULT_SCORE_PARAMS,
  topics: {},
  defaultTopic: undefined,
  topicScoreCap: Infinity,
  appSpecificWeight: 0,
  ipColocationFactorWeight: 0,
  behaviourPenaltyWeight: 0,
  decayIntervalMs: 1000,
  decayToZero: 0.01
}

/** A PeerScore with the single topic 't' configured by `topic` (over SILENT_TOPIC) and global `params`. */
function make (topic: Partial<TopicScoreParams> = {}, params: Partial<PeerScoreParams> = {}): PeerScore {
  return new PeerScore({ ...SILENT, topics: { t: { ...SILENT_TOPIC, ...topic } }, ...params })
}

test('P1: time in mesh counts whole quanta times the weight, capped; stops at prune; a re-graft starts from 0', () => {
  const s = make({ timeInMeshWeight: 2, timeInMeshQuantumMs: 1000, timeInMeshCap: 5 })
  s.addPeer('a')
  s.graft(1000, 'a', 't')
  assert.equal(s.score(1000, 'a'), 0)
  assert.equal(s.score(2000, 'a'), 2)
  assert.equal(s.score(4000, 'a'), 6, '3 quanta × 2')
  assert.equal(s.score(6000, 'a'), 10, '5 quanta: the cap')
  assert.equal(s.score(100_000, 'a'), 10, 'capped at 5 quanta × 2')
  s.graft(50_000, 'a', 't') // already in the mesh: a no-op, the graft time is kept
  assert.equal(s.score(4000, 'a'), 6)
  s.prune(4000, 'a', 't')
  assert.equal(s.score(9000, 'a'), 0, 'no P1 outside the mesh')
  // The code resets meshTime at graft (as go-libp2p-pubsub does): the 3 s of the first stay are not carried over.
  s.graft(10_000, 'a', 't')
  assert.equal(s.score(12_000, 'a'), 4, '2 quanta since the re-graft, not 3 + 2')
})

test('P1: a partial quantum counts its fraction, as in js-libp2p and rust-libp2p (go-libp2p-pubsub floors)', () => {
  const s = make({ timeInMeshWeight: 1, timeInMeshQuantumMs: 1000, timeInMeshCap: 10 })
  s.addPeer('a')
  s.graft(0, 'a', 't')
  assert.equal(s.score(1500, 'a'), 1.5)
})

test('P2: first deliveries count with their weight, capped, decay each interval and snap to 0 under decayToZero', () => {
  const s = make({ firstMessageDeliveriesWeight: 2, firstMessageDeliveriesCap: 3, firstMessageDeliveriesDecay: 0.5 }, { decayToZero: 0.3 })
  s.addPeer('a')
  s.firstDelivery(0, 'a', 't', id('m1'))
  assert.equal(s.score(0, 'a'), 2, 'counted outside the mesh too')
  for (const k of ['m2', 'm3', 'm4', 'm5']) s.firstDelivery(0, 'a', 't', id(k))
  assert.equal(s.score(0, 'a'), 6, 'capped at 3 deliveries × 2')
  s.decay(1000)
  assert.equal(s.score(1000, 'a'), 3, '1.5 × 2')
  s.decay(2000)
  assert.equal(s.score(2000, 'a'), 1.5, '0.75 × 2')
  s.decay(3000)
  assert.equal(s.score(3000, 'a'), 0.75, '0.375 × 2 (0.375 is still above decayToZero 0.3)')
  s.decay(4000)
  assert.equal(s.score(4000, 'a'), 0, '0.1875 < decayToZero 0.3 snaps to 0')
  s.firstDelivery(4000, 'a', 't', id('m6'))
  assert.equal(s.score(4000, 'a'), 2, 'counts again from 0')
})

test('P3: deficit² penalty only after the activation time and only while below the threshold', () => {
  const s = make({ meshMessageDeliveriesWeight: -1, meshMessageDeliveriesThreshold: 4, meshMessageDeliveriesCap: 10, meshMessageDeliveriesActivationMs: 5000 })
  s.addPeer('a')
  s.addPeer('out')
  s.graft(1000, 'a', 't')
  assert.equal(s.score(5999, 'a'), 0, 'not active yet')
  assert.equal(s.score(6000, 'a'), -16, 'active: deficit 4, squared')
  s.firstDelivery(6000, 'a', 't', id('m1'))
  assert.equal(s.score(6000, 'a'), -9, 'deficit 3')
  for (const k of ['m2', 'm3']) s.firstDelivery(6000, 'a', 't', id(k))
  assert.equal(s.score(6000, 'a'), -1)
  s.firstDelivery(6000, 'a', 't', id('m4'))
  assert.equal(s.score(6000, 'a'), 0, 'at the threshold: no penalty')
  s.firstDelivery(6000, 'a', 't', id('m5'))
  assert.equal(s.score(6000, 'a'), 0, 'above it: none either (P3 never rewards)')
  s.firstDelivery(6000, 'out', 't', id('m6'))
  assert.equal(s.score(100_000, 'out'), 0, 'never grafted: no P3 however long')
  s.graft(100_000, 'out', 't')
  assert.equal(s.score(105_000, 'out'), -16, 'its delivery from outside the mesh did not count toward P3')
})

test('P3: deliveries decay, bringing the penalty back', () => {
  const s = make({ meshMessageDeliveriesWeight: -1, meshMessageDeliveriesThreshold: 2, meshMessageDeliveriesDecay: 0.5, meshMessageDeliveriesActivationMs: 0 })
  s.addPeer('a')
  s.graft(0, 'a', 't')
  s.firstDelivery(0, 'a', 't', id('m1'))
  s.firstDelivery(0, 'a', 't', id('m2'))
  assert.equal(s.score(0, 'a'), 0)
  s.decay(1000)
  assert.equal(s.score(1000, 'a'), -1, '2 × 0.5 = 1: deficit 1')
})

test('P3: a near-first duplicate counts for a mesh peer within the window only, and never twice', () => {
  const s = make({ meshMessageDeliveriesWeight: -1, meshMessageDeliveriesThreshold: 3, meshMessageDeliveriesActivationMs: 0, meshMessageDeliveriesWindowMs: 10 })
  for (const p of ['a', 'b', 'c', 'd']) s.addPeer(p)
  for (const p of ['a', 'b', 'c']) s.graft(0, p, 't')
  s.firstDelivery(100, 'a', 't', id('m1'))
  s.duplicateDelivery(105, 'a', id('m1')) // the first deliverer's own duplicate
  s.duplicateDelivery(110, 'b', id('m1')) // 10 ms after: inside the window
  s.duplicateDelivery(110, 'b', id('m1')) // the same peer again
  s.duplicateDelivery(111, 'c', id('m1')) // 11 ms after: outside
  s.duplicateDelivery(101, 'd', id('m1')) // in time, but not a mesh peer
  s.duplicateDelivery(101, 'b', id('unknown')) // no record: ignored
  assert.equal(s.score(200, 'a'), -4, 'a: 1 delivery, deficit 2')
  assert.equal(s.score(200, 'b'), -4, 'b: 1 delivery, deficit 2')
  assert.equal(s.score(200, 'c'), -9, 'c: late, deficit 3')
  s.graft(200, 'd', 't')
  assert.equal(s.score(200, 'd'), -9, 'd: its duplicate came while outside the mesh')
})

test('P3b: pruning an active mesh peer with a deficit adds deficit² to the failure penalty, which decays', () => {
  const s = make({ meshFailurePenaltyWeight: -1, meshFailurePenaltyDecay: 0.5, meshMessageDeliveriesThreshold: 3, meshMessageDeliveriesActivationMs: 1000, meshMessageDeliveriesDecay: 1 })
  s.addPeer('a')
  s.addPeer('b')
  s.graft(0, 'a', 't')
  s.firstDelivery(100, 'a', 't', id('m1'))
  s.prune(500, 'a', 't')
  assert.equal(s.score(500, 'a'), 0, 'pruned before activation: no failure penalty')
  s.graft(1000, 'a', 't')
  assert.equal(s.score(3000, 'a'), 0, 'P3 itself has weight 0 here')
  s.prune(2000, 'a', 't')
  assert.equal(s.score(2000, 'a'), -4, 'deficit 3 − 1 = 2, squared')
  s.prune(2500, 'a', 't')
  assert.equal(s.score(2500, 'a'), -4, 'a second prune outside the mesh adds nothing')
  s.graft(3000, 'a', 't')
  s.prune(4000, 'a', 't')
  assert.equal(s.score(4000, 'a'), -8, 'accumulates over prunes')
  s.decay(5000)
  assert.equal(s.score(5000, 'a'), -4, 'decays by 0.5')

  s.graft(0, 'b', 't')
  for (const k of ['n1', 'n2', 'n3']) s.firstDelivery(0, 'b', 't', id(k))
  s.prune(6000, 'b', 't')
  assert.equal(s.score(6000, 'b'), 0, 'no deficit: no penalty')
})

test('P3b: a retained peer disconnecting from the mesh with a deficit gets the failure penalty too', () => {
  const s = make({ meshFailurePenaltyWeight: -1, meshMessageDeliveriesThreshold: 3, meshMessageDeliveriesActivationMs: 0 })
  s.addPeer('a')
  s.graft(0, 'a', 't')
  s.removePeer(1000, 'a')
  assert.equal(s.score(1000, 'a'), -9)
})

test('P4: invalid messages count squared with their weight and decay', () => {
  const s = make({ invalidMessageDeliveriesWeight: -2, invalidMessageDeliveriesDecay: 0.5 })
  s.addPeer('a')
  s.invalidMessage('a', 't')
  assert.equal(s.score(0, 'a'), -2)
  s.invalidMessage('a', 't')
  s.invalidMessage('a', 't')
  assert.equal(s.score(0, 'a'), -18, '3² × −2')
  s.decay(1000)
  assert.equal(s.score(1000, 'a'), -4.5, '1.5² × −2')
  s.invalidMessage('nobody', 't')
  assert.equal(s.score(1000, 'nobody'), 0, 'unknown peers are not tracked')
})

test('P5: the application score times appSpecificWeight; the latest value wins', () => {
  const s = make({}, { appSpecificWeight: 2 })
  s.addPeer('a')
  s.setAppScore('a', -3)
  assert.equal(s.score(0, 'a'), -6)
  s.setAppScore('a', 4)
  assert.equal(s.score(0, 'a'), 8)
  s.setAppScore('nobody', 4)
  assert.equal(s.score(0, 'nobody'), 0)
})

test('P6: peers beyond the threshold on one IP cost weight × surplus²; removal lowers the count; whitelisted IPs never count', () => {
  const s = make({}, { ipColocationFactorWeight: -3, ipColocationFactorThreshold: 2 })
  for (const p of ['p1', 'p2', 'p3', 'p4']) s.addPeer(p, '10.0.0.1')
  s.addPeer('other', '10.0.0.2')
  s.addPeer('noip')
  for (const p of ['p1', 'p2', 'p3', 'p4']) assert.equal(s.score(0, p), -12, `${p}: 4 on the IP, surplus 2`)
  assert.equal(s.score(0, 'other'), 0)
  assert.equal(s.score(0, 'noip'), 0)
  s.removePeer(0, 'p4')
  assert.equal(s.score(0, 'p1'), -3, 'surplus 1')
  s.removePeer(0, 'p3')
  assert.equal(s.score(0, 'p1'), 0, 'at the threshold: no penalty')

  assert.ok(DEFAULT_SCORE_PARAMS.ipColocationFactorWhitelist.includes('127.0.0.1'))
  assert.ok(DEFAULT_SCORE_PARAMS.ipColocationFactorWhitelist.includes('::1'))
  for (const ip of ['127.0.0.1', '::1']) {
    for (const p of ['l1', 'l2', 'l3', 'l4']) s.addPeer(p + ip, ip)
    assert.equal(s.score(0, 'l1' + ip), 0, `${ip} is whitelisted`)
  }
  const custom = make({}, { ipColocationFactorWeight: -3, ipColocationFactorThreshold: 2, ipColocationFactorWhitelist: ['10.0.0.1'] })
  for (const p of ['p1', 'p2', 'p3']) custom.addPeer(p, '10.0.0.1')
  for (const p of ['l1', 'l2', 'l3']) custom.addPeer(p, '127.0.0.1')
  assert.equal(custom.score(0, 'p1'), 0, 'the configured whitelist is the one consulted')
  assert.equal(custom.score(0, 'l1'), -3, 'loopback counts when not whitelisted')
})

test('P6: a peer seen again on a new IP no longer counts on its old one', () => {
  const s = make({}, { ipColocationFactorWeight: -1, ipColocationFactorThreshold: 1 })
  s.addPeer('a', '10.0.0.1')
  s.addPeer('b', '10.0.0.1')
  s.addPeer('a', '10.0.0.2')
  assert.equal(s.score(0, 'b'), 0, 'b is alone on 10.0.0.1 now')
})

test('P6: a connected peer evicted by maxPeers no longer counts on its IP', () => {
  const s = make({}, { ipColocationFactorWeight: -1, ipColocationFactorThreshold: 1, maxPeers: 2 })
  s.addPeer('a', '10.0.0.1')
  s.addPeer('b', '10.0.0.1')
  assert.equal(s.score(0, 'b'), -1)
  s.addPeer('c', '10.0.0.2') // evicts a, the oldest connected peer
  assert.equal(s.score(0, 'a'), 0)
  assert.equal(s.score(0, 'b'), 0, 'b is the only tracked peer on 10.0.0.1')
})

test('P7: a behaviour penalty above the threshold costs weight × excess², and decays', () => {
  const s = make({}, { behaviourPenaltyWeight: -2, behaviourPenaltyThreshold: 1, behaviourPenaltyDecay: 0.5 })
  s.addPeer('a')
  s.addPenalty('a')
  assert.equal(s.score(0, 'a'), 0, 'at the threshold: nothing')
  s.addPenalty('a', 2)
  assert.equal(s.score(0, 'a'), -8, 'penalty 3, excess 2')
  s.decay(1000)
  assert.equal(s.score(1000, 'a'), -0.5, 'penalty 1.5, excess 0.5')
  s.decay(2000)
  assert.equal(s.score(2000, 'a'), 0, 'penalty 0.75: under the threshold')
  s.addPenalty('nobody', 5)
  assert.equal(s.score(2000, 'nobody'), 0)
})

test('topic weights scale each topic; topicScoreCap caps only the positive topic part; unconfigured topics do not count', () => {
  const p2 = { ...SILENT_TOPIC, firstMessageDeliveriesWeight: 1, firstMessageDeliveriesCap: 100 }
  const s = new PeerScore({
    ...SILENT,
    topics: { t1: { ...p2, topicWeight: 2 }, t2: { ...p2, topicWeight: 0.5 } },
    topicScoreCap: 5,
    appSpecificWeight: 1,
    behaviourPenaltyWeight: -1,
    behaviourPenaltyThreshold: 0
  })
  s.addPeer('a')
  for (let i = 0; i < 3; i++) s.firstDelivery(0, 'a', 't1', id(`x${i}`))
  for (let i = 0; i < 4; i++) s.firstDelivery(0, 'a', 't2', id(`y${i}`))
  s.firstDelivery(0, 'a', 'unconfigured', id('z'))
  s.invalidMessage('a', 'unconfigured')
  assert.equal(s.score(0, 'a'), 5, '3 × 2 + 4 × 0.5 = 8, capped at 5')
  s.setAppScore('a', 10)
  assert.equal(s.score(0, 'a'), 15, 'P5 is added after the cap')
  s.addPenalty('a', 3)
  assert.equal(s.score(0, 'a'), 6, 'P7 (−9) likewise')

  const n = new PeerScore({ ...SILENT, topics: { t1: { ...SILENT_TOPIC, invalidMessageDeliveriesWeight: -1 } }, topicScoreCap: 5 })
  n.addPeer('b')
  for (let i = 0; i < 3; i++) n.invalidMessage('b', 't1')
  assert.equal(n.score(0, 'b'), -9, 'a negative topic score is not capped')

  const d = new PeerScore({ ...SILENT, defaultTopic: { ...p2, topicWeight: 3 } })
  d.addPeer('c')
  d.firstDelivery(0, 'c', 'anything', id('w'))
  assert.equal(d.score(0, 'c'), 3, 'defaultTopic covers unlisted topics')
})

test('decay acts at most once per decayIntervalMs', () => {
  const s = make({ invalidMessageDeliveriesWeight: -1, invalidMessageDeliveriesDecay: 0.5 }, { decayIntervalMs: 1000 })
  s.addPeer('a')
  s.invalidMessage('a', 't')
  s.invalidMessage('a', 't')
  s.decay(500)
  assert.equal(s.score(500, 'a'), -4, 'too early')
  s.decay(1000)
  assert.equal(s.score(1000, 'a'), -1, 'counter 1')
  s.decay(1000)
  s.decay(1999)
  assert.equal(s.score(1999, 'a'), -1, 'a second call within the interval does nothing')
  s.decay(2000)
  assert.equal(s.score(2000, 'a'), -0.25, 'counter 0.5')
  s.decay(10_000)
  assert.equal(s.score(10_000, 'a'), -0.0625, 'a long gap still decays once')
})

test('removePeer: a positive score is forgotten; a non-positive one survives reconnection and expires after retainScoreMs', () => {
  const s = make({ firstMessageDeliveriesWeight: 1, invalidMessageDeliveriesWeight: -10, invalidMessageDeliveriesDecay: 1, firstMessageDeliveriesDecay: 1 }, { retainScoreMs: 10_000 })
  s.addPeer('good')
  s.firstDelivery(0, 'good', 't', id('m1'))
  s.firstDelivery(0, 'good', 't', id('m2'))
  assert.equal(s.score(0, 'good'), 2)
  s.removePeer(0, 'good')
  assert.equal(s.score(0, 'good'), 0, 'forgotten')
  s.addPeer('good')
  assert.equal(s.score(0, 'good'), 0, 'comes back from scratch')

  s.addPeer('bad')
  s.firstDelivery(0, 'bad', 't', id('m3'))
  s.invalidMessage('bad', 't')
  assert.equal(s.score(0, 'bad'), -9)
  s.removePeer(1000, 'bad')
  assert.equal(s.score(1000, 'bad'), -10, 'retained after disconnect, without its first-delivery credit (as go-libp2p-pubsub)')
  s.addPeer('bad')
  assert.equal(s.score(1000, 'bad'), -10, 'reconnecting does not wash the score')
  s.decay(20_000)
  assert.equal(s.score(20_000, 'bad'), -10, 'connected: never expires')
  s.removePeer(21_000, 'bad')
  s.decay(30_999)
  assert.equal(s.score(30_999, 'bad'), -10, 'still retained 9.999 s later')
  s.decay(32_000)
  assert.equal(s.score(32_000, 'bad'), 0, 'dropped at the first decay once retainScoreMs has passed')
  s.removePeer(32_000, 'nobody') // unknown: no-op
  assert.equal(s.score(32_000, 'nobody'), 0)
})

test('bounds: maxPeers evicts a disconnected peer first, else the oldest connected one', () => {
  const s = make({ invalidMessageDeliveriesWeight: -1 }, { maxPeers: 3 })
  const mark = (p: string): void => { s.addPeer(p); s.invalidMessage(p, 't') } // score −1 while tracked
  for (const p of ['a', 'b', 'c']) mark(p)
  s.removePeer(0, 'b') // retained (negative)
  assert.equal(s.score(0, 'b'), -1)
  mark('d')
  assert.deepEqual(['a', 'b', 'c', 'd'].map(p => s.score(0, p)), [-1, 0, -1, -1], 'the disconnected b goes, though a is older')
  mark('e')
  assert.deepEqual(['a', 'c', 'd', 'e'].map(p => s.score(0, p)), [0, -1, -1, -1], 'no disconnected peer: the oldest, a, goes')
  s.addPeer('c') // an existing peer: nothing evicted
  assert.deepEqual(['c', 'd', 'e'].map(p => s.score(0, p)), [-1, -1, -1])
})

test('bounds: of several disconnected peers, the one retained longest is evicted', () => {
  const s = make({ invalidMessageDeliveriesWeight: -1 }, { maxPeers: 3 })
  for (const p of ['a', 'b', 'c']) { s.addPeer(p); s.invalidMessage(p, 't') }
  s.removePeer(1, 'b')
  s.removePeer(2, 'a')
  s.addPeer('d')
  assert.equal(s.score(3, 'b'), 0, 'b evicted')
  assert.equal(s.score(3, 'a'), -1, 'a kept')
})

test('bounds: with maxDeliveryRecords, a late duplicate of an evicted message no longer counts for P3', () => {
  const s = make({ meshMessageDeliveriesWeight: -1, meshMessageDeliveriesThreshold: 5, meshMessageDeliveriesActivationMs: 0, meshMessageDeliveriesWindowMs: 1000 }, { maxDeliveryRecords: 2 })
  s.addPeer('a')
  s.addPeer('b')
  s.graft(0, 'a', 't')
  s.graft(0, 'b', 't')
  for (const k of ['m1', 'm2', 'm3']) s.firstDelivery(100, 'a', 't', id(k))
  assert.equal(s.score(100, 'a'), -4, 'a: 3 deliveries, deficit 2')
  s.duplicateDelivery(101, 'b', id('m1')) // record dropped: ignored
  assert.equal(s.score(101, 'b'), -25)
  s.duplicateDelivery(101, 'b', id('m2')) // still recorded
  s.duplicateDelivery(101, 'b', id('m3'))
  assert.equal(s.score(101, 'b'), -9, 'two near-first deliveries, deficit 3')
})

test('DEFAULT_THRESHOLDS: graylist < publish < gossip < 0 ≤ acceptPX, opportunistic graft ≥ 0', () => {
  const t = DEFAULT_THRESHOLDS
  assert.ok(t.graylistThreshold < t.publishThreshold)
  assert.ok(t.publishThreshold < t.gossipThreshold)
  assert.ok(t.gossipThreshold < 0)
  assert.ok(t.acceptPXThreshold >= 0)
  assert.ok(t.opportunisticGraftThreshold >= 0)
})

test('DEFAULT_SCORE_PARAMS: the default topic applies to any topic; one invalid message outweighs the topic cap', () => {
  const s = new PeerScore()
  s.addPeer('a')
  for (let i = 0; i < 60; i++) s.firstDelivery(0, 'a', 'any', id(`m${i}`))
  assert.equal(s.score(0, 'a'), 50, 'P2 capped at 50 × weight 1')
  s.invalidMessage('a', 'any')
  assert.equal(s.score(0, 'a'), -50, '50 − 100')
  assert.ok(s.score(0, 'a') <= DEFAULT_THRESHOLDS.publishThreshold)
})

test('topicScoreCap 0 means no cap, as in go-libp2p-pubsub', () => {
  const s = make({ firstMessageDeliveriesWeight: 10, firstMessageDeliveriesCap: 1000 }, { topicScoreCap: 0 })
  s.addPeer('a')
  for (let i = 0; i < 50; i++) s.firstDelivery(0, 'a', 't', id(`m${i}`))
  assert.equal(s.score(0, 'a'), 500)
})

test('scoreOf: the stats addPeer returned give score() exactly, and once dropped (forgotten, evicted) the peer is looked up', () => {
  const s = make({ timeInMeshWeight: 1, timeInMeshQuantumMs: 1000, timeInMeshCap: 10, invalidMessageDeliveriesWeight: -1 }, { ipColocationFactorWeight: -1, ipColocationFactorThreshold: 1, maxPeers: 3 })
  const a = s.addPeer('a', '1.2.3.4')
  const b = s.addPeer('b', '1.2.3.4')
  s.graft(0, 'a', 't')
  for (const now of [0, 1500, 20_000]) assert.equal(s.scoreOf(now, 'a', a), s.score(now, 'a'))
  assert.equal(s.scoreOf(1500, 'b', b), -1, 'P6: two peers on the IP, threshold 1')
  s.removePeer(2000, 'a') // positive: forgotten
  assert.equal(s.scoreOf(3000, 'a', a), 0, 'a dropped record is not read')
  assert.equal(s.scoreOf(3000, 'b', b), 0, 'alone on its IP again')
  const a2 = s.addPeer('a', '1.2.3.4')
  s.invalidMessage('a', 't')
  assert.equal(s.scoreOf(3000, 'a', a), s.score(3000, 'a'), 'the old record scores through the new one')
  assert.equal(s.scoreOf(3000, 'a', a2), -2)
  s.addPeer('c')
  s.addPeer('d') // a fourth peer: the oldest connected one (b) is evicted
  assert.equal(s.scoreOf(3000, 'b', b), 0)
  assert.equal(s.scoreOf(3000, 'a', a2), -1, 'b no longer counts on the IP')
})
