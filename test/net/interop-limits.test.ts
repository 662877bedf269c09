// Limits and sanctions across implementations, against unmodified @libp2p/gossipsub: messages larger than
// go's 1 MiB up to js's 4 MiB RPC limit, messages beyond our configured limit, and GRAFTs during our
// backoff. None of these is a reason to hang up: they are counted, lightly penalised at most, and later
// messages still flow.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from '../../src/agent/cluster.js'
import { grapevineNode, hostOf, jsNode, labelOf, meshPeers, publish, scoreOf, stopAll, subscribe, topicPeers, connected, type GrapevineTestNode, type JsTestNode, type TestNode } from './helpers.js'

const MiB = 1024 * 1024

test('StrictSign: large messages from a js node — to 4 MiB, and beyond a smaller configured limit — then normal ones: no ban, later messages delivered, tooBig and oversize counted', { timeout: 30_000 }, async () => {
  // G1: defaults (maxMessageSize 4 MiB, as js). G2: maxMessageSize 2 MiB, frames up to 3 MiB.
  const g1 = await grapevineNode(51, 'StrictSign')
  const g2 = await grapevineNode(52, 'StrictSign', { maxMessageSize: 2 * MiB, maxFrameBytes: 3 * MiB })
  const j = await jsNode(53, 'StrictSign')
  const nodes: TestNode[] = [g1, g2, j]
  try {
    const topic = 'large'
    for (const n of nodes) subscribe(n, topic)
    for (const g of [g1, g2]) await hostOf(j).dial(hostOf(g).getMultiaddrs()[0]!)
    const jid = hostOf(j).peerId.toString()
    await waitUntil('both grapevine nodes in the js mesh', () => [g1, g2].every(g => topicPeers(g, topic).includes(jid) && meshPeers(j, topic).includes(hostOf(g).peerId.toString())))
    const big = (i: number, n: number): Uint8Array => {
      const d = new Uint8Array(n).fill(0x2e)
      d.set(new TextEncoder().encode(`big ${i}|`))
      return d
    }
    // 1 MiB + 1 and 2 MiB − 256 fit both; 2.5 MiB is too big for G2 (it decodes); 3.5 MiB and 4 MiB − 1 KiB are
    // frames over G2's 3 MiB (skipped unread). All fit js's 4 MiB RPC limit, so G1 takes them all.
    const sizes = [MiB + 1, 2 * MiB - 256, 2.5 * MiB, 3.5 * MiB, 4 * MiB - 1024]
    const bigs = sizes.map((n, i) => big(i, n))
    for (const d of bigs) await publish(j, topic, d)
    for (let i = 0; i < 3; i++) await publish(j, topic, `after ${i}`)
    const labels = (ds: Uint8Array[]): string[] => [...ds.map(labelOf), 'after 0', 'after 1', 'after 2']
    const has = (g: TestNode, want: string[]): boolean => want.every(l => (g.got.get(topic) ?? []).includes(l))
    await waitUntil('G1: every message; G2: those within its limit and the normal ones', () => has(g1, labels(bigs)) && has(g2, labels(bigs.slice(0, 2))), 20_000)
    const r2 = (g2 as GrapevineTestNode).node.cores.gossipsub
    await waitUntil('G2 counted the too-big message and the oversize frames', () => r2.stats.tooBig >= 1 && r2.stats.oversize >= 2)
    assert.deepEqual([...(g1.got.get(topic) ?? [])].sort(), labels(bigs).sort(), 'G1 got each message once')
    assert.deepEqual([...(g2.got.get(topic) ?? [])].sort(), labels(bigs.slice(0, 2)).sort(), 'G2 got each message within its limit once, nothing else')
    for (const g of [g1, g2] as GrapevineTestNode[]) {
      const d = g.node.driver.stats
      assert.equal(d.bans + d.disconnects, 0, 'no ban, no disconnect')
      assert.equal(g.node.cores.gossipsub.stats.malformed, 0, 'nothing counted as garbage')
      assert.ok(connected(g, j), 'still connected')
    }
    assert.equal((g1 as GrapevineTestNode).node.cores.gossipsub.stats.tooBig + (g1 as GrapevineTestNode).node.cores.gossipsub.stats.oversize, 0)
    assert.ok(scoreOf(g2, jid) > -10, `G2's penalty for oversize frames is light (score ${scoreOf(g2, jid)})`)
    // Publishing over the limit is refused, saying the limit.
    await assert.rejects(publish(g2, topic, new Uint8Array(2 * MiB)), /maxMessageSize \(2097152 bytes\).*1 MiB/)
  } finally {
    await stopAll(nodes)
  }
})

