// One node of the multi-process cluster benchmark (bench/cluster-net.mjs): a libp2p host on 127.0.0.1
// running a whole grapevine node (createNode: membership, broadcast, state, GossipSub, topic discovery) or
// @libp2p/gossipsub (`js`), subscribed to one topic. The parent tells it whom to dial, when to publish
// (a rate, 1 KiB messages carrying the publish time, the publisher's index and a sequence number), and
// asks for a report: every message received with its latency, duplicates, connections opened and closed.
// `profile` starts / stops the V8 CPU profiler through the inspector and answers the time by module.
// Talks to the parent over stdin / stdout, one JSON object per line.
import '../dist/src/net/shim.js'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createInterface } from 'node:readline'
import { gossipsub } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { loopbackHost } from './loopback-host.mjs'
import { createNode } from '../dist/src/exports/index.js'
import { createLogger } from '../dist/src/metrics/log.js'

const [impl, indexArg, policy, sizeArg] = process.argv.slice(2)
const index = Number(indexArg)
const size = Number(sizeArg)
const TOPIC = 'cluster'
const send = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const wallNow = () => performance.timeOrigin + performance.now()
const seed = new Uint8Array(32).fill(index + 1)
/** Milliseconds in each core's inputs since the last `measure` (grapevine), and the process's CPU then. */
const coreMs = {}
let cpuAtMeasure = process.cpuUsage()
seed[0] = impl === 'grapevine' ? 7 : 9

let publish, host, peersInTopic, stop, join, duplicates
if (impl === 'grapevine') {
  // CLUSTER_GV_OPTIONS: JSON merged into createNode's options (experiments: e.g. '{"discovery":false}').
  const extra = JSON.parse(process.env.CLUSTER_GV_OPTIONS ?? '{}')
  const node = await createNode({ seed, listen: ['/ip4/127.0.0.1/tcp/0'], signaturePolicy: policy, logger: createLogger('warn'), ...extra })
  host = node.libp2p
  const topic = node.pubsub.join(TOPIC)
  const sub = topic.subscribe({ bufferSize: 1 << 16 })
  void (async () => { for await (const m of sub) onData(m.data) })()
  publish = async (data) => { await topic.publish(data) }
  peersInTopic = () => topic.peers().length
  join = (addr) => node.join(addr)
  duplicates = () => node.cores.gossipsub.stats.duplicates
  stop = async () => { await node.stop() }
  timeCores(node.cores.all)
} else {
  host = await loopbackHost(seed, { pubsub: gossipsub({ globalSignaturePolicy: policy, allowPublishToZeroTopicPeers: true }) })
  const ps = host.services.pubsub
  let dups = 0
  const dup = ps.score.duplicateMessage.bind(ps.score)
  ps.score.duplicateMessage = (...args) => { dups++; return dup(...args) }
  ps.subscribe(TOPIC)
  ps.addEventListener('message', (e) => { if (e.detail.topic === TOPIC) onData(e.detail.data) })
  publish = async (data) => { await ps.publish(TOPIC, data) }
  peersInTopic = () => ps.getSubscribers(TOPIC).length
  join = () => {}
  duplicates = () => dups
  stop = async () => { await host.stop() }
}

// Connections, counted at the end that dialled them (each connection once across the cluster).
let opened = 0
let closed = 0
host.addEventListener('connection:open', (e) => { if (e.detail.direction === 'outbound') opened++ })
host.addEventListener('connection:close', (e) => { if (e.detail.direction === 'outbound') closed++ })

/** Received messages: [publisher, seq, latency ms] as flat triples. */
let received = []
function onData (data) {
  if (data.length < 16) return
  const dv = new DataView(data.buffer, data.byteOffset, 16)
  if (dv.getUint32(8) === index) return // our own message (grapevine delivers it to a subscribed publisher)
  received.push(dv.getUint32(8), dv.getUint32(12), wallNow() - dv.getFloat64(0))
}

/**
 * Time spent in each core's inputs (timers, messages, peer events — with what they send, encoded and
 * queued synchronously), by core: what each protocol costs. The rest of the process's CPU is libp2p,
 * Noise, Yamux, the sockets, the garbage collector and Node itself.
 */
function timeCores (cores) {
  for (const core of cores) {
    coreMs[core.name] = 0
    for (const m of ['onTimer', 'onMessage', 'onPeerUp', 'onPeerDown', 'onMalformed']) {
      const f = core[m]
      if (typeof f !== 'function') continue
      core[m] = function (...args) {
        const t0 = performance.now()
        try {
          return f.apply(this, args)
        } finally {
          coreMs[core.name] += performance.now() - t0
        }
      }
    }
  }
}

