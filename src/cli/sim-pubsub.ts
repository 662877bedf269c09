/**
 * `grapevine sim pubsub`: GossipSub in the simulator (src/sim/scenarios/pubsub.ts).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runPubsubScenario, type PubsubScenarioOptions } from '../scenarios/pubsub.js'
import { pubsubReport } from '../report/data.js'
import { writeReport } from '../report/html.js'
import { choice, num } from './args.js'
import { SYBIL_ATTACKS, honestConfig, type SybilAttack } from '../scenarios/sybil.js'

/** The --scoring choice as router settings (report / off: ../scenarios/sybil.ts, P3 threshold 1 and activation 10 s). */
export function scoringConfig (scoring: string): PubsubScenarioOptions['gossipsub'] {
  return scoring === 'default' ? {} : honestConfig(scoring === 'report', { threshold: 1, activationMs: 10_000 })
}

export const SIM_PUBSUB_USAGE = `grapevine sim pubsub [options]

GossipSub in the simulator.

  --nodes N            nodes (default 1000)
  --topics T           topics, every node subscribed to all (default 1)
  --publishers P       publishing nodes (default 100)
  --rate R             messages per second per publisher (default 1)
  --seconds S          publishing time (default 10)
  --size B             message size in bytes (default 256)
  --latency MS         one-way link latency (default 25)
  --latency-spread MS  each link's latency drawn from latency ± spread (default 0: all equal)
  --join-spread MS     nodes subscribe at random moments within this long (default 1000)
  --bandwidth MBPS     each node's upload bandwidth in MB/s, 0 for unlimited (default 12.5)
  --overlay random|hyparview
                       random: each node dials --degree random others (default);
                       hyparview: whole grapevine nodes (HyParView + state + GossipSub), topic
                       peers found through the replicated state
  --degree K           random connections per node (default 20)
  --subscribers PCT    percentage of nodes subscribed (default 100)
  --discovery on|off   topic discovery through the state, hyparview overlay (default on)
  --warmup MS          time for meshes to form before publishing (default 5000; 20000 for hyparview)
  --idontwant on|off   IDONTWANT for messages ≥ 1 KiB (default on)
  --graft-on-subscribe on|off
                       graft a peer when its SUBSCRIBE arrives while the mesh is below D_lo,
                       rather than at the next heartbeat (default on)
  --attackers PCT      percentage of nodes publishing invalid messages (default 0)
  --attack none|sybil|eclipse|cold-boot|covert-flash
                       Sybils that join the mesh and drop every message (src/scenarios/sybil.ts):
                       after the mesh formed, all on one target, present from the start, or
                       behaving until --attack-delay then all dropping (default none)
  --sybils N           Sybil nodes, beyond --nodes (default 0)
  --sybil-degree K     honest nodes each Sybil connects to (default 20; eclipse: the target only)
  --attack-delay MS    covert flash: the Sybils behave this long after publishing starts (default 10000)
  --scoring default|report|off
                       peer scoring: the router's defaults; the v1.1 evaluation report's parameters and
                       mesh (D 8); or none, with v1.0's random mesh trimming (default: default)
  --late-subscribers PCT
                       percentage of the subscribers that subscribe only --late-join ms after
                       publishing starts (default 0)
  --late-join MS       (default 5000)
  --history N          topic history of N messages (gossipsub historyMessages; default 0: off)
  --deadline MS        also report deliveries within MS of publishing (default 250)
  --codec on|off       on: every RPC encoded, and decoded by each recipient; off (default): recipients
                       share the sender's objects, bytes counted exactly: the same results with far
                       less memory and time
  --seed S             seed (default 1)
  --json FILE          write the result as JSON
  --report FILE.html   write a self-contained HTML report: latency CDF, transmissions per delivery and
                       the attackers' scores over time`

