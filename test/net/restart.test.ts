// A node restarted from its data directory without any bootstrap address rejoins through the peers it
// knew (its saved membership views seed the passive view) and keeps its peer id and state.
import { test } from 'node:test'
import { waitUntil } from '../../src/agent/cluster.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '../../src/net/create-node.js'

test('a restart without bootstrap rejoins through the saved membership views', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-restart-'))
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const a = await createNode({ dataDir: join(dir, 'a'), listen })
  const b = await createNode({ dataDir: join(dir, 'b'), listen, bootstrap: [a.multiaddrs()[0]!] })
  let c = await createNode({ dataDir: join(dir, 'c'), listen, bootstrap: [a.multiaddrs()[0]!] })
  try {
    const id = c.peerId
    await waitUntil('c to have neighbours', () => c.members().active.length >= 1)
    await c.state.set('mine', 'kept')
    await c.stop()
    await a.state.set('while-away', 'yes')
    c = await createNode({ dataDir: join(dir, 'c'), listen })
    assert.equal(c.peerId, id)
    assert.equal(new TextDecoder().decode(c.state.get('mine')), 'kept')
    await waitUntil('c to rejoin with no bootstrap address', () => c.members().active.length >= 1, 20_000)
    await waitUntil('c to catch up with what was written while it was away', () => c.state.get('while-away', a.peerId) !== undefined, 20_000)
  } finally {
    await c.stop()
    await b.stop()
    await a.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
