// Publishing with back-pressure, never silent (ARCHITECTURE.md, "The pub/sub facade"), in the simulator:
// a publisher whose uplink drains far slower than it publishes. Every message publish() reported queued to a
// peer reaches that peer; whatever was not queued is in the result, and every refusal is counted.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { NodeId, SendQueues } from '../src/core/protocol.js'
import { Rng } from '../src/core/rng.js'
import { identityFromSeed } from '../src/core/identity.js'
import { buildNode } from '../src/node/builder.js'
import type { GrapevineNode } from '../src/node/node.js'
import type { PublishResult } from '../src/gossipsub/gossipsub.js'
import { Simulator } from '../src/sim/simulator.js'

const key = (id: Uint8Array): string => Buffer.from(id).toString('hex')

/**
 * A star: node 0 publishes, nodes 1..3 subscribe and are linked only to it (no relays, so what a peer
 * gets it got from the publisher). `wrap` may change the queues node 0's facade sees.
 */
function star (sim: Simulator, wrap: (q: SendQueues, ids: NodeId[]) => SendQueues = q => q): { nodes: GrapevineNode[], got: Array<Set<string>> } {
  const rng = new Rng(7)
  const identities = Array.from({ length: 4 }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const ids = identities.map(i => i.peerId)
  const nodes: GrapevineNode[] = []
  for (const [i, identity] of identities.entries()) {
    sim.addNode(identity.peerId, ctx => {
      const node = buildNode(i === 0 ? { ...ctx, queues: wrap(ctx.queues, ids) } : ctx, identity, { discovery: false })
      nodes[i] = node
      return node.cores.all
    })
  }
  for (let i = 1; i < 4; i++) sim.link(ids[0]!, ids[i]!)
  const got = nodes.map(() => new Set<string>())
  for (const [i, n] of nodes.entries()) {
    n.pubsub.join('flood').subscribe({ bufferSize: 1 })
    n.pubsub.on('message', m => got[i]!.add(key(m.id)))
  }
  sim.run(sim.now + 3000)
  return { nodes, got }
}

/** Runs the simulator in small steps, letting the facades' promises move between them, until `done()`. */
async function runUntil (sim: Simulator, done: () => boolean, limitMs = 300_000): Promise<void> {
  const end = sim.now + limitMs
  while (!done() && sim.now < end) {
    sim.run(sim.now + 10)
    await new Promise(resolve => setImmediate(resolve))
  }
  assert.ok(done(), 'finished within the time limit')
}

test('publishing far faster than the uplink drains: every queued message arrives, nothing is lost silently', async () => {
  // 100 kB/s up, at most 0.5 s queued (≈ 50 kB): 150 publishes of 4 KiB to 3 peers need ≈ 19 s.
  const sim = new Simulator({ seed: 11, uploadBytesPerMs: 100, maxUplinkQueueMs: 500 })
  const { nodes, got } = star(sim)
  const publisher = nodes[0]!
  const topic = publisher.pubsub.join('flood')
  const results: PublishResult[] = []
  let failed = 0
  const started = sim.now
  // All at once, none awaited before the next: publish() waits for room itself.
  const all = Array.from({ length: 150 }, (_, i) => {
    const data = new Uint8Array(4096)
    new DataView(data.buffer).setUint32(0, i)
    return topic.publish(data, { timeoutMs: 60_000 }).then(r => { results[i] = r }, () => { failed++ })
  })
  let settled = false
  void Promise.all(all).then(() => { settled = true })
  await runUntil(sim, () => settled)
  sim.run(sim.now + 5000)

  assert.equal(failed, 0)
  assert.ok(sim.now - started > 15_000, `publishing waited for the uplink (${sim.now - started} ms)`)
  const peers = nodes.slice(1).map(n => n.peerId)
  let queued = 0
  for (const r of results) {
    assert.equal(r.skipped, r.skippedPeers.length)
    assert.equal(r.recipients + r.skipped, 3)
    const skipped = new Set(r.skippedPeers.map(s => s.peer))
    for (const [j, p] of peers.entries()) {
      // Queued to p ⇔ p has it (star: nobody else could have sent it).
      assert.equal(got[j + 1]!.has(key(r.id)), !skipped.has(p), `message ${key(r.id)} at ${p}`)
    }
    queued += r.recipients
  }
  assert.equal(queued, 3 * 150, 'waiting for room, every copy was queued')

  // The router without the facade's waiting: 30 publishes in one go overflow the uplink; the driver
  // refuses, and each result says to whom (queue-full) — still nothing lost silently.
  const direct = Array.from({ length: 30 }, (_, i) => publisher.cores.gossipsub.publish(sim.now, 'flood', new Uint8Array(4096).fill(i + 1)))
  sim.run(sim.now + 30_000)
  assert.ok(direct.some(r => r.skippedPeers.some(s => s.reason === 'queue-full')), 'some copies were refused')
  for (const r of direct) {
    const skipped = new Set(r.skippedPeers.map(s => s.peer))
    for (const [j, p] of peers.entries()) assert.equal(got[j + 1]!.has(key(r.id)), !skipped.has(p))
  }
  results.push(...direct)
  const stats = publisher.info().pubsubStats
  assert.equal(stats.publishQueueFull + stats.publishSkippedSlow, results.reduce((n, r) => n + r.skipped, 0), 'each skip is counted')
  assert.equal(stats.sendRefused, sim.trafficOf('gossipsub').queueDrops, 'every refusal of the simulator was told to the router and counted')
})

test('a peer whose queue stays full is skipped (reported), without stalling the others; all full → ERR_BACKPRESSURE', async () => {
  const sim = new Simulator({ seed: 12 })
  let slow = new Set<NodeId>()
  const { nodes, got } = star(sim, (q) => ({
    room: (core, peer) => slow.has(peer) ? 0 : q.room(core, peer),
    capacity: (core) => q.capacity(core),
    onRoom: (core, peer, bytes, fn) => slow.has(peer) ? () => {} : q.onRoom(core, peer, bytes, fn)
  }))
  const slowPeer = nodes[3]!.peerId
  slow = new Set([slowPeer])
  const topic = nodes[0]!.pubsub.join('flood')
  const results: PublishResult[] = []
  let done = false
  const t0 = sim.now
  void (async () => {
    for (let i = 0; i < 20; i++) results.push(await topic.publish(new Uint8Array([i]), { slowPeerMs: 1000 }))
    done = true
  })()
  await runUntil(sim, () => done)
  // The slow peer cost one wait of slowPeerMs, then was skipped at once.
  assert.ok(sim.now - t0 < 1500, `20 publishes took ${sim.now - t0} ms`)
  for (const r of results) {
    assert.equal(r.recipients, 2)
    assert.deepEqual(r.skippedPeers, [{ peer: slowPeer, reason: 'slow-peer' }])
  }
  sim.run(sim.now + 1000)
  assert.equal(got[1]!.size, 20)
  assert.equal(got[3]!.size, 0)
  assert.equal(nodes[0]!.info().pubsubStats.publishSkippedSlow, 20)

  // Every target full: publish waits timeoutMs, then rejects saying why and what to do.
  slow = new Set(nodes.slice(1).map(n => n.peerId))
  let error: unknown
  void topic.publish(new Uint8Array([99]), { timeoutMs: 500 }).catch((err: unknown) => { error = err })
  await runUntil(sim, () => error !== undefined)
  assert.match(String(error), /stayed full until the timeout.*publish less often/)
  assert.equal((error as { code?: string }).code, 'ERR_BACKPRESSURE')
})
