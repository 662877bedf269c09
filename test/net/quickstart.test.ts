// The README's quickstart, on two nodes on 127.0.0.1 (imports from the package entry point).
import { test } from 'node:test'
import { waitUntil } from '../../src/agent/cluster.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '../../src/exports/index.js'

test('README quickstart: pub/sub, state, broadcast and membership between two nodes', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-qs-'))
  const first = await createNode({ dataDir: join(dir, 'a'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  const ups: string[] = []
  const node = await createNode({ dataDir: join(dir, 'b'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [first.multiaddrs()[0]!], signaturePolicy: 'StrictSign' })
  node.on('member:up', peer => ups.push(peer))
  try {
    const chat = node.pubsub.join('chat')
    chat.setValidator(msg => msg.data.length < 1024 ? 'accept' : 'reject')
    const sub = chat.subscribe({ bufferSize: 1024, overflow: 'drop-oldest' })
    const theirs = first.pubsub.join('chat').subscribe()
    const r = await chat.publish(new TextEncoder().encode('hi'), { minPeers: 1, timeoutMs: 5000 })
    assert.equal(r.recipients, 1)
    assert.equal(new TextDecoder().decode((await theirs.next()).data), 'hi')
    assert.equal(new TextDecoder().decode((await sub.next()).data), 'hi', 'a subscribed publisher gets its own message')

    const changes: string[] = []
    first.on('change', c => changes.push(`${c.origin === node.peerId ? 'node' : 'other'}:${c.key}`))
    await node.state.set('role', 'frontend')
    await waitUntil('the state to replicate', () => first.state.get('role', node.peerId) !== undefined)
    assert.deepEqual(changes, ['node:role'])

    let delivered = ''
    first.on('broadcast', d => { delivered = new TextDecoder().decode(d.payload) })
    node.broadcast('to every node')
    await waitUntil('the broadcast', () => delivered === 'to every node')
    assert.ok(ups.includes(first.peerId), 'the bootstrap node became a neighbour')
  } finally {
    await node.stop()
    await first.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
