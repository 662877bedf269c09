/**
 * Every metric grapevine exports, read from the cores' counters and sizes when a scraper asks (a core
 * counts with plain increments of its `stats`; nothing else is done per message for metrics' sake). Two adapters turn this catalogue into real metrics:
 * prom-client for the agent's `GET /metrics` (./prom.ts) and js-libp2p's `Metrics` interface, so that
 * @libp2p/prometheus-metrics (or another implementation) shows them unchanged (./libp2p.ts).
 *
 * Names: where @libp2p/gossipsub or go-libp2p-pubsub already has a name for the same quantity, that name;
 * grapevine's own quantities under `grapevine_`. Each counter or gauge has at most one label (histograms none), and every label has a
 * bounded set of values: topics are capped (the first MAX_TOPICS in name order, the rest summed as
 * "other"), ban reasons likewise (MAX_REASONS); no label ever names a peer.
 */
import type { GrapevineNode, NodeInfo } from '../node/node.js'
import { CHURN_REASONS, INCLUSION_REASONS, type ChurnReason, type InclusionReason } from '../gossipsub/meshevents.js'

/** Topics shown by name in topic-labelled metrics; the others are summed under "other". */
export const MAX_TOPICS = 32
/** Ban reasons (`core:reason`) shown by name; the others are summed under "other". */
export const MAX_REASONS = 32
export const OTHER = 'other'

/** What a scrape reads: the node, and what only its driver knows. */
export interface MetricsSource {
  node: GrapevineNode
  /** Bytes in the send queues by core (the network driver's `queuedBytes`). */
  queuedBytes?: () => Readonly<Record<string, number>>
  /** Registers a function told the duration of each GossipSub heartbeat, in seconds (the driver times it; the core has no clock). */
  onHeartbeat?: (observe: (seconds: number) => void) => void
}

/** The one metric observed as it happens rather than read at scrape time: a histogram of heartbeat durations. */
export const HEARTBEAT = {
  name: 'gossipsub_heartbeat_duration_seconds',
  help: 'How long each GossipSub heartbeat took (mesh maintenance, gossip, score decay), in seconds.',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
}

/** One reading of the node, shared by every metric of one scrape. */
export interface Snapshot {
  info: NodeInfo
  queued: Readonly<Record<string, number>>
  mcache: number
  promises: number
  scores: number[]
  thresholds: { graylist: number, publish: number, gossip: number }
  stateBytes: number
  eager: number
  lazy: number
  /** Mesh churn and inclusion events: reason → topic → count. */
  churn: Record<ChurnReason, Record<string, number>>
  inclusion: Record<InclusionReason, Record<string, number>>
}

export type Reading = number | Record<string, number>

/** A counter or gauge: one number, or one per value of its label. */
export interface ScalarDef {
  name: string
  help: string
  kind: 'counter' | 'gauge'
  /** The one label, if any; `read` then returns label value → number. */
  label?: string
  read: (s: Snapshot) => Reading
}

/** A histogram of values read at scrape time (not observed as they happen): `read` returns every value, the buckets' counts are made from them. */
export interface HistogramDef {
  name: string
  help: string
  kind: 'histogram'
  buckets: readonly number[]
  read: (s: Snapshot) => readonly number[]
}

export type MetricDef = ScalarDef | HistogramDef

/**
 * Buckets of the peer score histogram: around the thresholds (graylist, publish and gossip are negative,
 * 0 gates the mesh). @libp2p/gossipsub exports the score as avg/min/max, with no buckets to copy.
 */
export const SCORE_BUCKETS = [-10000, -1000, -100, -10, -1, 0, 1, 10, 100, 1000]

/** Keeps the first `max` keys in name order and sums the rest under "other". */
export function capLabels (values: Readonly<Record<string, number>>, max: number): Record<string, number> {
  const keys = Object.keys(values).sort()
  const out: Record<string, number> = {}
  for (const [i, k] of keys.entries()) {
    if (i < max && k !== OTHER) out[k] = values[k]!
    else out[OTHER] = (out[OTHER] ?? 0) + values[k]!
  }
  return out
}

const driver = (s: Snapshot, k: string): number => s.info.driver[k] ?? 0

