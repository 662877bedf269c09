// Discovery without a bootstrap list, on 127.0.0.1: members find each other through a Kademlia DHT entered
// at one contact that is not a member (a plain libp2p node), and through mDNS where multicast works.
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import assert from 'node:assert/strict'
import { networkInterfaces, tmpdir } from 'node:os'
import { test } from 'node:test'
import { createLibp2p } from 'libp2p'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { api, spawnAgent, stopAgent, waitUntil, type RunningAgent } from '../../src/agent/cluster.js'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'
import { grapevineDht } from '../../src/net/peer-discovery.js'
import { seedOf } from './helpers.js'

/** A plain libp2p node running grapevine's DHT and nothing else: an entry point, not a member. */
async function dhtOnlyNode (): Promise<Awaited<ReturnType<typeof createLibp2p>>> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.1'] },
    services: { identify: identify(), ping: ping(), dht: grapevineDht() }
  })
}

/** Whether the nodes' active views (taken as undirected edges) make one connected graph. */
export function oneOverlay (nodes: NetworkNode[]): boolean {
  const ids = new Map(nodes.map(n => [n.peerId, n]))
  const seen = new Set([nodes[0]!.peerId])
  const todo = [nodes[0]!.peerId]
  const edges = new Map<string, Set<string>>()
  for (const n of nodes) {
    for (const p of n.members().active) {
      if (!ids.has(p)) continue
      edges.set(n.peerId, (edges.get(n.peerId) ?? new Set()).add(p))
      edges.set(p, (edges.get(p) ?? new Set()).add(n.peerId))
    }
  }
  while (todo.length > 0) {
    for (const p of edges.get(todo.pop()!) ?? []) if (!seen.has(p)) { seen.add(p); todo.push(p) }
  }
  return seen.size === nodes.length
}

test('10 nodes with one DHT contact (not a member) and no bootstrap list form one overlay and share a topic', { timeout: 180_000 }, async () => {
  const entry = await dhtOnlyNode()
  const contact = entry.getMultiaddrs()[0]!.toString()
  const nodes: NetworkNode[] = []
  try {
    const start = Date.now()
    for (let i = 0; i < 10; i++) {
      nodes.push(await createNode({ seed: seedOf(60 + i), listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'test-cluster', contacts: [contact], intervalMs: 250 } } }))
    }
    // Alone it takes about 5 s here; beside the rest of the suite on two cores it has taken 37 s.
    await waitUntil('one overlay', () => oneOverlay(nodes), 120_000)
    console.log(`10 nodes formed one overlay through the DHT in ${Date.now() - start} ms`)
    for (const n of nodes) {
      assert.ok(!n.members().active.includes(entry.peerId.toString()), 'the DHT-only contact is never a neighbour')
      assert.ok((n.info().driver as Record<string, number>).discoveryRounds! > 0, 'each node looked the cluster up')
    }
    assert.ok(nodes.filter(n => (n.info().driver as Record<string, number>).discoveryFound! > 0).length >= 9, 'all but perhaps the first found members through the DHT')
    const topics = nodes.map(n => n.pubsub.join('disc'))
    const got: string[][] = nodes.map(() => [])
    topics.forEach((t, i) => {
      const s = t.subscribe()
      void (async () => { for await (const m of s) got[i]!.push(new TextDecoder().decode(m.data)) })().catch(() => {}) // ends when the node stops
    })
    // Published once every node has a mesh for the topic (a message sent before then could miss a node).
    await waitUntil('a mesh at every node', () => nodes.every(n => (n.info().topicPeers.disc?.mesh.length ?? 0) > 0), 30_000)
    const r = await topics[3]!.publish(new TextEncoder().encode('found you'), { minPeers: 1, timeoutMs: 10_000 })
    assert.ok(r.recipients >= 1)
    await waitUntil('the message at every node', () => got.every(g => g.includes('found you')), 30_000)
    assert.deepEqual(got, Array.from({ length: 10 }, () => ['found you']))
  } finally {
    await Promise.all(nodes.map(async n => await n.stop()))
    await entry.stop()
  }
})

