import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from '../core/rng.js'
import { Simulator } from '../sim/simulator.js'
import { GossipSub, type GossipSubConfig, type GossipSubEvent } from './gossipsub.js'
import { TopicHistory } from './history.js'
import { identityFromSeed } from '../core/identity.js'
import type { RPC } from '../wire/rpc.js'

const key = (id: Uint8Array): string => Buffer.from(id).toString('hex')
const msg = (topic: string, n: number, size: number): RPC.Message => ({ topic, data: new Uint8Array(size).fill(n) })
const idOf = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.of(n >> 8, n & 255)

test('the history keeps at most `messages` messages, `bytes` payload bytes and `ms` of age, newest first', () => {
  const h = new TopicHistory(t => t === 'a' ? { messages: 5, bytes: 1000, ms: 10_000 } : undefined, key)
  h.open('a')
  h.open('b') // no bounds: no history
  assert.equal(h.has('b'), false)
  for (let i = 0; i < 8; i++) h.put(i, idOf(i), msg('a', i, 100))
  assert.equal(h.size, 5)
  assert.deepEqual(h.ids(8, 'a', 100).map(key), [7, 6, 5, 4, 3].map(i => key(idOf(i))))
  // Bytes: 300-byte messages, at most 1,000 bytes: three remain.
  for (let i = 10; i < 14; i++) h.put(i, idOf(i), msg('a', i, 300))
  assert.equal(h.size, 3)
  assert.ok(h.bytes <= 1000)
  // A message larger than the byte bound is never kept.
  h.put(20, idOf(99), msg('a', 99, 2000))
  assert.equal(h.getForIwant(idOf(99), 'p', 3), undefined)
  // Age: everything put before now − 10 s is gone.
  assert.equal(h.ids(10_011, 'a', 100).length, 2)
  h.expire(10_014)
  assert.equal(h.size, 0)
  assert.equal(h.bytes, 0)
  // A message is served at most `max` times to one peer; other peers are counted apart.
  h.put(20_000, idOf(1), msg('a', 1, 10))
  for (let i = 0; i < 3; i++) assert.ok(h.getForIwant(idOf(1), 'p', 3) !== undefined)
  assert.equal(h.getForIwant(idOf(1), 'p', 3), undefined)
  assert.ok(h.getForIwant(idOf(1), 'q', 3) !== undefined)
  // Leaving the topic forgets it; many puts keep the arrays bounded.
  for (let i = 0; i < 10_000; i++) h.put(30_000 + i, idOf(i), msg('a', i, 1))
  assert.equal(h.size, 5)
  h.close('a')
  assert.equal(h.size, 0)
})

/**
 * 20 nodes; 19 subscribe, 10 messages are published, then the 20th subscribes: with the history it gets the
 * 10 earlier messages (through one IHAVE per GRAFT and its IWANTs), without it none.
 */
function lateSubscriber (config: Partial<GossipSubConfig>): { early: number, stats: GossipSub['stats'], late: GossipSub } {
  const sim = new Simulator({ seed: 7 })
  const rng = new Rng(7).fork('keys')
  const idents = Array.from({ length: 20 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const ids = idents.map(i => i.peerId)
  const got = new Set<string>()
  const last = ids[19]!
  idents.forEach((ident, i) => sim.addNode(ids[i]!, ctx => [new GossipSub(ctx.env('gossipsub', {
    event: (e: GossipSubEvent) => { if (e.type === 'message' && ctx.id === last) got.add(key(e.id)) }
  }), ident, config)]))
  const gs = (id: string): GossipSub => sim.core<GossipSub>(id, 'gossipsub')
  for (const [i, a] of ids.entries()) for (const b of ids.slice(i + 1)) if (rng.float() < 0.4) sim.link(a, b)
  for (const id of ids.slice(0, 19)) gs(id).subscribe(0, 'blocks')
  sim.run(3000)
  const early: Uint8Array[] = []
  for (const [i, id] of ids.slice(0, 10).entries()) {
    early.push(gs(id).publish(sim.now, 'blocks', new TextEncoder().encode(`early ${i}`)).id)
    sim.run(sim.now + 200) // one at a time: every node's history holds them in the same order
  }
  sim.run(sim.now + 8000) // past the message cache's 5 heartbeats: only a history still has them
  gs(last).subscribe(sim.now, 'blocks')
  sim.run(sim.now + 5000)
  return { early: early.filter(id => got.has(key(id))).length, stats: sumStats(ids.map(gs)), late: gs(last) }
}

function sumStats (all: GossipSub[]): GossipSub['stats'] {
  const sum = { ...all[0]!.stats }
  for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] = all.reduce((a, g) => a + g.stats[k], 0)
  return sum
}

test('a late subscriber gets the messages published before it joined with the history on, and none with it off', () => {
  const off = lateSubscriber({})
  assert.equal(off.early, 0)
  assert.equal(off.stats.historyIHaves, 0)
  const on = lateSubscriber({ historyMessages: 64 })
  assert.equal(on.early, 10)
  assert.ok(on.stats.historyIHaves > 0)
  // Each once: the late subscriber asks for an id again only if the peer it asked first did not deliver.
  assert.equal(on.stats.historyServed, 10)
  assert.ok(on.late.stats.iwantSent > 0)
  // Bounded by count: a history of 4 gives the 4 newest only.
  const four = lateSubscriber({ historyMessages: 4 })
  assert.equal(four.early, 4)
  // Per-topic override: only the topic named keeps one.
  assert.equal(lateSubscriber({ historyTopics: { blocks: { messages: 64 } } }).early, 10)
  assert.equal(lateSubscriber({ historyTopics: { other: { messages: 64 } } }).early, 0)
})

test('history settings are validated', () => {
  const sim = new Simulator({ seed: 1 })
  const ident = identityFromSeed(new Uint8Array(32))
  assert.throws(() => sim.addNode('x', ctx => [new GossipSub(ctx.env('gossipsub'), ident, { historyMessages: -1 })]), /historyMessages/)
  assert.throws(() => sim.addNode('y', ctx => [new GossipSub(ctx.env('gossipsub'), ident, { historyTopics: { a: { messages: -3 } } })]), /historyTopics/)
})
