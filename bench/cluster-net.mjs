// A cluster on one machine (issue 15): N processes on 127.0.0.1, one node each, every node dialling 3
// others of a seeded random graph (the same graph for both implementations), all subscribed to one topic.
// For whole grapevine nodes (createNode: membership, broadcast, state, GossipSub, topic discovery) and
// @libp2p/gossipsub (the reference) in the same invocation:
// - traffic: a fixed aggregate publish rate spread over the nodes, 1 KiB, StrictSign, measured for a few
//   seconds: delivery ratio, latency p50 / p99 from publish to the LAST subscriber (over the messages every
//   other node delivered), CPU seconds of all processes (/proc/<pid>/stat) per delivered message,
//   duplicates per delivery, and the ratios;
// - idle: the nodes settle, then nothing is published for a while: CPU ms per second per node, connections
//   opened and closed meanwhile (counted at the dialling end), and, for grapevine, where one idle node's
//   CPU goes by module (a V8 profile of that window: each sample to the innermost grapevine module on its
//   stack, else to the package it runs in).
// Settings: CLUSTER_SIZES (10,20), CLUSTER_RATES (msgs/s in total: 20,50,200), CLUSTER_SECONDS (10),
// CLUSTER_IDLE_NODES (10), CLUSTER_IDLE_SECONDS (30), CLUSTER_SETTLE_SECONDS (70: a settled cluster — a
// whole node's shuffles slow down to one a minute within about a minute, 10 → 20 → 40 → 60 s, while they
// teach nothing; with 10 s the window still holds the faster ones), CLUSTER_PROFILE_SECONDS
// (10; 0: no profile; CLUSTER_PROFILE_FILE=F also writes that profile to F), CLUSTER_IMPLS
// (js,grapevine), CLUSTER_SKIP (traffic or idle), CLUSTER_GV_OPTIONS (JSON merged into grapevine's
// createNode options, for experiments), CLUSTER_NODE_ARGS (node flags for the children, e.g.
// '--cpu-prof --cpu-prof-dir=DIR'). The machine may saturate at 20 processes: the figures are reported
// as measured.
// Run alone: `npm run build && node bench/cluster-net.mjs`, or `BENCH_ONLY=cluster-net npm run bench`.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { sizesFrom } from './lib.mjs'

const CHILD = fileURLToPath(new URL('./cluster-net-child.mjs', import.meta.url))
const SIZE = 1024
const DEGREE = 3
const GRAPH_SEED = 15
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const HZ = 100
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

function child (impl, index) {
  // CLUSTER_NODE_ARGS: extra node flags for the children (e.g. '--cpu-prof --cpu-prof-dir=DIR').
  const nodeArgs = (process.env.CLUSTER_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  const p = spawn(process.execPath, [...nodeArgs, CHILD, impl, String(index), 'StrictSign', String(SIZE)], { stdio: ['pipe', 'pipe', 'inherit'] })
  p.stdin.on('error', () => {})
  const waiters = []
  createInterface({ input: p.stdout }).on('line', (line) => {
    let msg
    try { msg = JSON.parse(line) } catch { return }
    const i = waiters.findIndex(w => w.key in msg)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg)
  })
  return {
    pid: p.pid,
    send: (o) => { if (p.exitCode === null && p.stdin.writable) p.stdin.write(JSON.stringify(o) + '\n') },
    wait: (key) => new Promise(resolve => waiters.push({ key, resolve })),
    exited: new Promise(resolve => p.once('exit', resolve))
  }
}

/** Seeded graph: node i dials DEGREE distinct others (mulberry32). */
export function graph (n, seed = GRAPH_SEED) {
  let s = seed >>> 0
  const rand = () => {
    s = (s + 0x6D2B79F5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: n }, (_, i) => {
    const out = new Set()
    while (out.size < Math.min(DEGREE, n - 1)) {
      const j = Math.floor(rand() * n)
      if (j !== i) out.add(j)
    }
    return [...out]
  })
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds (pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / HZ
  } catch {
    return 0
  }
}
/** Voluntary context switches of a process so far (each a sleep: roughly its event-loop wake-ups). */
function switches (pid) {
  try {
    return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1])
  } catch {
    return 0
  }
}
/** CPU ticks so far of a process's threads: its event loop (the main thread) and all others (V8's GC and compiler helpers, libuv's pool, workers). */
function threadTicks (pid) {
  const out = {}
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
      const name = t === String(pid) ? 'event loop' : 'other threads'
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
      out[name] = (out[name] ?? 0) + Number(f[11]) + Number(f[12])
    }
  } catch {
    // gone
  }
  return out
}
const threadsOf = (nodes) => {
  const sum = {}
  for (const c of nodes) for (const [k, v] of Object.entries(threadTicks(c.pid))) sum[k] = (sum[k] ?? 0) + v
  return sum
}
const switchesOf = (nodes) => nodes.reduce((s, c) => s + switches(c.pid), 0)
const cpuOf = (nodes) => nodes.reduce((s, c) => s + cpuSeconds(c.pid), 0)
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]