let published = 0
let seq = 0
let publishing = null
/** Publishes `rate` messages a second for `ms`, on a fixed schedule (late ticks catch up, never burst beyond it). */
function startPublishing (rate, ms) {
  const t0 = performance.now()
  const data = new Uint8Array(size)
  let n = 0
  let stopped = false
  const tick = async () => {
    while (!stopped) {
      const elapsed = performance.now() - t0
      if (elapsed >= ms) break
      const due = Math.floor(elapsed * rate / 1000) + 1
      while (n < due && !stopped) {
        const msg = data.slice()
        const dv = new DataView(msg.buffer)
        dv.setFloat64(0, wallNow())
        dv.setUint32(8, index)
        dv.setUint32(12, seq++)
        n++
        published++
        await publish(msg).catch(() => {})
      }
      const next = (n * 1000) / rate - (performance.now() - t0)
      await new Promise(resolve => setTimeout(resolve, Math.max(0, next)))
    }
  }
  const done = tick()
  return { done, stop: () => { stopped = true } }
}

let session = null
let profileCpu = null
/** Time by module from a V8 CPU profile: each sample goes to the innermost grapevine module on its stack, else to the package of its leaf. */
function byModule (profile) {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const cache = new Map()
  const category = (id) => {
    if (cache.has(id)) return cache.get(id)
    let cat = null
    for (let at = id; at !== undefined && cat === null; at = parent.get(at)) {
      const url = byId.get(at).callFrame.url
      const m = /\/dist\/src\/([a-z-]+)\//.exec(url)
      if (m !== null && !url.includes('node_modules')) cat = `src/${m[1]}`
    }
    if (cat === null) {
      const f = byId.get(id).callFrame
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)
      cat = m !== null ? m[1] : f.url === '' ? f.functionName.startsWith('(') ? f.functionName : '(native)' : f.url.startsWith('node:') ? '(node)' : '(other)'
    }
    cache.set(id, cat)
    return cat
  }
  const out = {}
  const self = new Map()
  const chains = new Map()
  const inspector = new Set(profile.nodes.filter(n => n.callFrame.url === 'node:inspector').map(n => n.id))
  const own = (id) => { for (let at = id; at !== undefined; at = parent.get(at)) if (inspector.has(at)) return true; return false }
  profile.samples.forEach((id, i) => {
    if (own(id)) return // the profiler's own messages
    const c = category(id)
    const dt = (profile.timeDeltas[i] ?? 0) / 1000
    out[c] = (out[c] ?? 0) + dt
    const f = byId.get(id).callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + dt)
    if (process.env.CLUSTER_CHAINS === '1') {
      const chain = []
      for (let at = id; at !== undefined && chain.length < Number(process.env.CLUSTER_CHAIN_DEPTH ?? 8); at = parent.get(at)) {
        const cf = byId.get(at).callFrame
        chain.push(`${cf.functionName || '(anon)'}@${cf.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '').replace(/\/dist\/src\//, ':')}:${cf.lineNumber + 1}`)
      }
      const ck = chain.join(' < ')
      chains.set(ck, (chains.get(ck) ?? 0) + dt)
    }
  })
  return { chains: [...chains].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 30), modules: out, top: [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 25) }
}

send({ ready: true, addrs: host.getMultiaddrs().map(String), pid: process.pid })

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const cmd = JSON.parse(line)
  if (cmd.dial !== undefined) {
    await Promise.all(cmd.dial.map(a => host.dial(multiaddr(a)).catch(() => {})))
    if (cmd.dial.length > 0) join(cmd.dial[0])
    send({ dialled: true })
  } else if (cmd.waitTopicPeers !== undefined) {
    const until = Date.now() + cmd.timeoutMs
    while (peersInTopic() < cmd.waitTopicPeers && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
    send({ topicPeers: peersInTopic() })
  } else if (cmd.measure !== undefined) {
    received = []
    for (const k of Object.keys(coreMs)) coreMs[k] = 0
    cpuAtMeasure = process.cpuUsage()
    published = 0
    opened = 0
    closed = 0
    send({ measuring: true, duplicates: duplicates() })
  } else if (cmd.publish !== undefined) {
    publishing = startPublishing(cmd.publish.rate, cmd.publish.ms)
    send({ publishing: true })
  } else if (cmd.report !== undefined) {
    publishing?.stop()
    await publishing?.done
    publishing = null
    const cpu = process.cpuUsage(cpuAtMeasure)
    send({ report: true, published, received, duplicates: duplicates(), opened, closed, connections: host.getConnections().length, coreMs, cpuMs: (cpu.user + cpu.system) / 1000 })
  } else if (cmd.profile === 'start') {
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 1000 })
    await session.post('Profiler.start')
    profileCpu = process.cpuUsage()
    send({ profiling: true })
  } else if (cmd.profile === 'stop') {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    if (process.env.CLUSTER_PROFILE_FILE !== undefined) writeFileSync(process.env.CLUSTER_PROFILE_FILE, JSON.stringify(profile))
    const cpu = process.cpuUsage(profileCpu)
    send({ profile: { ...byModule(profile), cpuMs: (cpu.user + cpu.system) / 1000 } })
  } else if (cmd.stop !== undefined) {
    await stop()
    process.exit(0)
  }
}
