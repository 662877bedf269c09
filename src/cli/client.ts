/**
 * The commands that talk to a running agent through its control API (src/agent/api.ts): members, info,
 * publish, subscribe, kv. The agent and its token are found in DIR/agent.json (--data-dir, default
 * ./.grapevine); --api URL (or GRAPEVINE_API) names another address, with the token from GRAPEVINE_TOKEN
 * or else from DIR/agent.json. Every command takes --json for machine-readable output.
 */
import { parseArgs } from 'node:util'
import { ApiClient } from '../agent/client.js'
import { DEFAULT_DATA_DIR, readRecord, recordPath, type AgentRecord } from '../agent/record.js'
import { UsageError } from '../core/errors.js'
import { num } from './args.js'

export const CLIENT_USAGE = `commands for a running agent (each takes --api URL or --data-dir DIR, --json, and --wait:
wait up to 20 s for the agent to answer, for scripts that have just started one):
  grapevine addr                     the agent's first address, …/p2p/<peer id> (for --bootstrap)
  grapevine stop                     stop the agent (SIGTERM to the process in DIR/agent.json) and wait
  grapevine members                  the agent's active and passive views
  grapevine info                     peer id, addresses, topics, state size, traffic counters
  grapevine publish TOPIC MESSAGE    publish a message once the peers' send queues have room; says how
                                     many peers it was queued to and which were skipped and why
                                     (--min-peers N: first wait for N peers on the topic; --timeout MS:
                                     give up waiting, default 10000; --slow-peer MS: skip a peer whose
                                     queue stays full this long, default 2000)
  grapevine subscribe TOPIC          print messages as they arrive (--count N: stop after N)
  grapevine kv set KEY VALUE         write a key of this node's origin
  grapevine kv get KEY [--origin ID] read a key (default: this node's)
  grapevine kv del KEY               delete a key of this node's origin
  grapevine kv list [--origin ID] [--prefix P] [--reserved]   every live entry (--reserved: with
                                     grapevine's own keys, e.g. each node's _grapevine/summary)
  grapevine ui                       a new one-time login link of the agent's cluster console`

interface Common { api: ApiClient, json: boolean }

/** What POST /v1/publish answers. */
interface PublishAnswer { id: string, recipients: number, skipped: number, skippedPeers: Array<{ peer: string, reason: string }>, reason?: string }

function locate (values: { api?: string | undefined, 'data-dir'?: string | undefined }): ApiClient {
  const dir = values['data-dir'] ?? DEFAULT_DATA_DIR
  let record: AgentRecord | undefined
  try {
    record = readRecord(dir)
  } catch {
    record = undefined
  }
  const url = values.api ?? process.env.GRAPEVINE_API ?? record?.api
  if (url === undefined) throw new UsageError('ERR_NO_AGENT', `no running agent found in ${dir} (start one with "grapevine agent --data-dir ${dir}", or pass --api http://127.0.0.1:PORT)`)
  const token = process.env.GRAPEVINE_TOKEN ?? record?.token
  if (token === undefined) throw new UsageError('ERR_NO_AGENT', `no token for the agent at ${url}: set GRAPEVINE_TOKEN, or pass --data-dir DIR of that agent (its token is in ${recordPath(dir)})`)
  return new ApiClient(url, token)
}

