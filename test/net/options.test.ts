// createNode's options: mistakes are refused before anything starts, with a message that says what to fix.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, UsageError } from '../../src/exports/index.js'

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
    [{ exemptAddrs: ['127.0.0.1'] }, /exemptAddrs: "127.0.0.1" is not a multiaddr/]
  ]
  for (const [options, message] of cases) {
    await assert.rejects(createNode(options as never), (err: unknown) => {
      assert.ok(err instanceof UsageError, `${JSON.stringify(options)} gives a UsageError`)
      assert.match((err as Error).message, message)
      return true
    })
  }
})
