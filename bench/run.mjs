// `npm run bench`: every benchmark, each printing its figures and ratios against the reference run made in
// the same invocation. Needs a build (npm run bench builds first).
import { benchBroadcastSim } from './broadcast-sim.mjs'
import { benchMembershipSim } from './membership-sim.mjs'
import { benchStateSim } from './state-sim.mjs'

console.log(`grapevine benchmarks — node ${process.version}, ${new Date().toISOString()}`)
benchStateSim()
benchMembershipSim()
benchBroadcastSim()