/** Drop counters by reason: the driver's send-side losses and the router's refusals (src/net/droplog.ts says the same in its log line). */
function drops (s: Snapshot): Record<string, number> {
  const p = s.info.pubsubStats
  return {
    queue_full: driver(s, 'refusedQueueFull'),
    dial_failed: driver(s, 'lostDialFailed'),
    connection_closed: driver(s, 'lostClosed'),
    write_failed: driver(s, 'lostWriteFailed'),
    frame_oversize: driver(s, 'oversize'),
    frame_malformed: driver(s, 'malformed'),
    publish_slow_peer: p.publishSkippedSlow,
    publish_queue_full: p.publishQueueFull,
    forward_queue_full: p.forwardQueueFull,
    message_too_big: p.tooBig
  }
}

function perTopic (s: Snapshot, of: 'peers' | 'mesh'): Record<string, number> {
  return capLabels(Object.fromEntries(Object.entries(s.info.topicPeers).map(([t, v]) => [t, v[of].length])), MAX_TOPICS)
}

function bans (s: Snapshot): Record<string, number> {
  const by: Record<string, number> = {}
  for (const b of s.info.bans) by[`${b.core}:${b.reason}`] = (by[`${b.core}:${b.reason}`] ?? 0) + 1
  return capLabels(by, MAX_REASONS)
}

const counter = (name: string, help: string, read: ScalarDef['read'], label?: string): ScalarDef => ({ name, help, kind: 'counter', read, ...(label !== undefined ? { label } : {}) })
const gauge = (name: string, help: string, read: ScalarDef['read'], label?: string): ScalarDef => ({ name, help, kind: 'gauge', read, ...(label !== undefined ? { label } : {}) })
const histogram = (name: string, help: string, buckets: readonly number[], read: HistogramDef['read']): HistogramDef => ({ name, help, kind: 'histogram', buckets, read })

/** Mesh events of one kind: one counter per reason, labelled by topic (@libp2p/gossipsub's names). */
const CHURN_HELP: Record<ChurnReason, string> = {
  disconnected: 'its connection closed',
  bad_score: 'its score went negative (pruned at a heartbeat)',
  prune: 'it sent PRUNE',
  excess: 'the mesh was over D_hi (pruned at a heartbeat)',
  unknown: 'it left the topic'
}
const INCLUSION_HELP: Record<InclusionReason, string> = {
  fanout: 'on our SUBSCRIBE, from the topic\'s fanout',
  random: 'on our SUBSCRIBE, at random among the topic\'s peers',
  subscribed: 'its GRAFT, or its SUBSCRIBE while our mesh was below D_lo',
  outbound: 'at a heartbeat, for D_out outbound peers',
  not_enough: 'at a heartbeat, the mesh being below D_lo',
  opportunistic: 'at a heartbeat, by opportunistic grafting'
}
const churnEvents = CHURN_REASONS.map(r => counter(`gossipsub_peer_churn_events_${r}_total`,
  `Peers removed from a topic's mesh because ${CHURN_HELP[r]}, by topic.`, s => capLabels(s.churn[r], MAX_TOPICS), 'topic'))
const inclusionEvents = INCLUSION_REASONS.map(r => counter(`gossipsub_mesh_peer_inclusion_events_${r}_total`,
  `Peers added to a topic's mesh ${INCLUSION_HELP[r]}, by topic.`, s => capLabels(s.inclusion[r], MAX_TOPICS), 'topic'))

