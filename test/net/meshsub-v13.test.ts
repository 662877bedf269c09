// GossipSub v1.3 over TCP on 127.0.0.1: two grapevine nodes negotiate /meshsub/1.3.0 and exchange their
// Extensions (and the Test Extension's message); a grapevine node and an unmodified @libp2p/gossipsub 17
// node (which stops at 1.2) negotiate down to /meshsub/1.2.0, exchange no extensions, and still deliver
// messages both ways.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { waitUntil } from '../../src/agent/cluster.js'
import { MESHSUB_V13 } from '../../src/gossipsub/extensions.js'
import { grapevineNode, hostOf, jsNode, meshPeers, publish, stopAll, subscribe, type TestNode } from './helpers.js'

/** The protocols of the open /meshsub streams between `a` and `b`, as `a` sees them. */
function meshsubStreams (a: Libp2p, b: Libp2p): string[] {
  return a.getConnections(b.peerId).flatMap(c => c.streams).map(s => s.protocol).filter(p => p.startsWith('/meshsub/')).sort()
}

test('grapevine ↔ grapevine: /meshsub/1.3.0 both ways; Extensions once each, the Test Extension exchanged', { timeout: 30_000 }, async () => {
  const a = await grapevineNode(61, 'StrictSign', { testExtension: true })
  const b = await grapevineNode(62, 'StrictSign', { testExtension: true })
  const nodes: TestNode[] = [a, b]
  try {
    const topic = 'v13'
    subscribe(a, topic)
    subscribe(b, topic)
    await hostOf(a).dial(hostOf(b).getMultiaddrs()[0]!)
    const ga = a.node.cores.gossipsub
    const gb = b.node.cores.gossipsub
    const [ia, ib] = [a.node.libp2p.peerId.toString(), b.node.libp2p.peerId.toString()]
    await waitUntil('both Test Extension messages', () => ga.extensions.testReceived(ib) && gb.extensions.testReceived(ia))
    assert.deepEqual(meshsubStreams(hostOf(a), hostOf(b)), [MESHSUB_V13, MESHSUB_V13], 'one stream each way, both 1.3')
    assert.deepEqual(ga.extensions.peerExtensions(ib), { testExtension: true, partialMessages: false })
    assert.deepEqual(gb.extensions.peerExtensions(ia), { testExtension: true, partialMessages: false })
    for (const g of [ga, gb]) {
      assert.equal(g.stats.extensionsSent, 1)
      assert.equal(g.stats.testExtensionsSent, 1)
      assert.equal(g.stats.extensionsRepeated, 0)
    }
    await waitUntil('the mesh', () => meshPeers(a, topic).includes(ib) && meshPeers(b, topic).includes(ia))
    await publish(a, topic, 'from a')
    await publish(b, topic, 'from b')
    await waitUntil('both messages', () => a.got.get(topic)?.includes('from b') === true && b.got.get(topic)?.includes('from a') === true)
    assert.equal(a.node.driver.stats.penalties + b.node.driver.stats.penalties, 0, 'nobody penalised')
  } finally {
    await stopAll(nodes)
  }
})

test('grapevine ↔ @libp2p/gossipsub 17: down to /meshsub/1.2.0, no extensions, messages both ways', { timeout: 30_000 }, async () => {
  const g = await grapevineNode(63, 'StrictSign', { testExtension: true })
  const j = await jsNode(64, 'StrictSign')
  const nodes: TestNode[] = [g, j]
  try {
    const topic = 'v13-down'
    subscribe(g, topic)
    subscribe(j, topic)
    await hostOf(j).dial(hostOf(g).getMultiaddrs()[0]!)
    const [ig, ij] = [hostOf(g).peerId.toString(), hostOf(j).peerId.toString()]
    await waitUntil('the mesh both ways', () => meshPeers(g, topic).includes(ij) && meshPeers(j, topic).includes(ig))
    assert.deepEqual(meshsubStreams(hostOf(g), hostOf(j)), ['/meshsub/1.2.0', '/meshsub/1.2.0'], 'one stream each way, both 1.2')
    const gs = g.node.cores.gossipsub
    assert.equal(gs.stats.extensionsSent, 0, 'no Extensions on a 1.2 stream')
    assert.deepEqual(gs.extensions.peerExtensions(ij), { testExtension: false, partialMessages: false })
    await publish(g, topic, 'from grapevine')
    await publish(j, topic, 'from js')
    await waitUntil('both messages', () => g.got.get(topic)?.includes('from js') === true && j.got.get(topic)?.includes('from grapevine') === true)
    assert.equal(gs.stats.testExtensionsSent + gs.stats.extensionsRepeated, 0)
    assert.equal(g.node.driver.stats.penalties, 0)
  } finally {
    await stopAll(nodes)
  }
})
