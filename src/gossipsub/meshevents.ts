/**
 * Mesh churn and inclusion events, per topic and reason: when a peer leaves or joins one of our meshes, and
 * why. The reasons are @libp2p/gossipsub's (after rust-libp2p's `mesh_peer_churn_events` and
 * `mesh_peer_inclusion_events`), so the exported metrics carry the same names.
 *
 * Only mesh topics (topics we subscribe to) are counted, and at most MAX_EVENT_TOPICS of them by name;
 * events of any later topic are summed under OTHER_TOPIC, so the table stays bounded however many topics
 * come and go. Counting an event is one increment (an object per topic, made on its first event).
 */
/** Why a peer left a mesh: its connection closed; its score went negative; it sent PRUNE; the mesh was over D_hi; it left the topic. */
export const CHURN_REASONS = ['disconnected', 'bad_score', 'prune', 'excess', 'unknown'] as const
export type ChurnReason = typeof CHURN_REASONS[number]

/**
 * Why a peer joined a mesh: on our SUBSCRIBE, from the topic's fanout or at random; its GRAFT (or its
 * SUBSCRIBE while our mesh was short); at a heartbeat, for D_out, for D_lo, or by opportunistic grafting.
 */
export const INCLUSION_REASONS = ['fanout', 'random', 'subscribed', 'outbound', 'not_enough', 'opportunistic'] as const
export type InclusionReason = typeof INCLUSION_REASONS[number]

/** Topics counted by name; the events of later ones go under OTHER_TOPIC. */
export const MAX_EVENT_TOPICS = 256
export const OTHER_TOPIC = 'other'

interface TopicEvents {
  churn: Record<ChurnReason, number>
  inclusion: Record<InclusionReason, number>
}

export class MeshEvents {
  private readonly byTopic = new Map<string, TopicEvents>()

  churn (topic: string, reason: ChurnReason): void {
    this.of(topic).churn[reason]++
  }

  include (topic: string, reason: InclusionReason): void {
    this.of(topic).inclusion[reason]++
  }

  /** A peer left every mesh it was in: one `disconnected` event per such topic. */
  disconnected (topics: Iterable<string>): void {
    for (const t of topics) this.churn(t, 'disconnected')
  }

  /** Churn events as reason → topic → count (read at scrape time). */
  churnByReason (): Record<ChurnReason, Record<string, number>> {
    return this.byReason(CHURN_REASONS, e => e.churn)
  }

  /** Inclusion events as reason → topic → count (read at scrape time). */
  inclusionByReason (): Record<InclusionReason, Record<string, number>> {
    return this.byReason(INCLUSION_REASONS, e => e.inclusion)
  }

  private byReason<R extends string> (reasons: readonly R[], of: (e: TopicEvents) => Record<R, number>): Record<R, Record<string, number>> {
    const out = new Map<R, Record<string, number>>(reasons.map(r => [r, {}]))
    for (const [topic, e] of this.byTopic) {
      for (const r of reasons) if (of(e)[r] > 0) out.get(r)![topic] = of(e)[r]
    }
    return Object.fromEntries(out) as Record<R, Record<string, number>>
  }

  private of (topic: string): TopicEvents {
    let e = this.byTopic.get(topic)
    if (e !== undefined) return e
    const key = this.byTopic.size < MAX_EVENT_TOPICS ? topic : OTHER_TOPIC // at most one entry past the cap
    e = this.byTopic.get(key) ?? { churn: zeros(CHURN_REASONS), inclusion: zeros(INCLUSION_REASONS) }
    this.byTopic.set(key, e)
    return e
  }
}

function zeros<R extends string> (reasons: readonly R[]): Record<R, number> {
  return Object.fromEntries(reasons.map(r => [r, 0])) as Record<R, number>
}