async function startCluster (impl, n) {
  const nodes = Array.from({ length: n }, (_, i) => child(impl, i))
  const ready = await Promise.all(nodes.map(c => c.wait('ready')))
  const edges = graph(n)
  nodes.forEach((c, i) => c.send({ dial: edges[i].map(j => ready[j].addrs[0]) }))
  await Promise.all(nodes.map(c => c.wait('dialled')))
  nodes.forEach(c => c.send({ waitTopicPeers: DEGREE, timeoutMs: 10_000 }))
  await Promise.all(nodes.map(c => c.wait('topicPeers')))
  return nodes
}

async function stopCluster (nodes) {
  nodes.forEach(c => c.send({ stop: true }))
  await Promise.all(nodes.map(c => c.exited))
}

const percentile = (sorted, q) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]

/** One rate on a running cluster: publish for `seconds`, wait for stragglers, collect. */
async function traffic (nodes, rate, seconds, drainMs) {
  const n = nodes.length
  nodes.forEach(c => c.send({ measure: true }))
  const before = await Promise.all(nodes.map(c => c.wait('measuring')))
  const cpu0 = cpuOf(nodes)
  const load0 = loadavg()
  nodes.forEach(c => c.send({ publish: { rate: rate / n, ms: seconds * 1000 } }))
  await Promise.all(nodes.map(c => c.wait('publishing')))
  await sleep(seconds * 1000 + drainMs)
  nodes.forEach(c => c.send({ report: true }))
  const reports = await Promise.all(nodes.map(c => c.wait('report')))
  const cpu = cpuOf(nodes) - cpu0
  const published = reports.reduce((s, r) => s + r.published, 0)
  // Per message: how many nodes delivered it, and its latency to the last of them.
  const copies = new Map()
  let delivered = 0
  for (const r of reports) {
    for (let i = 0; i < r.received.length; i += 3) {
      const key = r.received[i] * 1e9 + r.received[i + 1]
      const m = copies.get(key)
      if (m === undefined) copies.set(key, { count: 1, last: r.received[i + 2] })
      else {
        m.count++
        if (r.received[i + 2] > m.last) m.last = r.received[i + 2]
      }
      delivered++
    }
  }
  const lastNode = [...copies.values()].filter(m => m.count === n - 1).map(m => m.last).sort((a, b) => a - b)
  const duplicates = reports.reduce((s, r, i) => s + r.duplicates - before[i].duplicates, 0)
  return {
    rate,
    published,
    delivered,
    deliveryRatio: published === 0 ? 0 : delivered / (published * (n - 1)),
    complete: lastNode.length,
    p50: percentile(lastNode, 0.5),
    p99: percentile(lastNode, 0.99),
    cpuMsPerDelivery: delivered === 0 ? null : cpu * 1000 / delivered,
    cpuCores: cpu / seconds,
    duplicatesPerDelivery: delivered === 0 ? null : duplicates / delivered,
    opened: reports.reduce((s, r) => s + r.opened, 0),
    closed: reports.reduce((s, r) => s + r.closed, 0),
    load: load0
  }
}