export const CATALOG: readonly MetricDef[] = [
  // GossipSub: names of @libp2p/gossipsub and go-libp2p-pubsub.
  gauge('gossipsub_topic_peer_count', 'Connected peers subscribed to each topic we subscribe to.', s => perTopic(s, 'peers'), 'topic'),
  gauge('gossipsub_mesh_peer_count', 'Mesh peers of each topic we subscribe to.', s => perTopic(s, 'mesh'), 'topic'),
  gauge('gossipsub_mcache_size', 'Messages in the message cache (served to IWANTs).', s => s.mcache),
  gauge('grapevine_gossipsub_peers_below_score_threshold', 'Pubsub peers whose score is below each threshold (graylist, publish, gossip) or below zero.', s => ({
    graylist: s.scores.filter(x => x < s.thresholds.graylist).length,
    publish: s.scores.filter(x => x < s.thresholds.publish).length,
    gossip: s.scores.filter(x => x < s.thresholds.gossip).length,
    zero: s.scores.filter(x => x < 0).length
  }), 'threshold'),
  counter('gossipsub_msg_publish_count_total', 'Messages published by this node.', s => s.info.pubsubStats.published),
  counter('gossipsub_msg_forward_count_total', 'Messages forwarded to mesh peers.', s => s.info.pubsubStats.forwarded),
  counter('gossipsub_pre_validation_duplicate_total', 'Copies of messages already seen (duplicates).', s => s.info.pubsubStats.duplicates),
  counter('gossipsub_rejected_messages_total', 'Messages rejected by validation or the signature policy.', s => s.info.pubsubStats.rejected),
  counter('gossipsub_ignored_messages_total', 'Messages the application ignored.', s => s.info.pubsubStats.ignored),
  histogram('gossipsub_score', 'Scores of the pubsub peers, read at scrape time (each scrape shows the current peers only).', SCORE_BUCKETS, s => s.scores),
  counter('gossipsub_rpc_recv_count_total', 'Pubsub RPCs received (every decoded RPC, graylisted ones too).', s => s.info.pubsubStats.rpcsReceived),
  counter('gossipsub_rpc_recv_subscription_total', 'Subscription changes in the RPCs received.', s => s.info.pubsubStats.subscriptionsReceived),
  counter('gossipsub_rpc_recv_message_total', 'Messages in the RPCs received, before deduplication.', s => s.info.pubsubStats.messagesReceived),
  counter('gossipsub_rpc_recv_control_total', 'RPCs received with a control part.', s => s.info.pubsubStats.controlReceived),
  counter('gossipsub_rpc_recv_ihave_total', 'IHAVE entries (one topic\'s ids each) in the RPCs received.', s => s.info.pubsubStats.ihavesReceived),
  counter('gossipsub_rpc_recv_iwant_total', 'IWANT entries in the RPCs received.', s => s.info.pubsubStats.iwantsReceived),
  counter('gossipsub_rpc_recv_graft_total', 'GRAFT entries (one topic each) in the RPCs received.', s => s.info.pubsubStats.graftsReceived),
  counter('gossipsub_rpc_recv_prune_total', 'PRUNE entries (one topic each) in the RPCs received.', s => s.info.pubsubStats.prunesReceived),
  counter('gossipsub_idontwant_rcv_msgids_total', 'Message ids in the IDONTWANTs received (from peers not graylisted).', s => s.info.pubsubStats.idontwantIdsReceived),
  counter('gossipsub_rpc_sent_count_total', 'Pubsub RPCs sent (accepted by the send queues).', s => s.info.pubsubStats.rpcsSent),
  counter('gossipsub_rpc_sent_subscription_total', 'Subscription changes in the RPCs sent.', s => s.info.pubsubStats.subscriptionsSent),
  counter('gossipsub_rpc_sent_message_total', 'Messages in the RPCs sent (published, forwarded, served to IWANTs), one per recipient.', s => s.info.pubsubStats.messagesSent),
  counter('gossipsub_rpc_sent_ihave_total', 'IHAVE control messages sent.', s => s.info.pubsubStats.ihaveSent),
  counter('gossipsub_rpc_sent_iwant_total', 'IWANT control messages sent.', s => s.info.pubsubStats.iwantSent),
  counter('gossipsub_rpc_sent_graft_total', 'GRAFT control messages sent.', s => s.info.pubsubStats.graftsSent),
  counter('gossipsub_rpc_sent_prune_total', 'PRUNE control messages sent.', s => s.info.pubsubStats.prunesSent),
  counter('gossipsub_rpc_sent_idontwant_total', 'IDONTWANT control messages sent.', s => s.info.pubsubStats.idontwantSent),
  counter('gossipsub_idontwant_skipped_sends_total', 'Messages not sent to a peer because it said IDONTWANT.', s => s.info.pubsubStats.idontwantSkips),
  counter('gossipsub_rpc_recv_err_count_total', 'Pubsub RPCs that did not decode.', s => s.info.pubsubStats.malformed),
  counter('gossipsub_iwant_promise_broken_total', 'IWANT promises a peer did not keep in time.', s => s.info.pubsubStats.brokenPromises),
  gauge('grapevine_gossipsub_iwant_promises', 'IWANT promises waiting to be kept.', s => s.promises),
  counter('grapevine_gossipsub_delivered_total', 'Messages delivered to this node\'s subscribers (each message once).', s => s.info.pubsubStats.delivered),
  counter('grapevine_gossipsub_iwant_served_total', 'Messages sent in answer to IWANTs.', s => s.info.pubsubStats.iwantServed),
  counter('grapevine_gossipsub_history_ihave_total', 'IHAVEs of a topic\'s history sent to peers joining the mesh (historyMessages).', s => s.info.pubsubStats.historyIHaves),
  counter('grapevine_gossipsub_history_served_total', 'Messages served to IWANTs from the topic history (no longer in the message cache).', s => s.info.pubsubStats.historyServed),
  counter('grapevine_gossipsub_graylisted_total', 'RPCs ignored because the sender\'s score was under the graylist threshold.', s => s.info.pubsubStats.graylisted),
  ...churnEvents,
  ...inclusionEvents,

  // HyParView.
  gauge('grapevine_hyparview_active_peers', 'Peers in the HyParView active view.', s => s.info.members.active.length),
  gauge('grapevine_hyparview_passive_peers', 'Peers in the HyParView passive view.', s => s.info.members.passive.length),
  counter('grapevine_hyparview_joins_total', 'JOIN requests handled (as contact node).', s => s.info.membershipStats.joinsHandled),
  counter('grapevine_hyparview_forward_joins_total', 'FORWARDJOIN walks handled.', s => s.info.membershipStats.forwardJoins),
  counter('grapevine_hyparview_shuffles_total', 'Shuffles started and answered; answers relayed back along a walk, and lost there (the next hop had left the view).', s => ({
    started: s.info.membershipStats.shufflesStarted, answered: s.info.membershipStats.shufflesAnswered, relayed: s.info.membershipStats.shuffleRepliesRelayed, relay_lost: s.info.membershipStats.shuffleRepliesLost
  }), 'role'),
  counter('grapevine_hyparview_repairs_total', 'NEIGHBOR requests of the active-view repair, by outcome.', s => ({
    accepted: s.info.membershipStats.neighborAccepted, rejected: s.info.membershipStats.neighborRejected, failed: s.info.membershipStats.neighborFailed
  }), 'result'),
  counter('grapevine_hyparview_failures_detected_total', 'Active peers found failed (connection lost or silent).', s => s.info.membershipStats.failuresDetected),
  counter('grapevine_hyparview_evictions_total', 'Active peers evicted to make room for a newcomer.', s => s.info.membershipStats.evictions),
  counter('grapevine_hyparview_reserve_tried_total', 'Past view peers tried again from the reserve (no passive peer left, e.g. after a mass failure).', s => s.info.membershipStats.reserveTried),

  // Plumtree.
  gauge('grapevine_plumtree_eager_peers', 'Plumtree eager-push links (the tree).', s => s.eager),
  gauge('grapevine_plumtree_lazy_peers', 'Plumtree lazy-push links (IHAVE only).', s => s.lazy),
  counter('grapevine_plumtree_broadcasts_total', 'Broadcasts started by this node.', s => s.info.broadcastStats.broadcasts),
  counter('grapevine_plumtree_delivered_total', 'Broadcasts delivered to this node\'s application.', s => s.info.broadcastStats.delivered),
  counter('grapevine_plumtree_duplicates_total', 'Broadcast payloads received again (each one prunes a link).', s => s.info.broadcastStats.duplicates),
  counter('grapevine_plumtree_grafts_total', 'GRAFTs sent (a missing message repaired the tree).', s => s.info.broadcastStats.graftsSent),
  counter('grapevine_plumtree_prunes_total', 'PRUNEs sent.', s => s.info.broadcastStats.prunesSent),
  counter('grapevine_plumtree_ihaves_total', 'IHAVE announcements sent.', s => s.info.broadcastStats.ihavesSent),
  gauge('grapevine_plumtree_rmr', 'Relative message redundancy seen here: duplicate payloads per delivered broadcast (0 on a perfect tree).', s => {
    const b = s.info.broadcastStats
    return b.delivered === 0 ? 0 : b.duplicates / b.delivered
  }),

  // Anti-entropy state.
  gauge('grapevine_state_origins', 'Origins (writers) whose entries this node holds.', s => s.info.stateOrigins),
  gauge('grapevine_state_entries', 'Live application entries held, all origins.', s => s.info.stateEntries),
  gauge('grapevine_state_bytes', 'Bytes of keys and values held, all origins (tombstones included).', s => s.stateBytes),
  counter('grapevine_state_rounds_total', 'Anti-entropy rounds.', s => s.info.stateStats.rounds),
  counter('grapevine_state_entries_applied_total', 'Entries learned from peers.', s => s.info.stateStats.entriesApplied),
  counter('grapevine_state_rejected_total', 'Deltas refused for a signature, by reason.', s => ({ ...s.info.stateStats.rejected }), 'reason'),

  // Driver: drops, sanctions, queues, traffic.
  counter('grapevine_dropped_total', 'Frames and messages dropped, by reason.', drops, 'reason'),
  counter('grapevine_sanctions_total', 'Misbehaviour reports applied, by sanction.', s => ({ penalise: driver(s, 'penalties'), disconnect: driver(s, 'disconnects'), ban: driver(s, 'bans') }), 'sanction'),
  gauge('grapevine_bans', 'Bans in force, by core and reason.', bans, 'reason'),
  gauge('grapevine_send_queue_bytes', 'Bytes waiting in the send queues, by core (gossipsub: the publish queue).', s => ({ ...s.queued }), 'core'),
  gauge('grapevine_connections', 'Open libp2p connections.', s => s.info.connections),
  counter('grapevine_wire_bytes_total', 'Frame bytes received and sent by the cores.', s => ({ in: driver(s, 'bytesIn'), out: driver(s, 'bytesOut') }), 'direction'),

  // Signature verification in worker threads (src/net/verify-pool.ts; one pool per process, shared by its nodes).
  gauge('grapevine_verify_workers', 'Signature verification threads running (0: verified on the event loop).', s => driver(s, 'verifyWorkers')),
  gauge('grapevine_verify_pending', 'Signature checks queued or in flight in the verification pool.', s => driver(s, 'verifyPending')),
  counter('grapevine_verify_checks_total', 'Signature checks made by the verification pool, by verdict.', s => ({ good: driver(s, 'verifyChecks') - driver(s, 'verifyBad'), bad: driver(s, 'verifyBad') }), 'verdict'),
  counter('grapevine_verify_reused_total', 'Signature checks answered by a check of the same bytes (a copy from another peer).', s => driver(s, 'verifyReused')),
  counter('grapevine_verify_inline_total', 'Signature checks the pool made on the event loop because a worker failed.', s => driver(s, 'verifyInline')),
  counter('grapevine_verify_overflow_total', 'Signature checks made on the event loop because the verification pool was saturated.', s => driver(s, 'verifyOverflow')),
  counter('grapevine_verify_stream_pauses_total', 'Times a stream was paused because 16,384 of its messages waited for signature checks.', s => driver(s, 'verifyPauses'))
]

