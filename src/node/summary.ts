/**
 * A node's neighbourhood summary, kept in the replicated state so that any node can draw the whole cluster
 * (the cluster console, src/agent/ui.ts) without contacting the others: each node writes ONE entry,
 * `_grapevine/summary`, in its own origin. The value is compact JSON, at most MAX_SUMMARY_BYTES: every list
 * is capped (SUMMARY_LIMITS) and, should it still be too large (long peer ids or topic names), lists are
 * halved until it fits (`truncated` then says so; the counts beside each list stay exact).
 *
 * Pure: `buildSummary(node, time)` reads the node and returns the bytes; the network layer's timer writes
 * them (src/net/summaries.ts) — cores and this layer have no timers.
 */
import type { NodeId } from '../core/protocol.js'
import type { GrapevineNode } from './node.js'
import { GRAPEVINE_PREFIX } from './state.js'

/** The key of a node's summary in its own origin (reserved: refused for application writes). */
export const SUMMARY_KEY = `${GRAPEVINE_PREFIX}summary`
export const SUMMARY_VERSION = 1
/** The most bytes a summary takes. */
export const MAX_SUMMARY_BYTES = 2048
/** Caps of the summary's lists, before the byte bound. */
export const SUMMARY_LIMITS = { active: 16, eager: 16, meshTopics: 8, meshPeers: 12, topics: 16, topicChars: 64 } as const

export interface NodeSummary {
  /** SUMMARY_VERSION. */
  v: number
  /** When it was written (ms since the epoch, the writer's wall clock). */
  time: number
  /** HyParView active view (capped) and its size. */
  active: NodeId[]
  activeCount: number
  /** HyParView passive view size. */
  passive: number
  /** Plumtree eager peers (capped), their number, and the number of lazy peers. */
  eager: NodeId[]
  eagerCount: number
  lazy: number
  /** GossipSub mesh peers per subscribed topic (topics and peers capped). */
  mesh: Record<string, NodeId[]>
  /** Subscribed topics (capped, names cut at SUMMARY_LIMITS.topicChars) and their number. */
  topics: string[]
  topicCount: number
  /** The replicated state held here: live application entries, origins, bytes of keys and values. */
  /** `versions`: the sum over the origins this node holds of the highest version it knows of each (how far a
   *  node is behind the others is the difference: versions it has not yet received). */
  state: { entries: number, origins: number, bytes: number, versions: number }
  counters: {
    /** Pub/sub messages delivered to subscribers here, and published here. */
    delivered: number
    published: number
    /** Broadcasts delivered here. */
    broadcasts: number
    /** Frames and messages dropped (send queues full, lost connections, oversize, …). */
    drops: number
    /** Bans applied so far, and in force now. */
    bans: number
    bansNow: number
    connections: number
  }
  /** Set when lists were cut further to fit MAX_SUMMARY_BYTES. */
  truncated?: true
}

const DROP_COUNTERS = ['refusedQueueFull', 'lostDialFailed', 'lostClosed', 'lostWriteFailed', 'oversize', 'malformed']

const cap = <T>(xs: readonly T[], n: number): T[] => xs.slice(0, n)
const cutTopic = (t: string): string => t.length > SUMMARY_LIMITS.topicChars ? t.slice(0, SUMMARY_LIMITS.topicChars - 1) + '…' : t

