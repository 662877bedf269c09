import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rng } from '../core/rng.js'
import { identityFromSeed } from '../core/identity.js'
import { SimCluster } from '../sim/cluster.js'
import { Simulator } from '../sim/simulator.js'
import type { PubSub } from './pubsub.js'

/** Whole nodes (topic discovery off), linked by hand. */
function cluster (n: number): { sim: Simulator, ids: string[], ps: (i: number) => PubSub, link: (a: number, b: number) => void } {
  const sim = new Simulator({ seed: 5 })
  const rng = new Rng(5)
  const nodes = new SimCluster(sim, { discovery: false })
  const ids = Array.from({ length: n }, () => nodes.add(identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256)))).peerId)
  return { sim, ids, ps: (i) => nodes.get(ids[i]!).pubsub, link: (a, b) => sim.link(ids[a]!, ids[b]!) }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

test('join, subscribe, publish, next(): subscribers and a subscribed publisher get the message', async () => {
  const { sim, ids, ps, link } = cluster(6)
  const links: Array<[number, number]> = [[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 2], [3, 4]]
  for (const [a, b] of links) link(a, b)
  const neighbours = (i: number): string[] => links.flatMap(([a, b]) => a === i ? [ids[b]!] : b === i ? [ids[a]!] : [])
  const subs = [0, 1, 2, 3, 4, 5].map(i => ps(i).join('news').subscribe())
  sim.run(3000)
  const topic = ps(2).join('news')
  assert.equal(topic, ps(2).join('news'), 'joining twice gives the same topic')
  const r = await topic.publish(text('hello'))
  assert.ok(r.recipients > 0)
  sim.run(sim.now + 2000)
  for (const [i, s] of subs.entries()) {
    const m = await s.next()
    assert.equal(str(m.data), 'hello')
    assert.equal(m.from, ids[2])
    if (i === 2) assert.equal(m.receivedFrom, null, 'the publisher got its own message from nobody')
    else assert.ok(neighbours(i).includes(m.receivedFrom!), `node ${i} got it from a neighbour (${m.receivedFrom})`)
  }
})

test('for await reads in order; cancel ends the loop and leaves the topic', async () => {
  const { sim, ps, link } = cluster(2)
  link(0, 1)
  const sub = ps(1).join('t').subscribe()
  ps(0).join('t').subscribe()
  sim.run(2000)
  for (const w of ['a', 'b', 'c']) await ps(0).join('t').publish(text(w))
  sim.run(sim.now + 1000)
  const got: string[] = []
  for await (const m of sub) {
    got.push(str(m.data))
    if (got.length === 3) sub.cancel()
  }
  assert.deepEqual(got, ['a', 'b', 'c'])
  assert.equal(ps(1).router.isSubscribed('t'), false)
  await assert.rejects(sub.next(), /cancelled/)
})

test('a slow reader loses the oldest messages, counted, never silently', async () => {
  const { sim, ps, link } = cluster(2)
  link(0, 1)
  const sub = ps(1).join('t').subscribe({ bufferSize: 2 })
  ps(0).join('t').subscribe()
  sim.run(2000)
  for (let i = 0; i < 5; i++) await ps(0).join('t').publish(text(`m${i}`))
  sim.run(sim.now + 1000)
  assert.equal(sub.dropped, 3)
  assert.equal(str((await sub.next()).data), 'm3')
  assert.equal(str((await sub.next()).data), 'm4')
})

test('validators (sync and async) decide what is delivered and forwarded', async () => {
  const { sim, ps, link } = cluster(3)
  link(0, 1); link(1, 2)
  const subs = [0, 1, 2].map(i => ps(i).join('t').subscribe())
  ps(1).join('t').setValidator(async m => str(m.data).startsWith('bad') ? 'reject' : 'accept')
  ps(2).join('t').setValidator(m => str(m.data).endsWith('!') ? 'ignore' : 'accept')
  sim.run(3000)
  for (const w of ['bad one', 'good', 'loud!']) await ps(0).join('t').publish(text(w))
  // Validation verdicts come back through promises: let them settle between simulator steps.
  for (let k = 0; k < 10; k++) {
    sim.run(sim.now + 200)
    await new Promise(resolve => setImmediate(resolve))
  }
  const drain = async (i: number, n: number): Promise<string[]> => { const out: string[] = []; for (let k = 0; k < n; k++) out.push(str((await subs[i]!.next()).data)); return out }
  assert.deepEqual(await drain(1, 2), ['good', 'loud!'])
  assert.deepEqual(await drain(2, 1), ['good'], 'rejected at 1 never reached 2; ignored at 2 not delivered')
  assert.equal(ps(1).router.stats.rejected, 1)
})

test('publishing with nobody there says so; minPeers waits for peers or gives up with an error that says why', async () => {
  const { sim, ps, link } = cluster(2)
  const lonely = await ps(0).join('t').publish(text('x'))
  assert.equal(lonely.recipients, 0)
  assert.equal(lonely.reason, 'no-peers-in-topic')
  const ac = new AbortController()
  const gaveUp = ps(0).join('t').publish(text('y'), { minPeers: 1, signal: ac.signal })
  ac.abort(new Error('stop waiting'))
  await assert.rejects(gaveUp, /stop waiting/)
  const waiting = ps(0).join('t').publish(text('z'), { minPeers: 1 })
  link(0, 1)
  ps(1).join('t').subscribe()
  sim.run(sim.now + 1000)
  const r = await waiting
  assert.equal(r.recipients, 1)
  assert.throws(() => ps(0).join(''), /non-empty topic/)
})

test('stop(): subscriptions end (for await finishes, next() says why), the topic is left, later calls are refused', async () => {
  const sim = new Simulator({ seed: 7 })
  const nodes = new SimCluster(sim, { discovery: false })
  const a = nodes.add(identityFromSeed(new Uint8Array(32).fill(1)))
  const b = nodes.add(identityFromSeed(new Uint8Array(32).fill(2)))
  sim.link(a.peerId, b.peerId)
  const loop = a.pubsub.join('news').subscribe()
  const waiting = a.pubsub.join('other').subscribe()
  sim.run(2000)
  assert.deepEqual(b.cores.gossipsub.peersOf('news'), [a.peerId])
  const ended = (async () => { for await (const _ of loop) { /* no messages */ } return 'ended' })()
  const next = waiting.next()
  await a.stop()
  assert.equal(await ended, 'ended')
  await assert.rejects(next, (e: Error & { code?: string }) => e.code === 'ERR_STOPPED')
  sim.run(sim.now + 500)
  assert.deepEqual(b.cores.gossipsub.peersOf('news'), [], 'the peer heard that the stopped node left the topic')
  assert.throws(() => a.pubsub.join('news'), /stopped/)
  await assert.rejects(a.state.set('k', 'v'), /stopped/)
})
