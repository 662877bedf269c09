// grapevine's js-libp2p service (grapevine/libp2p) against @libp2p/gossipsub, as bench/pubsub-net.mjs: two
// processes over TCP on 127.0.0.1, 1 KiB messages, both signature policies, the publisher held to a window
// of unacknowledged messages. Four pairs per policy: @libp2p/gossipsub both sides (the reference), the
// service both sides, and the two mixed pairs (service → @libp2p/gossipsub, @libp2p/gossipsub → service).
// BENCH_PUBSUB_SECONDS (default 5) sets the measured time.
import { runPair } from './pubsub-net.mjs'

const NAME = { js: '@libp2p/gossipsub', service: 'grapevine/libp2p' }

export async function benchPubsubServiceNet () {
  const seconds = Number(process.env.BENCH_PUBSUB_SECONDS ?? 5)
  console.log(`\n== grapevine/libp2p service over TCP, 2 processes on 127.0.0.1, 1024 B messages, ${seconds} s measured after 1 s warm-up (reference: @libp2p/gossipsub both sides) ==`)
  const rows = []
  for (const policy of ['StrictSign', 'StrictNoSign']) {
    for (const [pub, sub] of [['js', 'js'], ['service', 'service'], ['service', 'js'], ['js', 'service']]) rows.push(await runPair(pub, policy, seconds, undefined, sub))
  }
  const f = (x, d = 0) => x === null || x === undefined ? '-' : x.toFixed(d)
  console.log('policy        publisher → subscriber                   msgs/s   pub µs/msg  sub µs/msg  p50 ms  p99 ms')
  for (const r of rows) {
    console.log(`${r.policy.padEnd(13)} ${`${NAME[r.impl]} → ${NAME[r.subImpl]}`.padEnd(40)} ${f(r.msgsPerSec).padStart(7)}   ${f(r.pubCpuUsPerMsg, 1).padStart(9)}  ${f(r.subCpuUsPerMsg, 1).padStart(10)}  ${f(r.latencyP50Ms, 1).padStart(6)}  ${f(r.latencyP99Ms, 1).padStart(6)}`)
  }
  for (const r of rows) {
    const ref = rows.find(x => x.policy === r.policy && x.impl === 'js' && x.subImpl === 'js')
    if (r === ref) continue
    console.log(`ratio ${NAME[r.impl]} → ${NAME[r.subImpl]} / reference, ${r.policy}: msgs/s ${(r.msgsPerSec / ref.msgsPerSec).toFixed(2)}×`)
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPubsubServiceNet()
