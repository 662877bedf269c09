// Who may join a cluster, on real nodes on 127.0.0.1: with a pre-shared key (libp2p private network) a node
// without the key, or with another key, cannot connect at all while one with it joins; with an allow-list,
// a peer not on it is refused both ways (counted) while a listed one joins. And createNode's data directory
// is private whatever the umask, and refused with the chmod to run when it is open to others.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { waitUntil } from '../../src/agent/cluster.js'
import { createNode, readSwarmKey, UsageError, writeSwarmKey, type NetworkNode } from '../../src/exports/index.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const listen = ['/ip4/127.0.0.1/tcp/0']
const mode = (p: string): number => statSync(p).mode & 0o777

/** The peers each node has seen come up (member:up), recorded from its start. */
function watchUps (nodes: NetworkNode[]): Map<string, string[]> {
  const ups = new Map<string, string[]>()
  for (const n of nodes) {
    ups.set(n.peerId, [])
    n.on('member:up', p => ups.get(n.peerId)!.push(p))
  }
  return ups
}

test('grapevine keygen writes a swarm.key v1 file, mode 0600, and never overwrites one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-keygen-'))
  try {
    const file = join(dir, 'swarm.key')
    const r = await promisify(execFile)(process.execPath, [MAIN, 'keygen', file])
    assert.match(r.stdout, /--psk/)
    assert.match(readFileSync(file, 'utf8'), /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    assert.equal(mode(file), 0o600)
    const before = readFileSync(file, 'utf8')
    await assert.rejects(promisify(execFile)(process.execPath, [MAIN, 'keygen', file]), /exists: a cluster's nodes share one key/)
    assert.equal(readFileSync(file, 'utf8'), before)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a private network: nodes without the pre-shared key, or with another, cannot connect; one with it joins', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-psk-'))
  writeSwarmKey(join(dir, 'cluster.key'))
  writeSwarmKey(join(dir, 'other.key'))
  const psk = readSwarmKey(join(dir, 'cluster.key'))
  const a = await createNode({ listen, psk })
  const b = await createNode({ listen, psk })
  const outsider = await createNode({ listen })
  const stranger = await createNode({ listen, psk: readSwarmKey(join(dir, 'other.key')) })
  const ups = watchUps([a, b, outsider, stranger])
  try {
    const addr = a.libp2p.getMultiaddrs()[0]!
    await assert.rejects(outsider.libp2p.dial(addr), 'no key: the dial fails')
    await assert.rejects(stranger.libp2p.dial(addr), 'another key: the dial fails')
    outsider.join(a.multiaddrs()[0]!)
    stranger.join(a.multiaddrs()[0]!)
    await waitUntil('both joins to fail', () => outsider.driver.stats.dialFailures >= 1 && stranger.driver.stats.dialFailures >= 1)

    b.join(a.multiaddrs()[0]!)
    await waitUntil('the node with the key to join', () => ups.get(a.peerId)!.includes(b.peerId) && ups.get(b.peerId)!.includes(a.peerId))
    assert.deepEqual(ups.get(outsider.peerId), [], 'no peer ever came up at the node without the key')
    assert.deepEqual(ups.get(stranger.peerId), [], 'nor at the node with another key')
    assert.deepEqual(ups.get(a.peerId), [b.peerId], 'the cluster saw only its member')
    assert.equal(a.libp2p.getConnections(outsider.libp2p.peerId).length + a.libp2p.getConnections(stranger.libp2p.peerId).length, 0)
  } finally {
    for (const n of [a, b, outsider, stranger]) await n.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an allow-list: a peer not on it is refused both ways and counted; a listed peer joins', { timeout: 60_000 }, async () => {
  const friend = await createNode({ listen })
  const a = await createNode({ listen, allow: [friend.peerId] })
  const intruder = await createNode({ listen })
  const ups = watchUps([a, friend, intruder])
  try {
    intruder.join(a.multiaddrs()[0]!)
    await waitUntil('the intruder\'s connection to be refused and counted', () => (a.info().driver.notAllowed ?? 0) >= 1)
    await waitUntil('the intruder to hold no connection to a', () => intruder.libp2p.getConnections(a.libp2p.peerId).length === 0)
    await assert.rejects(a.libp2p.dial(intruder.libp2p.getMultiaddrs()[0]!), /gater/, 'a does not dial it either')
    assert.ok(a.info().driver.notAllowed! >= 2, 'each refusal is counted')

    friend.join(a.multiaddrs()[0]!)
    await waitUntil('the listed peer to join', () => ups.get(a.peerId)!.includes(friend.peerId))
    assert.ok(!ups.get(a.peerId)!.includes(intruder.peerId), 'the intruder never came up at a')
    assert.ok(!a.members().active.includes(intruder.peerId) && !a.members().passive.includes(intruder.peerId))
  } finally {
    for (const n of [a, friend, intruder]) await n.stop()
  }
})

test('createNode\'s data directory: 0700 with 0600 files whatever the umask; refused with the chmod to run when open', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-private-'))
  const old = process.umask(0o022)
  try {
    const data = join(dir, 'a')
    const n = await createNode({ dataDir: data, listen })
    await n.state.set('k', 'v')
    await n.stop()
    assert.equal(mode(data), 0o700)
    assert.equal(mode(join(data, 'db')), 0o700)
    for (const f of readdirSync(join(data, 'db'))) assert.equal(mode(join(data, 'db', f)), 0o600, f)

    chmodSync(data, 0o750)
    await assert.rejects(createNode({ dataDir: data, listen }), (err: unknown) => {
      assert.ok(err instanceof UsageError)
      assert.equal(err.message, `the data directory ${data} is open to other users (mode 0750); run: chmod 700 ${data}`)
      return true
    })
    chmodSync(data, 0o700)
    const again = await createNode({ dataDir: data, listen })
    assert.equal(new TextDecoder().decode(again.state.get('k')), 'v', 'after the chmod it starts as before')
    await again.stop()
  } finally {
    process.umask(old)
    rmSync(dir, { recursive: true, force: true })
  }
})