/**
 * Reads the node once per scrape: every metric of a scrape starts its collection in the same turn of the
 * event loop, so the snapshot is kept until the next turn and shared.
 */
export class Collector {
  private current: Snapshot | null = null

  constructor (private readonly source: MetricsSource) {}

  snapshot (): Snapshot {
    if (this.current !== null) return this.current
    const { node } = this.source
    const now = node.now()
    const g = node.cores.gossipsub.gauges(now)
    const t = node.cores.gossipsub.config.thresholds
    let stateBytes = 0
    for (const e of node.cores.state.entries()) stateBytes += e.key.length + e.value.length
    const s: Snapshot = {
      info: node.info(),
      queued: this.source.queuedBytes?.() ?? {},
      mcache: g.mcache,
      promises: g.promises,
      scores: g.scores,
      thresholds: { graylist: t.graylistThreshold, publish: t.publishThreshold, gossip: t.gossipThreshold },
      stateBytes,
      eager: node.cores.broadcast.eager.size,
      lazy: node.cores.broadcast.lazy.size,
      churn: node.cores.gossipsub.meshEvents.churnByReason(),
      inclusion: node.cores.gossipsub.meshEvents.inclusionByReason()
    }
    this.current = s
    setImmediate(() => { this.current = null })
    return s
  }

  read (def: ScalarDef): Reading {
    return def.read(this.snapshot())
  }

  values (def: HistogramDef): readonly number[] {
    return def.read(this.snapshot())
  }
}

/**
 * Every counter and gauge of the catalogue as one flat object (histograms left out): a labelled metric
 * gives one name per label value, written as Prometheus does (`grapevine_dropped_total{reason="queue_full"}`).
 * For the cluster console's sparklines (src/agent/ui.ts).
 */
export function flatValues (collector: Collector): Record<string, number> {
  const out: Record<string, number> = {}
  for (const def of CATALOG) {
    if (def.kind === 'histogram') continue
    const v = collector.read(def)
    if (typeof v === 'number') out[def.name] = v
    else for (const [k, n] of Object.entries(v)) out[`${def.name}{${def.label!}=${JSON.stringify(k)}}`] = n
  }
  return out
}
