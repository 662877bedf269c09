// A link that carries only gossip between grapevine and @libp2p/gossipsub (unmodified): the two name
// messages differently under StrictSign (src/gossipsub/msgid.ts), so IHAVE / IWANT / IDONTWANT must be
// translated or every IWANT answered is taken for a broken promise and the peers end up ignoring each other.
// Line J3 — J1 — G — J2 — J4, G keeping a mesh of one (D = D_lo = D_hi = 1): one of J1, J2 is outside G's
// mesh, so what its side publishes reaches G only through IHAVE → IWANT, and what the other side publishes
// reaches it only through G's IHAVE. Both directions, both signature policies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from '../../src/agent/cluster.js'
import { renderMessageId } from '../../src/gossipsub/msgid.js'
import { grapevineNode, hostOf, jsNode, meshPeers, publish, scoreOf, stopAll, subscribe, topicPeers, type GrapevineTestNode, type JsTestNode, type TestNode } from './helpers.js'

const ONE = { D: 1, Dlo: 1, Dhi: 1, Dout: 0, Dscore: 1 }

for (const policy of ['StrictSign', 'StrictNoSign'] as const) {
  test(`${policy}: gossip-only link between grapevine (mesh of one) and js peers: every message once everywhere, no broken promise, ids agree`, { timeout: 30_000 }, async () => {
    const base = policy === 'StrictSign' ? 30 : 40
    const g = await grapevineNode(base, policy, ONE) as GrapevineTestNode
    const [j1, j2, j3, j4] = [await jsNode(base + 1, policy), await jsNode(base + 2, policy), await jsNode(base + 3, policy), await jsNode(base + 4, policy)]
    const nodes: TestNode[] = [g, j1, j2, j3, j4]
    try {
      const topic = `gossip-only-${policy}`
      for (const n of nodes) subscribe(n, topic)
      for (const [a, b] of [[j3, j1], [j1, g], [g, j2], [j2, j4]] as const) await hostOf(a).dial(hostOf(b).getMultiaddrs()[0]!)
      const id = (n: TestNode): string => hostOf(n).peerId.toString()
      // G's mesh is one of J1, J2 (M); the other (N) was pruned and keeps G out of its mesh (backoff).
      const settled = (): boolean => {
        const gm = meshPeers(g, topic)
        if (gm.length !== 1 || ![id(j1), id(j2)].includes(gm[0]!)) return false
        const [m, n] = gm[0] === id(j1) ? [j1, j2] : [j2, j1]
        return meshPeers(m, topic).includes(id(g)) && !meshPeers(n, topic).includes(id(g)) && topicPeers(n, topic).includes(id(g)) &&
          meshPeers(j1, topic).includes(id(j3)) && meshPeers(j2, topic).includes(id(j4)) && topicPeers(g, topic).length === 2
      }
      await waitUntil('G meshed with one js neighbour, pruned by the other', settled, 15_000)
      // ≥ 1 KiB: IDONTWANT is sent too.
      const text = (i: number): string => `from ${i} ` + '.'.repeat(1100)
      for (const [i, n] of nodes.entries()) await publish(n, topic, text(i))
      const others = (i: number): string[] => nodes.map((_, j) => text(j)).filter((_, j) => j !== i)
      await waitUntil('every message at every other node', () => nodes.every((n, i) => others(i).every(m => (n.got.get(topic) ?? []).includes(m))), 15_000)
      const router = g.node.cores.gossipsub
      await waitUntil('no IWANT promise outstanding at G', () => router.promisesPending === 0, 10_000)
      // The js routers' own IWANT promises to G: kept or broken (and penalised) by the time none is left.
      const jsPromises = (j: JsTestNode): number => (j.host.services.pubsub as unknown as { gossipTracer: { promises: Map<unknown, unknown> } }).gossipTracer.promises.size
      await waitUntil('no IWANT promise outstanding at J1, J2', () => jsPromises(j1) + jsPromises(j2) === 0, 10_000)
      for (const [i, n] of nodes.entries()) {
        const got = (n.got.get(topic) ?? []).filter(m => m !== text(i))
        assert.deepEqual([...got].sort(), others(i).sort(), `node ${i} (${n.kind}) got each message once`)
      }
      assert.equal(router.stats.brokenPromises, 0, 'no broken promise at G')
      assert.equal(router.stats.promisesKeptUnmatched, 0, 'every promise kept by its own id')
      assert.ok(router.stats.iwantSent > 0, 'G asked by IWANT (the link carried gossip)')
      assert.equal(router.stats.graylisted, 0)
      for (const j of [j1, j2]) {
        assert.ok(scoreOf(g, id(j)) >= 0, `G scores ${j === j1 ? 'J1' : 'J2'} ≥ 0 (${scoreOf(g, id(j))})`)
        assert.ok(scoreOf(j, id(g)) >= 0, `${j === j1 ? 'J1' : 'J2'} scores G ≥ 0 (${scoreOf(j, id(g))})`)
      }
      if (policy === 'StrictSign') {
        assert.ok(router.stats.idsTranslated > 0 && router.stats.idsRendered > 0, 'ids were translated both ways')
        assert.equal(router.idSchemes.schemeOf(id(j1)), 'public-key')
        assert.equal(router.idSchemes.received['peer-id'], 0, 'js peers never sent a canonical id')
      } else {
        assert.equal(router.stats.idsTranslated + router.stats.idsRendered, 0, 'StrictNoSign ids are the same everywhere')
      }
      // Each message's id at each js node is G's id in the js scheme (StrictSign) or G's id (StrictNoSign).
      let compared = 0
      for (const j of [j1, j2, j3, j4]) {
        for (const [label, jsId] of j.ids) {
          const ours = g.ids.get(label)
          if (ours === undefined) continue
          const expected = policy === 'StrictSign' ? renderMessageId(new Uint8Array(ours), 'public-key') : ours
          assert.deepEqual(Buffer.from(jsId).toString('hex'), Buffer.from(expected!).toString('hex'), `ids of ${label.slice(0, 8)} agree`)
          compared++
        }
      }
      assert.ok(compared >= 12, `ids compared for ${compared} deliveries`)
    } finally {
      await stopAll(nodes)
    }
  })
}