/** The idle phase: settle, then nothing published for `seconds`; one node (grapevine) profiled. */
async function idle (impl, n, seconds, settle, profileSeconds) {
  const nodes = await startCluster(impl, n)
  await sleep(settle * 1000)
  nodes.forEach(c => c.send({ measure: true }))
  await Promise.all(nodes.map(c => c.wait('measuring')))
  const cpu0 = cpuOf(nodes)
  const sw0 = switchesOf(nodes)
  const th0 = threadsOf(nodes)
  const load0 = loadavg()
  await sleep(seconds * 1000)
  const cpu = cpuOf(nodes) - cpu0
  const wakeups = switchesOf(nodes) - sw0
  // CPU of the event loop and of the other threads, ms/s per node.
  const th1 = threadsOf(nodes)
  const threads = Object.fromEntries(Object.entries(th1).map(([k, v]) => [k, (v - (th0[k] ?? 0)) * 1000 / HZ / seconds / n]).filter(([, v]) => v > 0))
  nodes.forEach(c => c.send({ report: true }))
  const reports = await Promise.all(nodes.map(c => c.wait('report')))
  // Then, outside the measured window (the profiler costs CPU of its own), where one node's time goes.
  let profile = null
  if (impl === 'grapevine' && profileSeconds > 0) {
    nodes[0].send({ profile: 'start' })
    await nodes[0].wait('profiling')
    await sleep(profileSeconds * 1000)
    nodes[0].send({ profile: 'stop' })
    profile = (await nodes[0].wait('profile')).profile
  }
  await stopCluster(nodes)
  const conns = reports.map(r => r.connections).sort((a, b) => a - b)
  // Per protocol (grapevine): time in each core's inputs, per node per second; the rest of the CPU is libp2p and Node.
  const cores = {}
  for (const r of reports) for (const [k, v] of Object.entries(r.coreMs ?? {})) cores[k] = (cores[k] ?? 0) + v / seconds / n
  const processMs = reports.reduce((s, r) => s + r.cpuMs, 0) / seconds / n
  return {
    impl,
    nodes: n,
    seconds,
    cpuMsPerSecPerNode: cpu * 1000 / seconds / n,
    threads,
    wakeupsPerSecPerNode: wakeups / seconds / n,
    cores,
    processMsPerSecPerNode: processMs,
    opened: reports.reduce((s, r) => s + r.opened, 0),
    closed: reports.reduce((s, r) => s + r.closed, 0),
    connectionsMin: conns[0],
    connectionsMax: conns[conns.length - 1],
    load: load0,
    loadAfter: loadavg(),
    profile
  }
}

const NAME = { js: '@libp2p/gossipsub', grapevine: 'grapevine' }
const f = (x, d = 0) => x === null || x === undefined ? '-' : x.toFixed(d)

/**
 * One node's profile by module: the shares of its busy samples, scaled to the CPU the process used meanwhile
 * (the profiler's sample intervals are wall time, so on a loaded machine they overstate busy time).
 */
export function printProfile (profile, seconds, label = 'grapevine idle node 0') {
  const rows = Object.entries(profile.modules).filter(([k]) => k !== '(idle)' && k !== '(program)').sort((a, b) => b[1] - a[1])
  const busy = rows.reduce((s, [, v]) => s + v, 0)
  const cpu = profile.cpuMs / seconds
  console.log(`  ${label}, profiled for ${seconds} s after the measured window, by module: ${f(cpu, 2)} ms/s of CPU (process, the profiler included), shared out by profile samples:`)
  for (const [k, v] of rows.slice(0, 14)) console.log(`    ${k.padEnd(34)} ${f(v / busy * cpu, 2).padStart(7)} ms/s  ${f(v / busy * 100, 1).padStart(5)}%`)
  if (process.env.CLUSTER_TOP === '1') for (const [k, v] of profile.top) console.log(`      ${f(v / busy * 100, 1).padStart(5)}%  ${k}`)
  if (profile.chains !== undefined) for (const [k, v] of profile.chains) console.log(`      ${f(v / busy * 100, 1).padStart(5)}%  ${k}`)
}

