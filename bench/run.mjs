// `npm run bench`: every benchmark, each printing its figures and ratios against the reference run made in
// the same invocation. Needs a build (npm run bench builds first).
import { benchBroadcastSim } from './broadcast-sim.mjs'
import { benchPubsubNet } from './pubsub-net.mjs'
import { benchPubsubServiceNet } from './pubsub-service-net.mjs'
import { benchVerifyNet } from './verify-net.mjs'
import { benchPublishNet } from './publish-net.mjs'
import { benchPubsubJoinNet } from './pubsub-join-net.mjs'
import { benchClusterNet } from './cluster-net.mjs'
import { benchDiscoveryNet } from './discovery-net.mjs'
import { benchConsoleSummaries } from './console-summaries.mjs'
import { benchConsoleFrames } from './console-frames.mjs'
import { benchConsoleAgentCpu } from './console-agent-cpu.mjs'
import { benchMembershipSim } from './membership-sim.mjs'
import { benchStateSim } from './state-sim.mjs'
import { benchStateTrust } from './state-trust.mjs'
import { BENCH_NAMES } from './lib.mjs'

console.log(`grapevine benchmarks — node ${process.version}, ${new Date().toISOString()}`)
// BENCH_ONLY=pubsub-net (or pubsub-service-net, verify-net, publish-net, pubsub-join-net, cluster-net, discovery-net, console-summaries, console-frames, console-agent-cpu, state, state-trust, membership, broadcast; comma list) runs a subset.
const only = process.env.BENCH_ONLY?.split(',')
const unknown = only?.filter(n => !BENCH_NAMES.includes(n)) ?? []
if (unknown.length > 0) {
  console.error(`BENCH_ONLY names no benchmark: ${unknown.join(', ')} (the benchmarks: ${BENCH_NAMES.join(', ')})`)
  process.exit(2)
}
const want = (name) => only === undefined || only.includes(name)
if (want('pubsub-net')) await benchPubsubNet()
if (want('pubsub-service-net')) await benchPubsubServiceNet()
if (want('verify-net')) await benchVerifyNet()
if (want('publish-net')) await benchPublishNet()
if (want('pubsub-join-net')) await benchPubsubJoinNet()
if (want('cluster-net')) await benchClusterNet()
if (want('discovery-net')) await benchDiscoveryNet()
if (want('console-summaries')) await benchConsoleSummaries()
if (want('console-frames')) benchConsoleFrames()
if (want('console-agent-cpu')) await benchConsoleAgentCpu()
if (want('state')) benchStateSim()
if (want('state-trust')) await benchStateTrust()
if (want('membership')) benchMembershipSim()
if (want('broadcast')) benchBroadcastSim()
