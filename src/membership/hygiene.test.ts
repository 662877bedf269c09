// Membership hygiene: what peers say about third parties does not make a node dial blindly. One core
// driven by hand with an Io that records every dial (a `connect`, or a `send` to a peer that is not a
// neighbour), so each test counts exactly the dials a message caused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed, PeerVerifier, type Identity } from '../core/identity.js'
import type { Env, Misbehaviour, NodeId } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import { HyParView, type HyParViewConfig, type MembershipEvent, type MembershipTimer } from './hyparview.js'
import type { MembershipMessage, PeerInfo } from './messages.js'
import { recordBytes, signRecord } from './records.js'

interface Harness {
  hv: HyParView
  /** Peers dialled, in order (one entry per dial). */
  dials: NodeId[]
  sent: Array<{ to: NodeId, msg: MembershipMessage }>
  reports: Misbehaviour[]
  /** Makes neighbours (a NEIGHBOR at high priority from each, over a connection). */
  befriend: (now: number, ...ids: NodeId[]) => void
  /** Runs the repair tick at `now` (keep-alives, and refilling the active view from the passive view). */
  tick: (now: number) => void
}

function harness (config: Partial<HyParViewConfig> = {}, identity: Identity | null = null, id?: NodeId): Harness {
  const dials: NodeId[] = []
  const sent: Harness['sent'] = []
  const reports: Misbehaviour[] = []
  const connected = new Set<NodeId>()
  const env: Env<MembershipMessage, MembershipTimer, MembershipEvent> = {
    id: id ?? identity?.peerId ?? 'me',
    name: 'membership',
    rng: new Rng(7),
    io: {
      setTimer: () => {},
      connect: (p) => { if (!connected.has(p)) dials.push(p) },
      disconnect: (p) => { connected.delete(p) },
      hold: () => {},
      release: () => {},
      report: (peer, sanction, reason) => reports.push({ peer, sanction, reason }),
      emit: () => {},
      send: (to, msg) => {
        sent.push({ to, msg })
        if (!connected.has(to) && !hv.activeView().includes(to) && msg.kind !== 'neighbor') dials.push(to)
      }
    }
  }
  const hv: HyParView = new HyParView(env, { shufflePeriodMs: 1000, ...config }, identity)
  return {
    hv,
    dials,
    sent,
    reports,
    befriend: (now, ...ids) => {
      for (const p of ids) {
        connected.add(p)
        hv.onMessage(now, p, { kind: 'neighbor', peer: { id: p, addrs: [] }, high: true })
      }
    },
    tick: (now) => hv.onTimer(now, { kind: 'repair', token: 1 })
  }
}

const fakes = (n: number, tag: string): PeerInfo[] => Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, addrs: [new Uint8Array([4, 10, 0, 0, i & 255])] }))

/** A node with one neighbour, so four free active slots: every passive peer is a candidate for a dial. */
function withOneNeighbour (config: Partial<HyParViewConfig> = {}): Harness {
  const h = harness(config)
  h.hv.start(0) // its timers carry token 1, as the harness's ticks do
  h.befriend(0, 'friend')
  return h
}

test('a stranger\'s SHUFFLE naming 100 fake peers, and its FORWARDJOINs, cause no dial at all', () => {
  const h = withOneNeighbour()
  const names = fakes(100, 'fake')
  // 100 fake peers in two SHUFFLEs (a frame carries at most 64), a walk about to end here, and join walks.
  for (const [k, part] of [names.slice(0, 50), names.slice(50)].entries()) {
    h.hv.onMessage(10, 'stranger', { kind: 'shuffle', peer: { id: 'stranger', addrs: [] }, ttl: 1, peers: part, exchange: k + 1 })
  }
  for (const p of names.slice(0, 10)) h.hv.onMessage(10, 'stranger', { kind: 'forwardJoin', peer: p, ttl: 0 })
  for (let t = 1000; t <= 20_000; t += 1000) h.tick(t)
  // The friend, silent here, times out; left with no peer at all, the node tries it again from its reserve.
  assert.deepEqual(h.dials.filter(d => d !== 'friend'), [], 'no dial to anyone the stranger named')
  assert.equal(h.hv.stats.fromStrangers, 12)
  assert.ok(h.hv.passiveView().every(p => !p.startsWith('fake')), 'no fake peer in the passive view')
  assert.ok(!h.sent.some(s => s.to === 'stranger'), 'the stranger is not even answered')
})

