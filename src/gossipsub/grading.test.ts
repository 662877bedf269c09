import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed } from '../core/identity.js'
import type { Misbehaviour } from '../core/protocol.js'
import { Simulator } from '../sim/simulator.js'
import { GossipSub, type GossipSubConfig, type GossipSubEvent } from './gossipsub.js'
import { controlRpc } from './control.js'
import { defaultMessageId, seqnoBytes, signMessage } from './signing.js'

/** Two linked nodes a and b subscribed to 'blocks'; a's sanctions and rejections recorded. */
function pair (config: Partial<GossipSubConfig>): { sim: Simulator, a: GossipSub, b: GossipSub, bId: string, sanctions: Misbehaviour[], rejected: string[], bSeed: Uint8Array, aId: string } {
  const sim = new Simulator({ seed: 3 })
  const aSeed = new Uint8Array(32).fill(1)
  const bSeed = new Uint8Array(32).fill(2)
  const ai = identityFromSeed(aSeed)
  const bi = identityFromSeed(bSeed)
  const sanctions: Misbehaviour[] = []
  const rejected: string[] = []
  sim.addNode(ai.peerId, ctx => [new GossipSub(ctx.env('gossipsub', {
    event: (e: GossipSubEvent) => { if (e.type === 'rejected') rejected.push(e.reason) },
    misbehaviour: m => sanctions.push(m)
  }), ai, config)])
  sim.addNode(bi.peerId, ctx => [new GossipSub(ctx.env('gossipsub'), bi, config)])
  sim.link(ai.peerId, bi.peerId)
  const a = sim.core<GossipSub>(ai.peerId, 'gossipsub')
  const b = sim.core<GossipSub>(bi.peerId, 'gossipsub')
  a.subscribe(0, 'blocks')
  b.subscribe(0, 'blocks')
  sim.run(2000)
  return { sim, a, b, bId: bi.peerId, sanctions, rejected, bSeed, aId: ai.peerId }
}

test('publish refuses a message over maxMessageSize, saying the limit', () => {
  const { sim, b } = pair({ maxMessageSize: 2000 })
  assert.throws(() => b.publish(sim.now, 'blocks', new Uint8Array(1990)), /ERR_MESSAGE_TOO_LARGE|exceeds maxMessageSize \(2000 bytes\).*1 MiB/)
  assert.equal(b.publish(sim.now, 'blocks', new Uint8Array(1500)).recipients, 1)
})

test('a valid message over maxMessageSize is dropped as too big, without penalty, and never asked for again', () => {
  const { sim, a, aId, bId, sanctions, rejected, bSeed } = pair({ maxMessageSize: 2000 })
  const msg = signMessage(identityFromSeed(bSeed), 'blocks', new Uint8Array(3000), seqnoBytes(77n))
  sim.inject(bId, aId, 'gossipsub', a.wire.codec.encode({ subscriptions: [], messages: [msg] }))
  sim.run(sim.now + 100)
  assert.equal(a.stats.tooBig, 1)
  assert.equal(a.stats.delivered, 0)
  assert.equal(a.stats.malformed + a.stats.rejected, 0)
  assert.deepEqual(rejected, ['too-big'])
  assert.ok(a.score.score(sim.now, bId) >= 0)
  const id = defaultMessageId('StrictSign', msg)
  sim.inject(bId, aId, 'gossipsub', a.wire.codec.encode(controlRpc({ ihave: [{ topicID: 'blocks', messageIDs: [id] }] })))
  sim.run(sim.now + 100)
  assert.equal(a.stats.iwantSent, 0, 'seen: not asked for by IWANT')
  assert.deepEqual(sanctions, [])
})

test('a frame over maxFrameBytes costs a quarter of a behaviour penalty and no strike; garbage is struck and banned', () => {
  const { sim, a, aId: to, bId, sanctions } = pair({ maxMessageSize: 2000, maxFrameBytes: 4000 })
  for (let i = 0; i < 10; i++) sim.inject(bId, to, 'gossipsub', new Uint8Array(5000))
  sim.run(sim.now + 100)
  assert.equal(a.stats.oversize, 10)
  assert.equal(a.stats.malformed, 0)
  assert.ok(sanctions.every(m => m.sanction === 'penalise' && /maxFrameBytes/.test(m.reason)), 'penalised, never banned')
  for (let i = 0; i < 5; i++) sim.inject(bId, to, 'gossipsub', Uint8Array.from([0xff, 0xff, 0xff]))
  sim.run(sim.now + 100)
  assert.equal(a.stats.malformed, 5)
  assert.deepEqual(sanctions.filter(m => m.sanction === 'ban').map(m => m.reason), ['5 unreadable RPCs'])
})

test('a raised maxMessageSize raises the frame and codec limits with it; a contradiction is refused', () => {
  const { a } = pair({ maxMessageSize: 8 * 1024 * 1024 })
  assert.ok(a.config.maxFrameBytes > 8 * 1024 * 1024 && a.config.limits.maxDataBytes > 8 * 1024 * 1024)
  assert.throws(() => pair({ maxMessageSize: 8 * 1024 * 1024, maxFrameBytes: 1024 * 1024 }), /maxFrameBytes .* must be at least maxMessageSize/)
})
