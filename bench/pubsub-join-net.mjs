// Publishing right after subscribing, on a real network (issue: libp2p/go-libp2p-pubsub#331): 10 grapevine
// nodes on 127.0.0.1 in a sparse graph (a ring with chords, 3 links each). Each round every node
// subscribes to a fresh topic at the same moment; as soon as a node has heard its neighbours' SUBSCRIBEs
// it publishes one message. Reported: the fraction of (message, subscriber) pairs delivered within
// 300 ms (the mesh's work) and within 3 s (gossip catches up), with graft on SUBSCRIBE on (the default)
// and off (the mesh forms at the next heartbeat, as in go-libp2p-pubsub).
// Run alone: `npm run build && node bench/pubsub-join-net.mjs`, or `BENCH_ONLY=pubsub-join-net npm run bench`.
import { TextDecoder, TextEncoder } from 'node:util'
import { createNode } from '../dist/src/exports/index.js'

const N = 10
const ROUNDS = 6
const CHORDS = [[0, 5], [2, 7], [4, 9], [1, 6], [3, 8]]

async function waitFor (cond, ms = 5000) {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

async function run (graftOnSubscribe) {
  const nodes = []
  for (let i = 0; i < N; i++) {
    nodes.push(await createNode({ seed: new Uint8Array(32).fill(100 + i), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false, gossipsub: { graftOnSubscribe } }))
  }
  const edges = [...Array.from({ length: N }, (_, i) => [i, (i + 1) % N]), ...CHORDS]
  for (const [a, b] of edges) await nodes[a].libp2p.dial(nodes[b].libp2p.getMultiaddrs()[0])
  const neighbours = nodes.map((_, i) => edges.filter(e => e.includes(i)).map(e => nodes[e[0] === i ? e[1] : e[0]].peerId))
  await waitFor(() => nodes.every((n, i) => neighbours[i].every(p => n.cores.gossipsub.hasPeer(p))))
  let fast = 0
  let total = 0
  let pairs = 0
  for (let r = 0; r < ROUNDS; r++) {
    const topic = `join-${graftOnSubscribe ? 'on' : 'off'}-${r}`
    const sent = new Map()
    const arrivals = []
    for (const n of nodes) {
      n.pubsub.join(topic).subscribe()
      n.pubsub.on('message', m => {
        if (m.topic !== topic || m.receivedFrom === null) return
        const t0 = sent.get(new TextDecoder().decode(m.data))
        if (t0 !== undefined) arrivals.push(performance.now() - t0)
      })
    }
    await Promise.all(nodes.map(async (n, i) => {
      await waitFor(() => neighbours[i].every(p => n.cores.gossipsub.peersOf(topic).includes(p)))
      const text = `${topic} from ${i}`
      sent.set(text, performance.now())
      await n.pubsub.join(topic).publish(new TextEncoder().encode(text))
    }))
    await new Promise(resolve => setTimeout(resolve, 3000))
    pairs += N * (N - 1)
    fast += arrivals.filter(ms => ms <= 300).length
    total += arrivals.length
  }
  for (const n of nodes) await n.stop()
  return { fast: fast / pairs, total: total / pairs }
}

export async function benchPubsubJoinNet () {
  console.log(`\npublish right after subscribe — ${N} nodes on 127.0.0.1, ring + chords (3 links each), ${ROUNDS} rounds × ${N} publishers`)
  const off = await run(false)
  const on = await run(true)
  const pct = x => `${(x * 100).toFixed(1)}%`.padStart(7)
  console.log('                              within 300 ms   within 3 s')
  console.log(`  graft at heartbeat only     ${pct(off.fast)}         ${pct(off.total)}`)
  console.log(`  graft on SUBSCRIBE          ${pct(on.fast)}         ${pct(on.total)}`)
  console.log(`  ratio within 300 ms (on / off)  ${(on.fast / Math.max(off.fast, 1e-9)).toFixed(2)}×`)
  return { on, off }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPubsubJoinNet()
