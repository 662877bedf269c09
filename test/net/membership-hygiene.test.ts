// Membership hygiene on the real network (127.0.0.1): a stranger — a libp2p node that is not in the
// victim's active view — sends SHUFFLEs naming 100 fake peers, signed by fake identities whose addresses
// are trap listeners that count every TCP connection the victim opens to them. A stranger's SHUFFLE and
// FORWARDJOIN cause no dial; once the stranger has made itself a neighbour, its SHUFFLEs cause at most
// `maxPassivePerSource` dials (its share of the passive view), within its dial budget.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { waitUntil } from '../../src/agent/cluster.js'
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { identityFromSeed } from '../../src/core/identity.js'
import { DEFAULT_HYPARVIEW } from '../../src/membership/config.js'
import { MembershipCodec } from '../../src/membership/codec.js'
import type { MembershipMessage, PeerInfo } from '../../src/membership/messages.js'
import { signRecord } from '../../src/membership/records.js'
import { encodeFrame } from '../../src/net/frames.js'
import { createNode } from '../../src/net/create-node.js'

const codec = new MembershipCodec()
const seedOf = (n: number): Uint8Array => new Uint8Array(32).fill(n)

/** A TCP listener on 127.0.0.1 that counts the connections opened to it and closes each at once. */
async function trap (): Promise<{ server: Server, port: number, hits: () => number }> {
  let hits = 0
  const server = createServer(socket => {
    hits++
    socket.destroy()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { server, port: address.port, hits: () => hits }
}

test('a stranger\'s SHUFFLE naming 100 fake peers makes the victim dial none; a neighbour\'s, at most its share', { timeout: 90_000 }, async (t) => {
  const victim = await createNode({ seed: seedOf(61), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false, membership: { repairPeriodMs: 200, shufflePeriodMs: 500 } })
  const honest = await createNode({ seed: seedOf(62), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false })
  const strangerSeed = seedOf(63)
  const stranger: Libp2p = await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', strangerSeed),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const traps = await Promise.all(Array.from({ length: 100 }, async () => await trap()))
  const dials = (): number => traps.reduce((n, x) => n + x.hits(), 0)
  const hv = victim.cores.membership
  const [protocol] = hv.wire.protocolIds
  try {
    // The stranger reads what the victim sends it (and ignores it), as a grapevine peer would.
    await stranger.handle(protocol!, (stream) => { stream.addEventListener('message', () => {}) })
    honest.join(victim.multiaddrs()[0]!)
    await waitUntil('the victim to have its honest neighbour', () => hv.activeView().includes(honest.peerId))

    // 100 fake peers, each signed by its own (fake) identity and "reachable" at a trap.
    const fakes: PeerInfo[] = traps.map((x, i) => signRecord(identityFromSeed(seedOf(100 + i)), 1, [multiaddr(`/ip4/127.0.0.1/tcp/${x.port}`).bytes]))
    const self = signRecord(identityFromSeed(strangerSeed), 1, stranger.getMultiaddrs().map(m => m.decapsulateCode(421).bytes))
    const send = async (msgs: MembershipMessage[]): Promise<void> => {
      const s = await stranger.dialProtocol(victim.libp2p.getMultiaddrs()[0]!, protocol!)
      for (const m of msgs) s.send(encodeFrame(codec.encode(m)))
      await s.close().catch(() => {})
    }
    // Phase 1, a stranger: SHUFFLEs ending at the victim (100 fake peers in two, as a frame carries at most 64), and join walks.
    const before = { ...hv.stats }
    await send([
      { kind: 'shuffle', peer: self, ttl: 1, peers: fakes.slice(0, 50), exchange: 1 },
      { kind: 'shuffle', peer: self, ttl: 1, peers: fakes.slice(50), exchange: 2 },
      ...fakes.slice(0, 10).map((p): MembershipMessage => ({ kind: 'forwardJoin', peer: p, ttl: 0 }))
    ])
    await waitUntil('the victim to refuse the stranger\'s 12 messages', () => hv.stats.fromStrangers - before.fromStrangers === 12)
    // Let the victim run: its repair tick (every 200 ms) would promote passive peers; two shuffle periods pass.
    const shuffles = hv.stats.shufflesStarted
    await waitUntil('two more shuffle periods at the victim', () => hv.stats.shufflesStarted >= shuffles + 2)
    const strangerDials = dials()
    assert.equal(strangerDials, 0, 'the stranger\'s messages made the victim dial nobody')
    assert.ok(hv.passiveView().every(p => !fakes.some(f => f.id === p)), 'no fake peer in the passive view')
    t.diagnostic(`dials caused by a stranger's SHUFFLEs naming 100 fake peers (and 10 FORWARDJOINs): ${strangerDials}`)

    // Phase 2, a neighbour: the stranger asks in (high priority, always accepted), then shuffles the same fakes.
    await send([{ kind: 'neighbor', peer: self, high: true }])
    await waitUntil('the stranger to become a neighbour', () => hv.activeView().includes(stranger.peerId.toString()))
    const phase2 = Date.now()
    await send([
      { kind: 'shuffle', peer: self, ttl: 1, peers: fakes.slice(0, 50), exchange: 3 },
      { kind: 'shuffle', peer: self, ttl: 1, peers: fakes.slice(50), exchange: 4 }
    ])
    await waitUntil('the victim to take the shuffles', () => hv.stats.excessPeers - before.excessPeers === 2 * (50 - (DEFAULT_HYPARVIEW.maxPassivePerSource - 1)))
    const fakeIds = new Set(fakes.map(f => f.id))
    await waitUntil('every fake peer the victim took to be tried and forgotten', () => hv.passiveView().every(p => !fakeIds.has(p)))
    const tried = hv.stats.neighborFailed - before.neighborFailed
    await waitUntil('each failed attempt to have reached a trap', () => dials() >= tried)
    const settled = hv.stats.shufflesStarted
    await waitUntil('two more shuffle periods at the victim', () => hv.stats.shufflesStarted >= settled + 2)
    const neighbourDials = dials()
    // A source's dial budget: its burst, and one more per interval that passed (a loaded machine takes
    // seconds over this phase, and fakes tried and forgotten free passive slots for the second SHUFFLE).
    // Two sources can have named fakes by now: the stranger, and the honest neighbour — the victim's own
    // shuffles offer it passive peers (fakes among them), and its replies may hand some back, charged to it.
    const budget = DEFAULT_HYPARVIEW.sourceDialBurst + Math.floor((Date.now() - phase2) / DEFAULT_HYPARVIEW.sourceDialIntervalMs)
    const nodeBudget = DEFAULT_HYPARVIEW.dialBurst + Math.floor((Date.now() - phase2) / DEFAULT_HYPARVIEW.dialIntervalMs)
    assert.ok(neighbourDials >= 1, 'the neighbour\'s fakes were taken into the passive view and tried')
    assert.ok(neighbourDials <= Math.min(2 * budget, nodeBudget), `${neighbourDials} dials: more than two sources' budgets (${2 * budget}) or the node's (${nodeBudget})`)
    t.diagnostic(`dials caused by a neighbour's SHUFFLEs naming the same 100 fake peers: ${neighbourDials}`)
    assert.ok(hv.activeView().includes(honest.peerId), 'the honest neighbour is still there')
  } finally {
    await stranger.stop()
    await honest.stop()
    await victim.stop()
    for (const x of traps) x.server.close()
  }
})