/** The summary of `node` without its time (what changes when the node's neighbourhood does). */
export function summarize (node: GrapevineNode): Omit<NodeSummary, 'time'> {
  const info = node.info()
  const router = node.cores.gossipsub
  const broadcast = node.cores.broadcast
  // One pass over the store: the live entries' bytes, and the origins held (for `versions`).
  let bytes = 0
  const origins = new Set<NodeId>()
  for (const { origin, entry } of node.cores.state.allEntries()) {
    origins.add(origin)
    if (!entry.deleted) bytes += entry.key.length + entry.value.length
  }
  let versions = 0
  for (const o of origins) versions += node.cores.state.originMeta(o)?.known ?? 0
  const topics = [...info.topics].sort()
  const mesh: Record<string, NodeId[]> = {}
  for (const t of cap(topics, SUMMARY_LIMITS.meshTopics)) mesh[cutTopic(t)] = cap([...(router.mesh.get(t) ?? [])].sort(), SUMMARY_LIMITS.meshPeers)
  const p = info.pubsubStats
  const drops = DROP_COUNTERS.reduce((sum, k) => sum + (info.driver[k] ?? 0), 0) + p.publishSkippedSlow + p.publishQueueFull + p.forwardQueueFull + p.tooBig
  const active = [...info.members.active].sort()
  const eager = [...broadcast.eager].sort()
  return {
    v: SUMMARY_VERSION,
    active: cap(active, SUMMARY_LIMITS.active),
    activeCount: active.length,
    passive: info.members.passive.length,
    eager: cap(eager, SUMMARY_LIMITS.eager),
    eagerCount: eager.length,
    lazy: broadcast.lazy.size,
    mesh,
    topics: cap(topics, SUMMARY_LIMITS.topics).map(cutTopic),
    topicCount: topics.length,
    state: { entries: info.stateEntries, origins: info.stateOrigins, bytes, versions },
    counters: {
      delivered: p.delivered,
      published: p.published,
      broadcasts: info.broadcastsDelivered,
      drops,
      bans: info.driver.bans ?? 0,
      bansNow: info.bans.length,
      connections: info.connections
    }
  }
}

/** The summary as stored: JSON of at most MAX_SUMMARY_BYTES (lists halved until it fits). */
export function encodeSummary (body: Omit<NodeSummary, 'time'>, time: number): Uint8Array {
  const s: NodeSummary = { ...body, time, mesh: { ...body.mesh }, active: [...body.active], eager: [...body.eager], topics: [...body.topics] }
  const enc = new TextEncoder()
  for (;;) {
    const bytes = enc.encode(JSON.stringify(s))
    if (bytes.length <= MAX_SUMMARY_BYTES) return bytes
    s.truncated = true
    const meshLists = Object.values(s.mesh)
    if (meshLists.some(l => l.length > 0)) {
      for (const [t, l] of Object.entries(s.mesh)) s.mesh[t] = l.slice(0, l.length >> 1)
    } else if (Object.keys(s.mesh).length > 0) s.mesh = {}
    else if (s.topics.length > 0) s.topics = s.topics.slice(0, s.topics.length >> 1)
    else if (s.eager.length > 0) s.eager = s.eager.slice(0, s.eager.length >> 1)
    else if (s.active.length > 0) s.active = s.active.slice(0, s.active.length >> 1)
    else return bytes // numbers only: far below the bound
  }
}

/** `node`'s summary at `time` (ms since the epoch), as bytes for its `_grapevine/summary` entry. */
export function buildSummary (node: GrapevineNode, time: number): Uint8Array {
  return encodeSummary(summarize(node), time)
}

/** A summary read from the state (any origin's: checked for shape, never trusted further), or null. */
export function decodeSummary (value: Uint8Array): NodeSummary | null {
  if (value.length > 4 * MAX_SUMMARY_BYTES) return null
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value)) as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
    const s = v as Partial<NodeSummary>
    if (typeof s.v !== 'number' || typeof s.time !== 'number' || !Array.isArray(s.active)) return null
    return s as NodeSummary
  } catch {
    return null
  }
}

/** Every summary this node's replicated state holds (its own included), at most `max`. */
export function readSummaries (node: GrapevineNode, max = 1000): Array<{ origin: NodeId, version: number, summary: NodeSummary }> {
  const out: Array<{ origin: NodeId, version: number, summary: NodeSummary }> = []
  for (const e of node.cores.state.entries()) {
    if (e.key !== SUMMARY_KEY) continue
    const summary = decodeSummary(e.value)
    if (summary !== null) out.push({ origin: e.origin, version: e.version, summary })
    if (out.length >= max) break
  }
  return out
}