/** The agent's API client; with `wait`, retries for up to 20 s until the agent is found and answers. */
async function connect (values: { api?: string | undefined, 'data-dir'?: string | undefined }, wait: boolean): Promise<ApiClient> {
  const deadline = Date.now() + (wait ? 20_000 : 0)
  for (;;) {
    try {
      const api = locate(values)
      if (wait) await api.call('GET', '/v1/info')
      return api
    } catch (err) {
      if (Date.now() >= deadline || !(err instanceof UsageError) || err.code !== 'ERR_NO_AGENT') throw err
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
}

async function call (c: Common, method: string, path: string, body?: unknown): Promise<unknown> {
  return await c.api.call(method, path, body)
}

/** Stops the agent recorded in `dir` (it removes its record when it has stopped). */
async function stopAgentProcess (dir: string, out: (line: string) => void): Promise<number> {
  let record: AgentRecord
  try {
    record = readRecord(dir)
  } catch {
    throw new UsageError('ERR_NO_AGENT', `no running agent found in ${dir}`)
  }
  const alive = (): boolean => {
    try {
      process.kill(record.pid, 0)
      return true
    } catch {
      return false
    }
  }
  if (alive()) process.kill(record.pid, 'SIGTERM')
  const deadline = Date.now() + 20_000
  while (alive()) {
    if (Date.now() > deadline) throw new UsageError('ERR_AGENT', `the agent (pid ${record.pid}) did not stop within 20 s`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  out(`stopped the agent in ${dir} (pid ${record.pid})`)
  return 0
}

export async function client (cmd: string, argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      origin: { type: 'string' },
      prefix: { type: 'string' },
      count: { type: 'string' },
      'min-peers': { type: 'string' },
      timeout: { type: 'string' },
      'slow-peer': { type: 'string' },
      wait: { type: 'boolean' },
      reserved: { type: 'boolean' }
    },
    allowPositionals: true,
    strict: true
  })
  if (cmd === 'stop') return await stopAgentProcess(values['data-dir'] ?? DEFAULT_DATA_DIR, out)
  const c: Common = { api: await connect(values, values.wait === true), json: values.json === true }
  const print = (v: unknown, text: () => string[]): void => {
    if (c.json) out(JSON.stringify(v))
    else for (const l of text()) out(l)
  }
  const need = (n: number, usage: string): string[] => {
    if (positionals.length < n) throw new UsageError('ERR_ARG', `usage: grapevine ${usage}`)
    return positionals
  }
  switch (cmd) {
    case 'addr': {
      const v = await call(c, 'GET', '/v1/info') as { multiaddrs: string[] }
      if (v.multiaddrs.length === 0) throw new UsageError('ERR_AGENT', 'the agent listens on no address')
      print({ multiaddr: v.multiaddrs[0] }, () => [v.multiaddrs[0]!])
      return 0
    }
    case 'members': {
      const v = await call(c, 'GET', '/v1/members') as { active: string[], passive: string[] }
      print(v, () => [`active (${v.active.length}):`, ...v.active.map(p => `  ${p}`), `passive (${v.passive.length}):`, ...v.passive.map(p => `  ${p}`)])
      return 0
    }
    case 'info': {
      const v = await call(c, 'GET', '/v1/info') as Record<string, unknown> & { peerId: string, multiaddrs: string[], topics: string[], stateEntries: number, stateOrigins: number, connections: number, members: { active: string[], passive: string[] }, bans?: Array<{ peer: string, core: string, reason: string, remainingMs: number }> }
      print(v, () => [
        `peer id      ${v.peerId}`, ...v.multiaddrs.map(a => `address      ${a}`),
        `members      ${v.members.active.length} active, ${v.members.passive.length} passive; ${v.connections} connections`,
        `topics       ${v.topics.join(', ') || '(none)'}`,
        `state        ${v.stateEntries} entries from ${v.stateOrigins} origins`,
        `traffic      ${JSON.stringify(v.driver)}`,
        ...(v.bans ?? []).map(b => `banned       ${b.peer} by ${b.core}: ${b.reason} (${Math.ceil(b.remainingMs / 1000)} s left)`)
      ])
      return 0
    }
    case 'ui': {
      const v = await call(c, 'POST', '/v1/ui/login', {}) as { url: string }
      print(v, () => [v.url, '(open it in a browser on this machine: it works once, within 10 minutes)'])
      return 0
    }
    case 'publish': {
      const [topic, msg] = need(2, 'publish TOPIC MESSAGE')
      const minPeers = num(values['min-peers'], 'min-peers', 0, { min: 0, int: true })
      const timeoutMs = num(values.timeout, 'timeout', 10_000, { min: 0, int: true })
      const slowPeerMs = num(values['slow-peer'], 'slow-peer', 2000, { min: 0, int: true })
      const v = await call(c, 'POST', '/v1/publish', { topic, data: msg, ...(minPeers > 0 ? { minPeers } : {}), timeoutMs, slowPeerMs }) as PublishAnswer
      print(v, () => [
        `published ${v.id} to ${v.recipients} peer(s)${v.reason !== undefined ? ` (${v.reason})` : ''}`,
        ...(v.skipped > 0 ? [`skipped ${v.skipped}: ${v.skippedPeers.map(s => `${s.peer} (${s.reason})`).join(', ')}`] : [])
      ])
      return 0
    }
    case 'subscribe': {
      const [topic] = need(1, 'subscribe TOPIC')
      const count = num(values.count, 'count', Infinity, { min: 1, int: true })
      return await stream(c, topic!, count, out)
    }
    case 'kv': {
      const [verb, key, value] = need(1, 'kv set|get|del|list …')
      if (verb === 'set') {
        need(3, 'kv set KEY VALUE')
        const v = await call(c, 'PUT', `/v1/kv/${encodeURIComponent(key!)}`, { value }) as { version: number }
        print(v, () => [`${key} = ${value} (version ${v.version})`])
      } else if (verb === 'get') {
        need(2, 'kv get KEY [--origin ID]')
        const q = values.origin !== undefined ? `?origin=${encodeURIComponent(values.origin)}` : ''
        const v = await call(c, 'GET', `/v1/kv/${encodeURIComponent(key!)}${q}`) as { value: string, version: number }
        print(v, () => [v.value])
      } else if (verb === 'del') {
        need(2, 'kv del KEY')
        const v = await call(c, 'DELETE', `/v1/kv/${encodeURIComponent(key!)}`) as { deleted: boolean }
        print(v, () => [v.deleted ? `deleted ${key}` : `${key} was not set`])
      } else if (verb === 'list') {
        const q = new URLSearchParams()
        if (values.origin !== undefined) q.set('origin', values.origin)
        if (values.prefix !== undefined) q.set('prefix', values.prefix)
        if (values.reserved === true) q.set('reserved', '1')
        const v = await call(c, 'GET', `/v1/kv?${q.toString()}`) as Array<{ origin: string, key: string, value: string, version: number }>
        print(v, () => v.map(e => `${e.origin}  ${e.key} = ${e.value}  (v${e.version})`))
      } else {
        throw new UsageError('ERR_ARG', 'usage: grapevine kv set|get|del|list …')
      }
      return 0
    }
  }
  throw new UsageError('ERR_ARG', `unknown command ${cmd}`)
}

async function stream (c: Common, topic: string, count: number, out: (line: string) => void): Promise<number> {
  const ac = new AbortController()
  let seen = 0
  for await (const m of c.api.lines<{ data: string, from: string | null }>(`/v1/subscribe?topic=${encodeURIComponent(topic)}`, ac.signal)) {
    out(c.json ? JSON.stringify(m) : `${m.from ?? '(unsigned)'}: ${m.data}`)
    if (++seen >= count) {
      ac.abort()
      break
    }
  }
  return 0
}
