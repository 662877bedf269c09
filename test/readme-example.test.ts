// The README's API example, run as written (imports from the package entry point).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AntiEntropy, Simulator, UniformPeerSampling } from '../src/exports/index.js'

test('README example: a value written by one node is read at another', () => {
  const sim = new Simulator({ seed: 7, loss: 0.05 })
  const ids = Array.from({ length: 100 }, (_, i) => `n${i}`)
  for (const id of ids) {
    sim.addNode(id, ctx => [
      new AntiEntropy(ctx.env('state'), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), {
        style: 'pushpull',
        content: 'delta',
        periodMs: 1000
      })
    ])
  }
  const changes: unknown[] = []
  sim.onEvent((_node, _protocol, event) => changes.push(event))

  const n3 = sim.protocol<AntiEntropy>('n3', 'state')
  n3.set(sim.now, 'color', new TextEncoder().encode('green'))
  sim.run(15_000)
  assert.equal(new TextDecoder().decode(sim.protocol<AntiEntropy>('n42', 'state').get('color', 'n3')), 'green')
  assert.equal(changes.length, 100, 'one change event per node')
  n3.delete(sim.now, 'color')
  sim.run(30_000)
  assert.ok(ids.every(id => sim.protocol<AntiEntropy>(id, 'state').get('color', 'n3') === undefined))
})

test('README example: membership and Plumtree broadcast', async () => {
  const { Plumtree, HyParView } = await import('../src/exports/index.js')
  const sim = new Simulator({ seed: 1 })
  for (let i = 0; i < 50; i++) {
    const node = sim.addNode(`n${i}`, ctx => {
      const membership = new HyParView(ctx.env('membership'))
      const broadcast = new Plumtree(ctx.env('plumtree'))
      membership.addNeighborListener(broadcast)
      return [membership, broadcast]
    })
    if (i > 0) sim.protocol<InstanceType<typeof HyParView>>(node.id, 'membership').join(sim.now, 'n0')
    sim.run(sim.now + 100)
  }
  sim.run(sim.now + 30_000)
  const got = new Set<string>()
  sim.onEvent((node, protocol, event) => { if (protocol === 'plumtree' && (event as { type: string }).type === 'deliver') got.add(node.id) })
  sim.protocol<InstanceType<typeof Plumtree>>('n7', 'plumtree').broadcast(sim.now, new TextEncoder().encode('hello'))
  sim.run(sim.now + 2000)
  assert.equal(got.size, 50)
})

test('README example: pub/sub on whole nodes, subscribers found through the state', async () => {
  const { createCores, identityFromSeed, PubSub } = await import('../src/exports/index.js')
  type Cores = ReturnType<typeof createCores>
  const sim = new Simulator({ seed: 3, sharedLinks: true })
  const nodes = new Map<string, { cores: Cores, pubsub: InstanceType<typeof PubSub> }>()
  for (let i = 0; i < 100; i++) {
    const identity = identityFromSeed(new Uint8Array(32).fill(i + 1))
    let cores!: Cores
    sim.addNode(identity.peerId, ctx => (cores = createCores(name => ctx.env(name), identity)).all)
    const pubsub = new PubSub(cores.pubsub, { now: () => sim.now, topicsChanged: now => cores.topics?.sync(now) })
    nodes.set(identity.peerId, { cores, pubsub })
    if (i > 0) cores.membership.join(sim.now, [...nodes.keys()][0]!)
    sim.run(sim.now + 10)
  }
  sim.onEvent((node, protocol, event) => {
    if (protocol === 'meshsub') nodes.get(node.id)!.pubsub.handle(event as never)
  })
  const [a, b] = [...nodes.values()].slice(-2).map(n => n.pubsub.join('news'))
  const sub = b!.subscribe({ bufferSize: 256, overflow: 'drop-oldest' })
  a!.subscribe()
  sim.run(sim.now + 20_000)
  const r = await a!.publish(new TextEncoder().encode('hello'))
  assert.ok(r.recipients >= 1)
  sim.run(sim.now + 1000)
  assert.equal(new TextDecoder().decode((await sub.next()).data), 'hello')
})
