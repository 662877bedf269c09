// createNode's options: mistakes are refused before anything starts, with a message that says what to fix.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, UsageError } from '../../src/exports/index.js'
import { waitUntil } from '../../src/agent/cluster.js'
import { identityFromSeed } from '../../src/core/identity.js'
import { seedOf } from './helpers.js'

test('createNode refuses bad options with errors that say what to fix', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ listne: ['/ip4/0.0.0.0/tcp/0'] }, /unknown option "listne"; createNode takes dataDir, listen/],
    [{ listen: '/ip4/0.0.0.0/tcp/0' }, /listen must be an array of multiaddr strings/],
    [{ listen: ['0.0.0.0:4001'] }, /listen: "0.0.0.0:4001" is not a multiaddr \(e.g. \/ip4\/0.0.0.0\/tcp\/4001\)/],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, /needs the peer id at the end: …\/p2p\/<peer id>/],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/notapeer'] }, /not a (peer id|multiaddr)/],
    [{ signaturePolicy: 'Strict' }, /signaturePolicy is 'StrictSign' or 'StrictNoSign'/],
    [{ maxConnections: 0 }, /maxConnections must be a positive integer/],
    [{ dataDir: '' }, /dataDir must be a folder path/],
    [{ allow: ['12D3KooWnotapeer'] }, /allow: "12D3KooWnotapeer" is not a peer id/],
    [{ allow: [] }, /allow is an empty list, which would refuse every peer/],
    [{ psk: new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nabc') }, /not a pre-shared key in the swarm.key v1 format .*grapevine keygen FILE/],
    [{ exemptAddrs: ['127.0.0.1'] }, /exemptAddrs: "127.0.0.1" is not a multiaddr/],
    [{ gossipsub: { directPeers: '12D3KooW' } }, /gossipsub.directPeers must be an array/],
    [{ gossipsub: { directPeers: ['/ip4/127.0.0.1/tcp/4001'] } }, /gossipsub.directPeers: .* is not a multiaddr ending in \/p2p\/<peer id>/],
    [{ gossipsub: { directPeers: ['12D3KooWnotapeer'] } }, /gossipsub.directPeers: "12D3KooWnotapeer" is not a peer id/]
  ]
  for (const [options, message] of cases) {
    await assert.rejects(createNode(options as never), (err: unknown) => {
      assert.ok(err instanceof UsageError, `${JSON.stringify(options)} gives a UsageError`)
      assert.match((err as Error).message, message)
      return true
    })
  }
})

test('gossipsub.directPeers: a multiaddr with /p2p/ (dialled) or a peer id; direct peers exchange messages without a mesh', { timeout: 30_000 }, async () => {
  const a = await createNode({ seed: seedOf(160), listen: ['/ip4/127.0.0.1/tcp/0'], gossipsub: { directPeers: [identityFromSeed(seedOf(161)).peerId] } })
  const b = await createNode({ seed: seedOf(161), listen: ['/ip4/127.0.0.1/tcp/0'], gossipsub: { directPeers: [a.multiaddrs()[0]!] } })
  try {
    const ta = a.pubsub.join('d')
    const tb = b.pubsub.join('d')
    const theirs = tb.subscribe()
    ta.subscribe()
    await waitUntil('b dials a, its direct peer', () => a.cores.gossipsub.peersOf('d').includes(b.peerId) && b.cores.gossipsub.peersOf('d').includes(a.peerId))
    const r = await ta.publish(new TextEncoder().encode('direct'), { minPeers: 1, timeoutMs: 5000 })
    assert.equal(r.recipients, 1)
    assert.equal(new TextDecoder().decode((await theirs.next()).data), 'direct')
    assert.equal(a.cores.gossipsub.mesh.get('d')?.size, 0, 'no mesh between direct peers')
    assert.equal(b.cores.gossipsub.mesh.get('d')?.size, 0)
  } finally {
    await b.stop()
    await a.stop()
  }
})
