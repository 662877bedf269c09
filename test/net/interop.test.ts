// Interoperability with an implementation no one here wrote: unmodified @libp2p/gossipsub nodes and
// grapevine nodes in one network on 127.0.0.1, both signature policies, relaying both ways.
import { test } from 'node:test'
import { waitUntil } from '../../src/agent/cluster.js'
import assert from 'node:assert/strict'
import { grapevineNode, hostOf, jsNode, meshPeers, publish, stopAll, subscribe, topicPeers, type TestNode } from './helpers.js'

for (const policy of ['StrictSign', 'StrictNoSign'] as const) {
  test(`${policy}: js — grapevine — js — grapevine in a line: every message reaches every other node`, { timeout: 60_000 }, async () => {
    const base = policy === 'StrictSign' ? 10 : 20
    // J1 — G1 — J2 — G2: each middle node relays between two nodes of the other implementation.
    const nodes: TestNode[] = [await jsNode(base + 1, policy), await grapevineNode(base + 2, policy), await jsNode(base + 3, policy), await grapevineNode(base + 4, policy)]
    try {
      const topic = `interop-${policy}`
      for (const n of nodes) subscribe(n, topic)
      for (let i = 0; i + 1 < nodes.length; i++) await hostOf(nodes[i]!).dial(hostOf(nodes[i + 1]!).getMultiaddrs()[0]!)
      const ids = nodes.map(n => hostOf(n).peerId.toString())
      await waitUntil('subscriptions and meshes along the line', () => nodes.every((n, i) => {
        const want = [ids[i - 1], ids[i + 1]].filter(x => x !== undefined)
        return want.every(p => topicPeers(n, topic).includes(p) && meshPeers(n, topic).includes(p))
      }))
      for (const [i, n] of nodes.entries()) await publish(n, topic, `from ${i}`)
      const others = (i: number): string[] => nodes.map((_, j) => `from ${j}`).filter((_, j) => j !== i)
      await waitUntil('every message at every other node', () => nodes.every((n, i) => others(i).every(m => (n.got.get(topic) ?? []).includes(m))))
      // Only the line's links exist, so what crossed it was relayed by the other implementation.
      for (const [i, n] of nodes.entries()) {
        const linked = [...new Set(hostOf(n).getConnections().map(c => c.remotePeer.toString()))].sort()
        assert.deepEqual(linked, [ids[i - 1], ids[i + 1]].filter(x => x !== undefined).sort(), `node ${i} is linked to its line neighbours only`)
        const got = (n.got.get(topic) ?? []).filter(m => m !== `from ${i}`)
        assert.deepEqual([...got].sort(), others(i).sort(), `node ${i} (${n.kind}) got each message once`)
      }
    } finally {
      await stopAll(nodes)
    }
  })
}
