// Authenticated broadcast on the real network (127.0.0.1): a raw libp2p client sends Plumtree GOSSIPs that
// name another node as their source — one signed with the client's own key, one with the real author's
// signature over another payload. The victim refuses both, counts them and penalises the sender, forwards
// nothing, and keeps running: honest broadcasts still reach every node, and the genuine message with the id
// the forgeries used is still delivered.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { waitUntil } from '../../src/agent/cluster.js'
import { BroadcastCodec } from '../../src/broadcast/codec.js'
import type { BroadcastDelivery } from '../../src/broadcast/messages.js'
import { signedBytes, signGossip } from '../../src/broadcast/signing.js'
import { identityFromSeed, signBytes } from '../../src/core/identity.js'
import type { Misbehaviour } from '../../src/core/protocol.js'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'
import { encodeFrame } from '../../src/net/frames.js'
import { seedOf } from './helpers.js'

const PLUMTREE = '/grapevine/plumtree/2.0.0'
const codec = new BroadcastCodec()
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

test('forged GOSSIPs over TCP are refused, counted and penalised; honest broadcasts still reach everyone', { timeout: 60_000 }, async () => {
  const nodes: NetworkNode[] = []
  let client: Libp2p | undefined
  try {
    for (const n of [21, 22, 23]) nodes.push(await createNode({ seed: seedOf(n), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false }))
    const [victim, author, other] = nodes as [NetworkNode, NetworkNode, NetworkNode]
    const got = new Map<NetworkNode, BroadcastDelivery[]>(nodes.map(n => [n, []]))
    for (const n of nodes) n.on('broadcast', d => got.get(n)!.push(d))
    const reports: Array<Misbehaviour & { core: string }> = []
    victim.on('misbehaviour', m => reports.push(m))
    author.join(victim.multiaddrs()[0]!)
    other.join(victim.multiaddrs()[0]!)
    await waitUntil('both nodes to be the victim\'s neighbours', () => victim.members().active.length === 2 && victim.cores.broadcast.eager.size === 2, 20_000)

    // The author's genuine message (made with its key, as its node would), and two forgeries of its id.
    const authorKey = identityFromSeed(seedOf(22))
    assert.equal(authorKey.peerId, author.peerId)
    const genuine = signGossip(authorKey, 7, new TextEncoder().encode('genuine'))
    const evil = new TextEncoder().encode('forged')
    client = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    const clientKey = identityFromSeed(seedOf(99))
    const forgedSource = { ...genuine, payload: evil, signature: signBytes(clientKey, signedBytes(author.peerId, 7, evil)) }
    const tampered = { ...genuine, payload: evil }
    const penaltiesBefore = victim.driver.stats.penalties
    const stream = await client.dialProtocol(victim.libp2p.getMultiaddrs()[0]!, PLUMTREE)
    stream.send(encodeFrame(codec.encode(forgedSource)))
    stream.send(encodeFrame(codec.encode(tampered)))
    await waitUntil('the victim to refuse both forgeries', () => victim.cores.broadcast.stats.rejected === 2)
    const stats = victim.cores.broadcast.stats
    assert.equal(stats.rejections['bad-signature'], 2)
    assert.equal(stats.verified, 2)
    assert.equal(victim.driver.stats.penalties - penaltiesBefore, 2)
    assert.deepEqual(reports.map(r => [r.core, r.peer, r.sanction]), Array(2).fill(['broadcast', client.peerId.toString(), 'penalise']))

    // Still running: an honest broadcast reaches everyone, through the victim, with its verified source.
    const id = other.broadcast('honest')
    await waitUntil('the honest broadcast to reach every node', () => nodes.every(n => n === other || got.get(n)!.some(d => d.id === id)))
    for (const n of nodes) {
      const d = got.get(n)!.find(x => x.id === id)!
      assert.equal(d.source, other.peerId)
      assert.equal(text(d.payload), 'honest')
    }
    // Nothing forged was delivered or forwarded anywhere.
    assert.ok(nodes.every(n => got.get(n)!.every(d => text(d.payload) !== 'forged')))
    assert.equal(author.cores.broadcast.stats.rejected + other.cores.broadcast.stats.rejected, 0, 'the victim forwarded no forgery')

    // The genuine message, with the id the forgeries used, still gets through (its id was never marked seen).
    stream.send(encodeFrame(codec.encode(genuine)))
    await stream.close().catch(() => {})
    await waitUntil('the genuine message to reach the victim and the other node', () => [victim, other].every(n => got.get(n)!.some(d => d.id === genuine.id)))
    for (const n of [victim, other]) {
      const d = got.get(n)!.find(x => x.id === genuine.id)!
      assert.equal(text(d.payload), 'genuine')
      assert.equal(d.source, author.peerId)
    }
    assert.equal(victim.cores.broadcast.stats.rejected, 2)
  } finally {
    await client?.stop()
    for (const n of nodes) await n.stop()
  }
})
