/**
 * `grapevine sim paper web3`: the same network and workload spread five ways — Plumtree, flood, GossipSub,
 * Bitcoin-style announce-then-fetch and devp2p-style √n push with hash announcements (src/scenarios/web3.ts,
 * the baselines in src/baselines/web3) — with the latency to 50 / 90 / 100% of the nodes, bytes sent per
 * node and duplicates per delivery, beside what each design is expected to give by its spec.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEFAULT_WEB3_SCENARIO, WEB3_PROTOCOLS, runWeb3Scenario, type Web3Protocol, type Web3ScenarioResult } from '../scenarios/web3.js'
import { web3PaperReport } from '../report/paper-web3.js'
import { writeReport } from '../report/html.js'
import { choices, num } from './args.js'

const D = DEFAULT_WEB3_SCENARIO

export const USAGE = `grapevine sim paper web3 [options]

One network, one workload, five propagation schemes: Plumtree, flood, GossipSub (D = 6), Bitcoin-style
trickled inv / getdata / tx (Bitcoin Core's timers) and devp2p-style (eth/68: the transaction to √n peers,
its hash to the rest, fetched on demand). Prints the latency to 50 / 90 / 100% of the nodes, bytes sent per
node per message and duplicate payloads per delivery.

  --nodes N            nodes (default ${D.nodes})
  --outbound K         connections each node dials, as Bitcoin Core's 8 outbound (default ${D.outbound}; ~2K links a node)
  --messages M         measured messages (default ${D.messages}), one every --interval-ms from a random node
  --warmup W           messages sent first and left out (default ${D.warmup}: Plumtree's tree, GossipSub's meshes)
  --interval-ms T      (default ${D.intervalMs})
  --size B             payload bytes (default ${D.payloadBytes}: a typical transaction is 0.2–1 KiB)
  --protocols LIST     comma-separated, or all (default all: ${WEB3_PROTOCOLS.join(',')})
  --seed S             (default ${D.seed})
  --json FILE          write the results as JSON
  --report FILE.html   write the charts: latency CDF, time to 50 / 90 / 100%, bytes, duplicates
  --check              parse the options, print the plan, run nothing`

export function run (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      outbound: { type: 'string' },
      messages: { type: 'string' },
      warmup: { type: 'string' },
      'interval-ms': { type: 'string' },
      size: { type: 'string' },
      protocols: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      check: { type: 'boolean' }
    },
    strict: true
  })
  const protocols: Web3Protocol[] = values.protocols === undefined ? [...WEB3_PROTOCOLS] : choices(values.protocols, 'protocols', 'plumtree', WEB3_PROTOCOLS)
  const opts = {
    nodes: num(values.nodes, 'nodes', D.nodes, { min: 2, int: true }),
    outbound: num(values.outbound, 'outbound', D.outbound, { min: 1, int: true }),
    messages: num(values.messages, 'messages', D.messages, { min: 1, int: true }),
    warmup: num(values.warmup, 'warmup', D.warmup, { min: 0, int: true }),
    intervalMs: num(values['interval-ms'], 'interval-ms', D.intervalMs, { min: 1 }),
    payloadBytes: num(values.size, 'size', D.payloadBytes, { min: 4, max: 1_000_000, int: true }),
    seed: num(values.seed, 'seed', D.seed, { min: 0, int: true })
  }
  const plan = `${opts.nodes} nodes dialling ${opts.outbound} random others each, link latency ${D.latencyMinMs}–${D.latencyMaxMs} ms, ` +
    `${opts.messages} messages of ${opts.payloadBytes} B from random nodes one every ${opts.intervalMs} ms after ${opts.warmup} warm-up, seed ${opts.seed}; ${protocols.join(', ')}`
  out(`grapevine sim paper web3: ${plan}`)
  if (values.check === true) {
    out('check: options valid; nothing run')
    return 0
  }
  const results: Web3ScenarioResult[] = []
  const wall: number[] = []
  const cpu: number[] = []
  for (const protocol of protocols) {
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    const r = runWeb3Scenario({ ...opts, protocol })
    const used = process.cpuUsage(cpu0)
    wall.push((performance.now() - started) / 1000)
    cpu.push((used.user + used.system) / 1e6)
    results.push(r)
    out(`  ${protocol}: ${r.events.toLocaleString('en-US')} events in ${wall[wall.length - 1]!.toFixed(1)} s wall, ${cpu[cpu.length - 1]!.toFixed(1)} s CPU`)
  }
  out(`  ${results[0]?.links.toLocaleString('en-US') ?? 0} links (mean degree ${((2 * (results[0]?.links ?? 0)) / opts.nodes).toFixed(1)}); ` +
    `total ${wall.reduce((a, b) => a + b, 0).toFixed(0)} s wall, ${cpu.reduce((a, b) => a + b, 0).toFixed(0)} s CPU`)
  out('')
  const w = 15
  out(`${''.padEnd(30)}${results.map(r => r.protocol.padStart(w)).join('')}`)
  const row = (label: string, f: (r: Web3ScenarioResult) => string): void => out(`  ${label.padEnd(28)}${results.map(r => f(r).padStart(w)).join('')}`)
  row('delivered', r => `${(r.delivered * 100).toFixed(2)}%`)
  row('latency to 50% (mean)', r => ms(r.latency50Ms))
  row('latency to 90% (mean)', r => ms(r.latency90Ms))
  row('latency to 100% (mean)', r => ms(r.latency100Ms))
  row('last delivery hop (mean)', r => r.lastHop === null ? '-' : r.lastHop.toFixed(2))
  row('bytes sent / node / msg', r => Math.round(r.bytesPerNodePerMessage).toLocaleString('en-US'))
  row('  of which payload', r => `${(r.payloadShare * 100).toFixed(1)}%`)
  row('payload sends / node / msg', r => r.payloadSendsPerNode.toFixed(3))
  row('duplicates / delivery', r => r.duplicatesPerDelivery.toFixed(3))
  const degree = results.length === 0 ? 0 : (2 * results[0]!.links) / opts.nodes
  row('expected by design', r => expected(r.protocol, degree))
  out('')
  out('  expected by design: plumtree ≈ 1 payload send per node once the tree stands (SRDS 2007 §5: RMR ≈ 0);')
  out('  flood: fanout − 1 = degree − 2 duplicates per delivery (each node forwards to all but the sender);')
  out('  gossipsub: ≈ D = 6 sends per node (the mesh; spec v1.0);')
  out('  bitcoin: one tx per node (it travels only on getdata), and hops of 2 s (outbound) to 5 s + 2 s')
  out('  (inbound: trickle, then the non-preferred delay) on average; devp2p: ⌊√(peers − 1)⌋ pushes per node')
  out('  (EIP-2464: bandwidth from linear in the peers to √), the rest fetched after 500 ms.')
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ options: opts, protocols, wallSeconds: wall, cpuSeconds: cpu, runs: results }, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    writeReport(values.report, web3PaperReport(results, plan))
    out(`report written to ${values.report}`)
  }
  return 0
}

function ms (v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'not all' : `${Math.round(v).toLocaleString('en-US')} ms`
}

function expected (p: Web3Protocol, degree: number): string {
  switch (p) {
    case 'plumtree': return '≈1 send/node'
    case 'flood': return `${(degree - 2).toFixed(1)} dup`
    case 'gossipsub': return '≈6 sends/node'
    case 'bitcoin': return '≈1 send/node'
    case 'devp2p': return `≈${Math.floor(Math.sqrt(Math.max(0, degree - 1)))} push/node`
  }
}
