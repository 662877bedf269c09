// Neighbourhood summaries on the real network: three nodes (createNode) each write their summary into the
// replicated state, and node A reads B's and C's from its own state; a node with summaries off writes none.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'
import { readSummaries } from '../../src/node/summary.js'
import { waitUntil } from '../../src/agent/cluster.js'

test('three nodes: A reads B\'s and C\'s summaries from its own replicated state', { timeout: 60_000 }, async () => {
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const nodes: NetworkNode[] = []
  try {
    const a = await createNode({ listen, summaries: { everyMs: 200 } })
    nodes.push(a)
    const b = await createNode({ listen, bootstrap: [a.multiaddrs()[0]!], summaries: { everyMs: 200 } })
    nodes.push(b)
    const c = await createNode({ listen, bootstrap: [a.multiaddrs()[0]!], summaries: false })
    nodes.push(c)
    await assert.rejects(createNode({ summaries: 'yes' as unknown as boolean }), /summaries is true, false/)
    await waitUntil('A to hold B\'s summary naming A as a neighbour', () =>
      readSummaries(a).some(s => s.origin === b.peerId && s.summary.active.includes(a.peerId)))
    const own = readSummaries(a).find(s => s.origin === a.peerId)
    assert.ok(own !== undefined, 'A holds its own summary too')
    assert.ok(Date.now() - own.summary.time < 30_000)
    await new Promise(resolve => setTimeout(resolve, 1000))
    assert.equal(readSummaries(a).some(s => s.origin === c.peerId), false, 'C has summaries off')
    assert.equal(readSummaries(c).some(s => s.origin === b.peerId), true, 'C still reads the others\'')
  } finally {
    await Promise.all(nodes.map(async n => await n.stop()))
  }
})
