/**
 * The cluster console's view of the agent's HTTP contract (/ui/api/…): the response types, read
 * defensively (lists may be capped, fields may be missing), and the fetch helpers. Same origin: the
 * session cookie goes along by itself; POSTs carry `Content-Type: application/json` and `X-Grapevine-UI: 1`.
 */

export interface Summary {
  v: number
  t: number
  active: string[]
  passive: number
  eager: string[]
  lazy: number
  mesh: Record<string, string[]>
  topics: string[]
  state: { entries: number, origins: number, bytes: number }
  counters: { delivered: number, published: number, drops: number, bans: number, connections: number }
}

export interface ClusterNode { id: string, ageMs: number, summary: Summary }
export interface Cluster { self: string, now: number, nodes: ClusterNode[] }
export interface Metrics { time: number, values: Record<string, number> }
export interface OriginRow { origin: string, entries: number, tombstones: number, maxVersion: number, bytes: number }
export interface StateView { origins: OriginRow[], behind: Array<{ peer: string, versionsBehind: number }> }
export interface Delivery { id: string, from: string, data: string, receivedAt: number, encoding?: string }

const num = (x: unknown): number => typeof x === 'number' && Number.isFinite(x) ? x : 0
const str = (x: unknown): string => typeof x === 'string' ? x : ''
const strs = (x: unknown): string[] => Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []
const obj = (x: unknown): Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) ? x as Record<string, unknown> : {}

/** A summary with every field present (missing lists empty, missing numbers 0). */
export function normalizeSummary (raw: unknown): Summary {
  const s = obj(raw)
  const mesh: Record<string, string[]> = {}
  for (const [t, peers] of Object.entries(obj(s.mesh))) mesh[t] = strs(peers)
  const st = obj(s.state)
  const c = obj(s.counters)
  return {
    v: num(s.v),
    t: num(s.t),
    active: strs(s.active),
    passive: num(s.passive),
    eager: strs(s.eager),
    lazy: num(s.lazy),
    mesh,
    topics: strs(s.topics),
    state: { entries: num(st.entries), origins: num(st.origins), bytes: num(st.bytes) },
    counters: { delivered: num(c.delivered), published: num(c.published), drops: num(c.drops), bans: num(c.bans), connections: num(c.connections) }
  }
}

export function normalizeCluster (raw: unknown): Cluster {
  const r = obj(raw)
  const nodes: ClusterNode[] = []
  for (const n of Array.isArray(r.nodes) ? r.nodes : []) {
    const o = obj(n)
    const id = str(o.id)
    if (id === '') continue
    nodes.push({ id, ageMs: num(o.ageMs), summary: normalizeSummary(o.summary) })
  }
  return { self: str(r.self), now: num(r.now), nodes }
}

export function normalizeMetrics (raw: unknown): Metrics {
  const r = obj(raw)
  const values: Record<string, number> = {}
  for (const [k, v] of Object.entries(obj(r.values))) if (typeof v === 'number') values[k] = v
  return { time: num(r.time), values }
}

export function normalizeState (raw: unknown): StateView {
  const r = obj(raw)
  const origins = (Array.isArray(r.origins) ? r.origins : []).map(o => {
    const x = obj(o)
    return { origin: str(x.origin), entries: num(x.entries), tombstones: num(x.tombstones), maxVersion: num(x.maxVersion), bytes: num(x.bytes) }
  })
  const behind = (Array.isArray(r.behind) ? r.behind : []).map(b => {
    const x = obj(b)
    return { peer: str(x.peer), versionsBehind: num(x.versionsBehind) }
  })
  return { origins, behind }
}

export function normalizeDelivery (raw: unknown): Delivery {
  const r = obj(raw)
  const d: Delivery = { id: str(r.id), from: str(r.from), data: typeof r.data === 'string' ? r.data : JSON.stringify(r.data ?? ''), receivedAt: num(r.receivedAt) }
  if (typeof r.encoding === 'string') d.encoding = r.encoding
  return d
}

export async function getJson (path: string): Promise<unknown> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' })
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`)
  return await res.json()
}

export async function postJson (path: string, body: unknown): Promise<{ ok: boolean, status: number, body: unknown }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-grapevine-ui': '1' },
    body: JSON.stringify(body)
  })
  let parsed: unknown
  try { parsed = await res.json() } catch { parsed = null }
  return { ok: res.ok, status: res.status, body: parsed }
}