test('a member of another cluster on the same DHT is not fed to membership', { timeout: 60_000 }, async () => {
  const entry = await dhtOnlyNode()
  const contact = entry.getMultiaddrs()[0]!.toString()
  const a = await createNode({ seed: seedOf(80), listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'red', contacts: [contact], intervalMs: 200 } } })
  const b = await createNode({ seed: seedOf(81), listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'red', contacts: [contact], intervalMs: 200 } } })
  const c = await createNode({ seed: seedOf(82), listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'blue', contacts: [contact], intervalMs: 200 } } })
  try {
    await waitUntil('a and b to be neighbours', () => a.members().active.includes(b.peerId) && b.members().active.includes(a.peerId))
    // c has looked up its cluster many times meanwhile and found nobody (it is alone in it).
    await waitUntil('c to look blue up', () => (c.info().driver as Record<string, number>).discoveryRounds! >= 3)
    assert.deepEqual(c.members(), { active: [], passive: [] })
    assert.ok(!a.members().active.includes(c.peerId) && !a.members().passive.includes(c.peerId))
  } finally {
    await Promise.all([a, b, c].map(async n => await n.stop()))
    await entry.stop()
  }
})

test('peerDiscovery options are checked', async () => {
  await assert.rejects(createNode({ peerDiscovery: { dht: { cluster: '' } } }), /dht.cluster/)
  await assert.rejects(createNode({ peerDiscovery: { dht: { cluster: 'x', contacts: ['/ip4/127.0.0.1/tcp/1'] } } }), /p2p/)
  await assert.rejects(createNode({ peerDiscovery: { mdns: 'yes' } as never }), /mdns is true or false/)
})

// mDNS sends to 224.0.0.251 on the machine's interfaces; without one that is up and not loopback there is
// no multicast to test (measured here: this sandbox's eth0 carries it, and nodes find each other).
const lan = Object.values(networkInterfaces()).flat().some(i => i !== undefined && !i.internal && i.family === 'IPv4')
test('4 nodes with mDNS and no bootstrap list form one overlay', { timeout: 60_000, skip: lan ? false : 'no non-loopback IPv4 interface: no multicast for mDNS here' }, async () => {
  const nodes: NetworkNode[] = []
  try {
    for (let i = 0; i < 4; i++) nodes.push(await createNode({ seed: seedOf(90 + i), listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { mdns: true } }))
    await waitUntil('one overlay', () => oneOverlay(nodes), 30_000)
    for (const n of nodes) assert.ok((n.info().driver as Record<string, number>).discoveryFound! > 0, 'each node found others by mDNS')
  } finally {
    await Promise.all(nodes.map(async n => await n.stop()))
  }
})

test('agents: --cluster and --dht-contact find the cluster without --bootstrap', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-disc-'))
  const agents: RunningAgent[] = []
  try {
    agents.push(await spawnAgent(join(dir, 'a0'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--cluster', 'agents']))
    for (let i = 1; i < 3; i++) agents.push(await spawnAgent(join(dir, `a${i}`), ['--listen', '/ip4/127.0.0.1/tcp/0', '--cluster', 'agents', '--dht-contact', agents[0]!.record.multiaddrs[0]!]))
    const members = async (a: RunningAgent): Promise<{ active: string[], passive: string[] }> => await api(a, 'GET', '/v1/members')
    await waitUntil('each agent to know the two others', async () => (await Promise.all(agents.map(members))).every((m, i) =>
      agents.every((b, j) => i === j || m.active.includes(b.record.peerId) || m.passive.includes(b.record.peerId)) && m.active.length > 0), 30_000)
  } finally {
    await Promise.all(agents.map(async a => await stopAgent(a)))
    rmSync(dir, { recursive: true, force: true })
  }
})