test('StrictSign: a grapevine node that PRUNEs js peers (mesh of one), and js peers that GRAFT during the backoff: penalised, PRUNEd again, never banned; messages still delivered', { timeout: 30_000 }, async () => {
  const g = await grapevineNode(61, 'StrictSign', { D: 1, Dlo: 1, Dhi: 1, Dout: 0, Dscore: 1 }) as GrapevineTestNode
  const js = [await jsNode(62, 'StrictSign'), await jsNode(63, 'StrictSign'), await jsNode(64, 'StrictSign')]
  const nodes: TestNode[] = [g, ...js]
  try {
    const topic = 'prune'
    for (const n of nodes) subscribe(n, topic)
    for (const j of js) await hostOf(j).dial(hostOf(g).getMultiaddrs()[0]!)
    await hostOf(js[0]!).dial(hostOf(js[1]!).getMultiaddrs()[0]!)
    await hostOf(js[1]!).dial(hostOf(js[2]!).getMultiaddrs()[0]!)
    const gid = hostOf(g).peerId.toString()
    const router = g.node.cores.gossipsub
    // Each js peer grafts G; G keeps one and PRUNEs the others, which then keep G out of their meshes.
    const pruned = (): JsTestNode[] => js.filter(j => !meshPeers(j, topic).includes(gid) && topicPeers(j, topic).includes(gid))
    await waitUntil('G meshed with one js peer, the others pruned', () => meshPeers(g, topic).length === 1 && pruned().length === 2 && router.stats.prunesSent >= 2)
    const prunesBefore = router.stats.prunesSent
    const penaltiesBefore = g.node.driver.stats.penalties
    // GRAFT again at once, as an implementation with a shorter backoff would (js's own router waits).
    for (const j of pruned()) (j.host.services.pubsub as unknown as { sendGraft: (p: string, t: string[]) => void }).sendGraft(gid, [topic])
    await waitUntil('G penalised both early GRAFTs and PRUNEd again', () => g.node.driver.stats.penalties >= penaltiesBefore + 2 && router.stats.prunesSent >= prunesBefore + 2)
    for (const j of pruned()) assert.ok(scoreOf(g, j.host.peerId.toString()) < 0, 'the penalty shows in the score')
    assert.equal(meshPeers(g, topic).length, 1, 'not grafted')
    for (const [i, n] of nodes.entries()) await publish(n, topic, `msg ${i}`)
    const others = (i: number): string[] => nodes.map((_, k) => `msg ${k}`).filter((_, k) => k !== i)
    await waitUntil('every message at every other node', () => nodes.every((n, i) => others(i).every(m => (n.got.get(topic) ?? []).includes(m))), 15_000)
    for (const [i, n] of nodes.entries()) {
      const got = (n.got.get(topic) ?? []).filter(m => m !== `msg ${i}`)
      assert.deepEqual([...got].sort(), others(i).sort(), `node ${i} got each message once`)
    }
    assert.equal(g.node.driver.stats.bans + g.node.driver.stats.disconnects, 0, 'no ban, no disconnect')
    for (const j of js) assert.ok(connected(g, j), 'every js peer still connected')
  } finally {
    await stopAll(nodes)
  }
})
