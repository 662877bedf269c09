/**
 * `grapevine demo` (what `npm start` runs): five agents as separate processes on 127.0.0.1 form a
 * cluster; the demo publishes, writes replicated state and broadcasts through their control APIs, and
 * prints what reached whom and how fast. Everything is cleaned up at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, spawnAgent, stopAgent, subscribeAgent, waitUntil, type RunningAgent } from '../agent/cluster.js'

/**
 * `ui`: after the demo, keep the agents running and print the cluster console's one-time login link (agent
 * 1's), until SIGINT / SIGTERM — or until `until` resolves (tests).
 */
export interface DemoOptions { ui?: boolean, until?: Promise<void> }

export async function demo (out: (line: string) => void = console.log, agents = 5, o: DemoOptions = {}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-demo-'))
  const running: RunningAgent[] = []
  const short = (id: string): string => `…${id.slice(-6)}`
  try {
    out(`grapevine demo: ${agents} agents on 127.0.0.1, each its own process (data in ${dir})\n`)
    for (let i = 0; i < agents; i++) {
      const boot = i === 0 ? [] : ['--bootstrap', running[0]!.record.multiaddrs[0]!]
      const a = await spawnAgent(join(dir, `agent-${i + 1}`), ['--listen', '/ip4/127.0.0.1/tcp/0', ...boot])
      running.push(a)
      out(`  agent ${i + 1}  ${short(a.record.peerId)}  ${a.record.multiaddrs[0]!.replace(/\/p2p\/.*/, '')}  API ${a.record.api}`)
    }
    const name = (id: string | null): string => {
      const i = running.findIndex(a => a.record.peerId === id)
      return i < 0 ? String(id) : `agent ${i + 1}`
    }

    const tMembers = await waitUntil('membership', async () => {
      const views = await Promise.all(running.map(async a => await api<{ active: string[] }>(a, 'GET', '/v1/members')))
      return views.every(v => v.active.length >= Math.min(2, agents - 1))
    })
    const views = await Promise.all(running.map(async a => await api<{ active: string[] }>(a, 'GET', '/v1/members')))
    out(`\nmembership (HyParView) settled in ${tMembers} ms:`)
    views.forEach((v, i) => out(`  agent ${i + 1} neighbours: ${v.active.map(name).join(', ')}`))

    // Pub/sub: everyone subscribes; each agent publishes one message.
    const got = running.map(() => [] as string[])
    const subs = running.map((a, i) => subscribeAgent(a, 'demo', m => got[i]!.push(m.data)))
    await Promise.all(subs.map(async s => await s.ready))
    // Subscriptions travel between neighbours, and topic discovery connects the topic's members: once the
    // topic peers of all agents link them into one graph, and each has a mesh, nobody misses a message.
    const tTopic = await waitUntil('the agents\' topic peers to connect them all', async () => {
      const infos = await Promise.all(running.map(async a => await api<{ peerId: string, topicPeers: Record<string, { peers: string[], mesh: string[] } | undefined> }>(a, 'GET', '/v1/info')))
      return infos.every(v => (v.topicPeers.demo?.mesh.length ?? 0) > 0) && connected(infos.map(v => [v.peerId, v.topicPeers.demo?.peers ?? []]))
    }, 60_000)
    out(`\npub/sub (GossipSub, topic "demo"; every agent subscribed and meshed after ${tTopic} ms):`)
    for (const [i, a] of running.entries()) {
      const t0 = Date.now()
      const msg = `hello from agent ${i + 1}`
      const r = await api<{ recipients: number }>(a, 'POST', '/v1/publish', { topic: 'demo', data: msg, minPeers: 1 })
      const ms = await waitUntil(`"${msg}" everywhere`, () => got.every(g => g.includes(msg)), 15_000, 5)
      out(`  agent ${i + 1} published "${msg}" to ${r.recipients} peer(s) → all ${agents} agents had it after ${ms || Date.now() - t0} ms`)
    }
    for (const s of subs) s.stop()

    // Replicated state: one agent writes, everyone reads.
    out('\nreplicated state (anti-entropy):')
    const writer = running[1 % agents]!
    await api(writer, 'PUT', '/v1/kv/color', { value: 'green' })
    const tState = await waitUntil('state everywhere', async () => {
      const vals = await Promise.all(running.map(async a => await api<Array<{ key: string, origin: string, value: string }>>(a, 'GET', '/v1/kv?prefix=color')))
      return vals.every(v => v.some(e => e.origin === writer.record.peerId && e.value === 'green'))
    }, 30_000)
    out(`  ${name(writer.record.peerId)} set color=green → every agent read it after ${tState} ms`)

    // Broadcast (Plumtree over the membership overlay).
    out('\nbroadcast (Plumtree):')
    const before = await Promise.all(running.map(async a => (await api<{ broadcastsDelivered: number }>(a, 'GET', '/v1/info')).broadcastsDelivered))
    const b = await api<{ id: string }>(running[agents - 1]!, 'POST', '/v1/broadcast', { data: 'to everyone' })
    const others = running.slice(0, agents - 1)
    const tB = await waitUntil('broadcast everywhere', async () => (await Promise.all(others.map(async (a, i) => (await api<{ broadcastsDelivered: number }>(a, 'GET', '/v1/info')).broadcastsDelivered > before[i]!))).every(x => x), 15_000, 5)
    out(`  agent ${agents} broadcast ${b.id} → delivered at the ${agents - 1} other agents after ${tB} ms`)
    const infos = await Promise.all(running.map(async a => await api<{ driver: { framesIn: number, framesOut: number, bytesIn: number, bytesOut: number } }>(a, 'GET', '/v1/info')))
    out('\ntraffic so far (frames in / out, bytes in / out):')
    infos.forEach((v, i) => out(`  agent ${i + 1}  ${v.driver.framesIn} / ${v.driver.framesOut}   ${v.driver.bytesIn} / ${v.driver.bytesOut}`))
    if (o.ui === true) {
      const { url } = await api<{ url: string }>(running[0]!, 'POST', '/v1/ui/login', {})
      out(`\ncluster console (agent 1; the link works once — \`grapevine ui --data-dir ${join(dir, 'agent-1')}\` gives another):\n  ${url}\n\nthe agents keep running; Ctrl-C stops them`)
      await (o.until ?? new Promise<void>(resolve => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      }))
    }
    out('\nstopping the agents')
    return 0
  } finally {
    await Promise.all(running.map(async a => await stopAgent(a)))
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Whether the links (each node's peers, taken as undirected edges) connect every node listed. */
function connected (nodes: Array<[string, string[]]>): boolean {
  const edges = new Map(nodes.map(([id]) => [id, new Set<string>()]))
  for (const [id, peers] of nodes) {
    for (const p of peers) {
      if (!edges.has(p)) continue
      edges.get(id)!.add(p)
      edges.get(p)!.add(id)
    }
  }
  const seen = new Set([nodes[0]![0]])
  const todo = [nodes[0]![0]]
  while (todo.length > 0) for (const p of edges.get(todo.pop()!)!) if (!seen.has(p)) { seen.add(p); todo.push(p) }
  return seen.size === nodes.length
}