test('a neighbour\'s SHUFFLEs naming fake peers: its share of the passive view and its dials stay within its budget', () => {
  const cfg = { sourceDialBurst: 4, sourceDialIntervalMs: 1000, maxPassivePerSource: 8 }
  const h = withOneNeighbour(cfg)
  let t = 0
  for (let round = 0; round < 20; round++) {
    t += 100
    h.hv.onMessage(t, 'friend', { kind: 'shuffle', peer: { id: 'friend', addrs: [] }, ttl: 1, peers: fakes(50, `r${round}`), exchange: round + 1 })
    const fromFriend = h.hv.passiveView().filter(p => p.startsWith('r'))
    assert.ok(fromFriend.length <= cfg.maxPassivePerSource, `round ${round}: ${fromFriend.length} passive peers named by one neighbour`)
    h.tick(t)
    // Every dial to a fake peer fails at once (nothing listens there).
    for (const p of h.dials.filter(d => d.startsWith('r'))) h.hv.onPeerDown(t, p)
  }
  const fakeDials = h.dials.filter(d => d.startsWith('r')).length
  // 2 s of rounds: the burst, plus one dial per second of refill.
  const bound = cfg.sourceDialBurst + Math.floor(t / cfg.sourceDialIntervalMs)
  assert.ok(fakeDials > 0 && fakeDials <= bound, `${fakeDials} dials to fake peers (bound ${bound})`)
  assert.ok(h.hv.stats.dialsDeferred > 0, 'the budget put dials off')
  assert.equal(h.hv.stats.excessPeers, 20 * (50 - (cfg.maxPassivePerSource - 1)), 'peers beyond one shuffle\'s share are ignored and counted')
})

test('walk ends and shuffle answers are dials within the budget of the neighbour that forwarded them', () => {
  const h = withOneNeighbour({ sourceDialBurst: 3, sourceDialIntervalMs: 60_000 })
  h.befriend(0, 'other')
  // Join walks ending here (ttl 0): the first three newcomers are dialled, the rest only kept as passive peers.
  for (const p of fakes(6, 'newcomer')) h.hv.onMessage(10, 'friend', { kind: 'forwardJoin', peer: p, ttl: 0 })
  assert.deepEqual(h.dials, ['newcomer-0', 'newcomer-1', 'newcomer-2'])
  assert.equal(h.hv.stats.dialsDeferred, 3)
  assert.ok(h.hv.passiveView().includes('newcomer-5'))
  // Shuffles ending here, from origins that are not neighbours: answered within `other`'s budget.
  for (const [k, origin] of fakes(5, 'origin').entries()) {
    h.hv.onMessage(20, 'other', { kind: 'shuffle', peer: origin, ttl: 1, peers: [], exchange: k + 1 })
  }
  assert.deepEqual(h.sent.filter(s => s.msg.kind === 'shuffleReply').map(s => s.to), ['origin-0', 'origin-1', 'origin-2'])
  assert.equal(h.hv.stats.dialsDeferred, 5)
})

