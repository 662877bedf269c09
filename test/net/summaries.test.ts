// Neighbourhood summaries on the real network: three nodes (createNode) each write their summary into the
// replicated state, and node A reads B's and C's from its own state; a fourth without summaries (createNode's
// default) writes none.
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
    const c = await createNode({ listen, bootstrap: [b.multiaddrs()[0]!], summaries: true })
    nodes.push(c)
    const d = await createNode({ listen, bootstrap: [a.multiaddrs()[0]!] })
    nodes.push(d)
    await assert.rejects(createNode({ summaries: 'yes' as unknown as boolean }), /summaries is true, false/)
    await waitUntil('A to hold B\'s summary naming A as a neighbour, and C\'s', () =>
      readSummaries(a).some(s => s.origin === b.peerId && s.summary.active.includes(a.peerId)) &&
      readSummaries(a).some(s => s.origin === c.peerId && s.summary.activeCount > 0))
    const own = readSummaries(a).find(s => s.origin === a.peerId)
    assert.ok(own !== undefined, 'A holds its own summary too')
    assert.ok(Date.now() - own.summary.time < 30_000)
    await new Promise(resolve => setTimeout(resolve, 1000))
    assert.equal(readSummaries(a).some(s => s.origin === d.peerId), false, 'D has summaries off (the default of createNode)')
    assert.equal(readSummaries(d).some(s => s.origin === b.peerId), true, 'D still reads the others\'')
  } finally {
    await Promise.all(nodes.map(async n => await n.stop()))
  }
})