export async function benchClusterNet () {
  const sizes = sizesFrom('CLUSTER_SIZES', '10,20')
  const rates = sizesFrom('CLUSTER_RATES', '20,50,200')
  const seconds = Number(process.env.CLUSTER_SECONDS ?? 10)
  const idleNodes = Number(process.env.CLUSTER_IDLE_NODES ?? 10)
  const idleSeconds = Number(process.env.CLUSTER_IDLE_SECONDS ?? 30)
  const settle = Number(process.env.CLUSTER_SETTLE_SECONDS ?? 70)
  const profileSeconds = Number(process.env.CLUSTER_PROFILE_SECONDS ?? 10)
  const impls = (process.env.CLUSTER_IMPLS ?? 'js,grapevine').split(',')
  const skip = process.env.CLUSTER_SKIP ?? ''
  const results = { traffic: [], idle: [] }
  if (skip !== 'traffic') {
    console.log(`\n== cluster over TCP: one node per process on 127.0.0.1, each dialling ${DEGREE} others (seeded graph), one topic, ${SIZE} B, StrictSign, ${seconds} s per rate (reference: @libp2p/gossipsub) ==`)
    for (const n of sizes) {
      for (const impl of impls) {
        const nodes = await startCluster(impl, n)
        await sleep(2000)
        for (const rate of rates) results.traffic.push({ impl, nodes: n, ...await traffic(nodes, rate, seconds, 3000) })
        await stopCluster(nodes)
      }
    }
    console.log('nodes  msgs/s  implementation      published  delivery  last-node p50 ms  p99 ms   CPU ms/delivery  cores  dup/delivery  conns +/-  load')
    for (const r of results.traffic) {
      console.log(`${String(r.nodes).padStart(5)}  ${String(r.rate).padStart(6)}  ${NAME[r.impl].padEnd(18)}  ${String(r.published).padStart(9)}  ${(r.deliveryRatio * 100).toFixed(2).padStart(7)}%  ${f(r.p50, 1).padStart(16)}  ${f(r.p99, 1).padStart(6)}   ${f(r.cpuMsPerDelivery, 2).padStart(15)}  ${f(r.cpuCores, 2).padStart(5)}  ${f(r.duplicatesPerDelivery, 2).padStart(12)}  ${String(r.opened).padStart(4)}/${String(r.closed).padEnd(4)} ${r.load}`)
    }
    for (const n of sizes) {
      for (const rate of rates) {
        const ref = results.traffic.find(r => r.impl === 'js' && r.nodes === n && r.rate === rate)
        const gv = results.traffic.find(r => r.impl === 'grapevine' && r.nodes === n && r.rate === rate)
        if (ref === undefined || gv === undefined) continue
        console.log(`ratio grapevine / @libp2p/gossipsub, ${n} nodes, ${rate} msgs/s: delivery ${f(gv.deliveryRatio / ref.deliveryRatio, 3)}×, ` +
          `last-node p99 ${f(ref.p99 / gv.p99, 2)}× lower, CPU per delivery ${f(ref.cpuMsPerDelivery / gv.cpuMsPerDelivery, 2)}× less`)
      }
    }
  }
  if (skip !== 'idle') {
    console.log(`\n== idle: ${idleNodes} nodes, one process each, nothing published for ${idleSeconds} s after ${settle} s settling ==`)
    for (const impl of impls) results.idle.push(await idle(impl, idleNodes, idleSeconds, settle, profileSeconds))
    console.log('implementation      CPU ms/s per node  wake-ups/s per node  conns opened/closed  conns per node  load (1 min) before/after')
    for (const r of results.idle) {
      console.log(`${NAME[r.impl].padEnd(18)}  ${f(r.cpuMsPerSecPerNode, 2).padStart(17)}  ${f(r.wakeupsPerSecPerNode, 1).padStart(19)}  ${String(r.opened).padStart(12)}/${String(r.closed).padEnd(6)}  ${r.connectionsMin}–${r.connectionsMax}`.padEnd(97) + `${r.load} / ${r.loadAfter}`)
    }
    const ref = results.idle.find(r => r.impl === 'js')
    const gv = results.idle.find(r => r.impl === 'grapevine')
    if (ref !== undefined && gv !== undefined) console.log(`ratio idle CPU grapevine / @libp2p/gossipsub: ${f(gv.cpuMsPerSecPerNode / ref.cpuMsPerSecPerNode, 2)}×`)
    for (const r of results.idle) console.log(`  ${NAME[r.impl]}, by thread, ms/s per node: ` + Object.entries(r.threads).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v, 2)}`).join(', '))
    if (gv !== undefined && Object.keys(gv.cores).length > 0) {
      const inCores = Object.values(gv.cores).reduce((s, x) => s + x, 0)
      console.log(`  grapevine, per node over the measured window: time in each protocol's core (its timers, messages and peer events, with what they send), ms/s:`)
      console.log('    ' + Object.entries(gv.cores).map(([k, v]) => `${k} ${f(v, 3)}`).join(', ') +
        `; the rest of the process (libp2p, Noise, Yamux, sockets, GC, Node): ${f(gv.processMsPerSecPerNode - inCores, 2)} of ${f(gv.processMsPerSecPerNode, 2)}`)
    }
    if (gv?.profile != null) printProfile(gv.profile, profileSeconds)
  }
  if (process.env.CLUSTER_JSON !== undefined) (await import('node:fs')).writeFileSync(process.env.CLUSTER_JSON, JSON.stringify(results, null, 2))
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchClusterNet()