test('promotion prefers former neighbours, then peers named by several sources, then the rest', () => {
  const h = withOneNeighbour()
  h.befriend(0, 'n1', 'n2', 'n3')
  // A former neighbour (it left for room), now a passive peer.
  h.befriend(0, 'old')
  h.hv.onMessage(1, 'old', { kind: 'disconnect' })
  // Peers named by n1 only, and one named by n1, n2 and n3.
  const single = fakes(6, 'single')
  const shared = { id: 'shared', addrs: [] }
  let x = 0
  for (const src of ['n1', 'n2', 'n3']) {
    h.hv.onMessage(2, src, { kind: 'shuffle', peer: { id: src, addrs: [] }, ttl: 1, peers: src === 'n1' ? [shared, ...single] : [shared], exchange: ++x })
  }
  assert.ok(h.hv.passiveView().includes('old') && h.hv.passiveView().includes('shared'))
  const before = h.dials.length
  // Two neighbours fail: with four active slots free, the two best candidates are asked first.
  h.hv.onPeerDown(3, 'n2')
  h.hv.onPeerDown(3, 'n3')
  assert.deepEqual(h.dials.slice(before, before + 2), ['old', 'shared'], 'the former neighbour first, then the peer three sources named')
})

test('signed records: a third party\'s addresses are believed only with its signature', () => {
  const me = identityFromSeed(new Uint8Array(32).fill(1))
  const friend = identityFromSeed(new Uint8Array(32).fill(2))
  const honest = identityFromSeed(new Uint8Array(32).fill(3))
  const h = harness({}, me)
  const friendRecord = signRecord(friend, 5, [new Uint8Array([1, 2, 3])])
  h.hv.onMessage(0, friend.peerId, { kind: 'neighbor', peer: friendRecord, high: true })
  assert.deepEqual(h.hv.activeView(), [friend.peerId])
  const good = signRecord(honest, 9, [new Uint8Array([9, 9, 9])])
  const moved = { ...good, addrs: [new Uint8Array([6, 6, 6])] } // the honest peer's id pointed elsewhere
  const unsigned = { id: identityFromSeed(new Uint8Array(32).fill(4)).peerId, addrs: [new Uint8Array([7])] }
  h.hv.onMessage(1, friend.peerId, { kind: 'shuffle', peer: friendRecord, ttl: 1, peers: [moved, unsigned], exchange: 1 })
  assert.deepEqual(h.hv.passiveView(), [], 'neither the forged nor the unsigned record is believed')
  assert.equal(h.hv.stats.badRecords, 2)
  assert.deepEqual(h.reports.map(r => [r.peer, r.sanction]), [[friend.peerId, 'penalise']], 'the neighbour that composed them is penalised, once')
  h.hv.onMessage(2, friend.peerId, { kind: 'shuffle', peer: friendRecord, ttl: 1, peers: [good], exchange: 2 })
  assert.deepEqual(h.hv.passiveView(), [honest.peerId])
  assert.deepEqual(h.hv.addressesOf(honest.peerId), [new Uint8Array([9, 9, 9])])
  // An older record of the same peer does not replace the newer one.
  h.hv.onMessage(3, friend.peerId, { kind: 'shuffle', peer: friendRecord, ttl: 1, peers: [signRecord(honest, 8, [new Uint8Array([8])])], exchange: 3 })
  assert.deepEqual(h.hv.addressesOf(honest.peerId), [new Uint8Array([9, 9, 9])])
  // A NEIGHBOR whose own record is not signed is dropped.
  const stranger = identityFromSeed(new Uint8Array(32).fill(5)).peerId
  h.hv.onMessage(4, stranger, { kind: 'neighbor', peer: { id: stranger, addrs: [] }, high: true })
  assert.ok(!h.hv.activeView().includes(stranger))
  // What this node sends carries its own signature.
  const own = (h.sent.find(s => s.msg.kind === 'neighborReply')!.msg as { peer: PeerInfo }).peer
  assert.equal(own.id, me.peerId)
  assert.ok(new PeerVerifier().verify(me.peerId, recordBytes(own.id, own.seq ?? 0, own.addrs), own.signature))
  assert.throws(() => harness({}, me, 'someone-else'), /identity's peer id/)
})