export function simPubsub (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      topics: { type: 'string' },
      publishers: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      size: { type: 'string' },
      latency: { type: 'string' },
      degree: { type: 'string' },
      'latency-spread': { type: 'string' },
      'join-spread': { type: 'string' },
      overlay: { type: 'string' },
      subscribers: { type: 'string' },
      discovery: { type: 'string' },
      warmup: { type: 'string' },
      bandwidth: { type: 'string' },
      idontwant: { type: 'string' },
      'graft-on-subscribe': { type: 'string' },
      attackers: { type: 'string' },
      attack: { type: 'string' },
      sybils: { type: 'string' },
      'sybil-degree': { type: 'string' },
      'attack-delay': { type: 'string' },
      scoring: { type: 'string' },
      'late-subscribers': { type: 'string' },
      'late-join': { type: 'string' },
      history: { type: 'string' },
      seed: { type: 'string' },
      codec: { type: 'string' },
      deadline: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' }
    },
    strict: true
  })
  const o = {
    nodes: num(values.nodes, 'nodes', 1000, { min: 2, int: true }),
    topics: num(values.topics, 'topics', 1, { min: 1, int: true }),
    publishers: num(values.publishers, 'publishers', 100, { min: 1, int: true }),
    rate: num(values.rate, 'rate', 1, { min: 0.01 }),
    seconds: num(values.seconds, 'seconds', 10, { min: 1 }),
    sizeBytes: num(values.size, 'size', 256, { min: 8, int: true }),
    latencyMs: num(values.latency, 'latency', 25, { min: 0 }),
    degree: num(values.degree, 'degree', 20, { min: 1, int: true }),
    latencySpreadMs: num(values['latency-spread'], 'latency-spread', 0, { min: 0 }),
    joinSpreadMs: num(values['join-spread'], 'join-spread', 1000, { min: 0 }),
    overlay: choice(values.overlay, 'overlay', 'random', ['random', 'hyparview']) as 'random' | 'hyparview',
    subscribersPct: num(values.subscribers, 'subscribers', 100, { min: 0.1, max: 100 }),
    discovery: choice(values.discovery, 'discovery', 'on', ['on', 'off']) === 'on',
    warmupMs: num(values.warmup, 'warmup', values.overlay === 'hyparview' ? 20_000 : 5_000, { min: 0 }),
    bandwidthMBps: num(values.bandwidth, 'bandwidth', 12.5, { min: 0 }),
    idontwant: choice(values.idontwant, 'idontwant', 'on', ['on', 'off']) === 'on',
    attackersPct: num(values.attackers, 'attackers', 0, { min: 0, max: 90 }),
    seed: num(values.seed, 'seed', 1, { min: 0, int: true }),
    deadlineMs: num(values.deadline, 'deadline', 250, { min: 0 }),
    codec: choice(values.codec, 'codec', 'off', ['on', 'off']) === 'on',
    attack: choice(values.attack, 'attack', 'none', SYBIL_ATTACKS) as SybilAttack,
    sybils: num(values.sybils, 'sybils', 0, { min: 0, int: true }),
    sybilDegree: num(values['sybil-degree'], 'sybil-degree', 20, { min: 1, int: true }),
    attackDelayMs: num(values['attack-delay'], 'attack-delay', 10_000, { min: 0 }),
    lateSubscribersPct: num(values['late-subscribers'], 'late-subscribers', 0, { min: 0, max: 100 }),
    lateJoinAtMs: num(values['late-join'], 'late-join', 5000, { min: 0 }),
    gossipsub: {
      ...scoringConfig(choice(values.scoring, 'scoring', 'default', ['default', 'report', 'off'])),
      graftOnSubscribe: choice(values['graft-on-subscribe'], 'graft-on-subscribe', 'on', ['on', 'off']) === 'on',
      historyMessages: num(values.history, 'history', 0, { min: 0, int: true })
    }
  }
  const header = `${o.nodes} nodes, ${o.topics} topic(s), ${o.publishers} publishers × ${o.rate}/s for ${o.seconds} s, ` +
    `${o.sizeBytes} B messages, ${o.latencyMs}${o.latencySpreadMs > 0 ? ` ± ${o.latencySpreadMs}` : ''} ms links, ` +
    `${o.overlay === 'hyparview' ? `HyParView overlay, discovery ${o.discovery ? 'on' : 'off'}` : `degree ${o.degree}`}, ` +
    `${o.subscribersPct < 100 ? `${o.subscribersPct}% subscribed, ` : ''}IDONTWANT ${o.idontwant ? 'on' : 'off'}` +
    `${o.gossipsub.graftOnSubscribe ? '' : ', graft on SUBSCRIBE off'}` +
    `${o.codec ? ', codec on' : ''}` +
    `${o.attackersPct > 0 ? `, ${o.attackersPct}% attackers` : ''}` +
    `${o.attack !== 'none' ? `, ${o.attack} attack by ${o.sybils} Sybils, scoring ${values.scoring ?? 'default'}` : ''}` +
    `${o.lateSubscribersPct > 0 ? `, ${o.lateSubscribersPct}% late subscribers at +${o.lateJoinAtMs} ms` : ''}` +
    `${o.gossipsub.historyMessages > 0 ? `, history ${o.gossipsub.historyMessages}` : ''}, seed ${o.seed}`
  out(`grapevine sim pubsub: ${header}`)
  const started = performance.now()
  const r = runPubsubScenario(o)
  const wall = (performance.now() - started) / 1000
  out('')
  out(`  messages published            ${r.messages}`)
  out(`  delivery ratio                ${(r.deliveryRatio * 100).toFixed(3)}%`)
  out(`  delivered within ${o.deadlineMs} ms${' '.repeat(Math.max(1, 10 - String(o.deadlineMs).length))}${(r.deliveredInTime * 100).toFixed(3)}%`)
  out(`  latency p50 / p99             ${r.latencyP50Ms.toFixed(0)} / ${r.latencyP99Ms.toFixed(0)} ms`)
  out(`  transmissions per delivery    ${r.transmissionsPerDelivery.toFixed(3)}`)
  out(`  duplicate payloads per node   ${r.duplicatePayloadsPerNode.toFixed(1)} (${(r.duplicateBytes / 1e6).toFixed(2)} MB in all)`)
  out(`  control bytes                 ${(r.controlBytes / 1e6).toFixed(2)} MB`)
  out(`  mesh degree mean (min–max)    ${r.meshDegree.mean.toFixed(2)} (${r.meshDegree.min}–${r.meshDegree.max})`)
  if (r.queueDrops > 0) out(`  dropped at full uplinks       ${r.queueDrops}`)
  if (o.attackersPct > 0) {
    out(`  attackers' mean score at 1 s, 2 s, …  ${r.attackerScoreBySecond.map(x => x.toFixed(0)).join(' ')}`)
    out(`  every attacker graylisted after  ${r.attackersGraylistedAfterSec === null ? 'never' : `${r.attackersGraylistedAfterSec} s`}`)
  }
  if (r.attack !== null) {
    const a = r.attack
    out(`  under attack (from +${a.startMs} ms): delivery ${(a.deliveryRatio * 100).toFixed(3)}%, within ${o.deadlineMs} ms ${(a.deliveredInTime * 100).toFixed(3)}%, p50 / p99 ${a.latencyP50Ms.toFixed(0)} / ${a.latencyP99Ms.toFixed(0)} ms, Sybils hold ${(a.sybilMeshShare * 100).toFixed(1)}% of mesh slots`)
    if (a.target !== null) out(`  eclipse target: delivery ${(a.target.deliveryRatio * 100).toFixed(3)}%, within ${o.deadlineMs} ms ${(a.target.deliveredInTime * 100).toFixed(3)}%, p50 ${a.target.latencyP50Ms.toFixed(0)} ms`)
  }
  if (r.late !== null) {
    out(`  late subscribers ${r.late.subscribers}: messages from before they joined ${(r.late.beforeDeliveryRatio * 100).toFixed(3)}% delivered, after ${(r.late.afterDeliveryRatio * 100).toFixed(3)}%`)
    out(`  history IHAVEs ${r.stats.historyIHaves}, served from history ${r.stats.historyServed}, payload transmissions ${r.payloadSends}`)
  }
  // Peak resident memory of the whole process (the simulator, every node and the accounting), per node.
  const peakRss = process.resourceUsage().maxRSS * 1024
  out(`wall ${wall.toFixed(1)} s, ${r.events.toLocaleString('en-US')} simulated events (${Math.round(r.events / wall).toLocaleString('en-US')} events/s), ` +
    `peak RSS ${(peakRss / 1e6).toFixed(0)} MB (${(peakRss / o.nodes / 1e3).toFixed(0)} kB per node)`)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify(r, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    writeReport(values.report, pubsubReport(r, header))
    out(`report written to ${values.report}`)
  }
  return 0
}
