// Bad input on the real network: a raw libp2p client sends garbage, truncated frames, oversized frames and
// well-formed frames with nonsense content to every grapevine protocol. The node keeps running, counts and
// drops what it cannot use, disconnects and bans a peer that persists, and still serves honest peers.
import { test } from 'node:test'
import { waitUntil } from '../../src/agent/cluster.js'
import assert from 'node:assert/strict'
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { BroadcastCodec } from '../../src/broadcast/codec.js'
import { MembershipCodec } from '../../src/membership/codec.js'
import { MESHSUB_PROTOCOLS } from '../../src/gossipsub/config.js'
import { encodeFrame } from '../../src/net/frames.js'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'
import { RpcCodec } from '../../src/gossipsub/codec.js'
import { StateCodec } from '../../src/state/codec.js'

const PROTOCOLS = ['/grapevine/membership/2.0.0', '/grapevine/plumtree/2.0.0', '/grapevine/state/2.0.0', MESHSUB_PROTOCOLS[1]!]

async function rawClient (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
}

async function sendOn (client: Libp2p, node: NetworkNode, protocol: string, chunks: Uint8Array[]): Promise<void> {
  const s: Stream = await client.dialProtocol(node.libp2p.getMultiaddrs()[0]!, protocol)
  for (const c of chunks) s.send(c)
  await s.close().catch(() => {})
}

function junk (n: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

test('garbage, truncated, oversized and nonsense frames on every protocol: counted and dropped, the node runs on', { timeout: 60_000 }, async () => {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  const client = await rawClient()
  const honest = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const nonsense: Record<string, Uint8Array[]> = {
      // Unsolicited replies and joins naming peers that are not peer ids.
      '/grapevine/membership/2.0.0': [
        new MembershipCodec().encode({ kind: 'shuffleReply', peers: [{ id: 'not a peer', addrs: [junk(20, 1)] }], exchange: 424242 }),
        new MembershipCodec().encode({ kind: 'neighborReply', peer: { id: 'nobody', addrs: [] }, accepted: true })
      ],
      // GRAFTs and IHAVEs for messages that never existed.
      '/grapevine/plumtree/2.0.0': [
        new BroadcastCodec().encode({ kind: 'graft', id: 'no-such-message', round: 7 }),
        new BroadcastCodec().encode({ kind: 'ihave', ids: Array.from({ length: 200 }, (_, i) => `ghost-${i}`), rounds: Array.from({ length: 200 }, () => 1) })
      ],
      // A delta claiming to be the node's own origin, far in its future.
      '/grapevine/state/2.0.0': [
        new StateCodec().encode({ kind: 'push', exchange: 1, digest: [], deltas: [{ origin: node.peerId, generation: 99, fromVersion: 0, toVersion: 1_000_000, entries: [{ key: 'forged', value: new Uint8Array([1]), version: 1_000_000, deleted: false, signature: new Uint8Array(64) }], head: { version: 1_000_000, count: 1, sum: new Uint8Array(32), digest: new Uint8Array(32), signature: new Uint8Array(64) } }] } as never)
      ],
      // A message with a signature that does not verify, GRAFT for a topic we are not in, IWANT for ghosts.
      [MESHSUB_PROTOCOLS[1]!]: [
        new RpcCodec().encode({ subscriptions: [], messages: [{ from: junk(38, 3), data: junk(10, 4), seqno: junk(8, 5), topic: 't', signature: junk(64, 6) }], control: { ihave: [], iwant: [{ messageIDs: [junk(40, 7)] }], graft: [{ topicID: 'not-subscribed' }], prune: [], idontwant: [] } })
      ]
    }
    for (const [i, p] of PROTOCOLS.entries()) {
      await sendOn(client, node, p, [encodeFrame(junk(100, 10 + i))]) // garbage in a well-formed frame
      await sendOn(client, node, p, [Uint8Array.from([0xe8, 0x07]), junk(10, 20 + i)]) // 1000 announced, 10 sent
      await sendOn(client, node, p, [Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x01]), junk(64 * 1024, 30 + i)]) // 256 MiB announced
      await sendOn(client, node, p, (nonsense[p] ?? []).map(encodeFrame))
    }
    await waitUntil('the bad frames to be counted', () => {
      const s = node.driver.stats
      return s.malformed >= 4 && s.truncated >= 4 && s.oversize >= 4
    })
    assert.equal(node.cores.state.get('forged'), undefined, 'a forged delta for our own origin is ignored')

    // A peer that persists is disconnected and banned.
    const before = node.driver.stats.bans
    for (let k = 0; k < 6; k++) await sendOn(client, node, '/grapevine/membership/2.0.0', [encodeFrame(junk(50, 100 + k))]).catch(() => {})
    await waitUntil('the persistent peer to be banned and disconnected', () => node.driver.stats.bans > before && node.libp2p.getConnections(client.peerId).length === 0)
    await assert.rejects(client.dialProtocol(node.libp2p.getMultiaddrs()[0]!, PROTOCOLS[0]!), 'a banned peer cannot come back')
    const ban = node.info().bans.find(b => b.peer === client.peerId.toString())
    assert.ok(ban !== undefined && ban.core === 'membership' && /unreadable|malformed/.test(ban.reason) && ban.remainingMs > 0, `the ban is in info with its reason: ${JSON.stringify(node.info().bans)}`)

    // The node still serves honest peers.
    honest.join(node.multiaddrs()[0]!)
    await honest.state.set('hello', 'world')
    await waitUntil('an honest peer joins and its state arrives', () => node.state.get('hello', honest.peerId) !== undefined, 20_000)
  } finally {
    await client.stop()
    await honest.stop()
    await node.stop()
  }
})
