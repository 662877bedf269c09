/**
 * The trace of one broadcast spreading over a HyParView overlay, for the animated replay of the simulation
 * reports (`--report`): the live nodes when it was sent, the active-view links between them (the graph the
 * broadcast runs on), the source, and when each node delivered it. Shared by the membership and broadcast
 * scenarios: `BroadcastTracer.start` when the traced broadcast is sent, `delivered` on each delivery.
 */
import type { HyParView } from '../membership/hyparview.js'
import type { SimNode, Simulator } from '../sim/simulator.js'

export interface BroadcastTrace {
  /** Which broadcast (0-based, in sending order). */
  broadcast: number
  /** Live nodes when it was sent. Nodes are named by their position in this list. */
  nodes: number
  /** Undirected active-view links [a, b], a < b. */
  edges: Array<[number, number]>
  source: number
  /** Per node, virtual ms from sending to delivery (null: never delivered). */
  deliveredAtMs: Array<number | null>
}

export class BroadcastTracer {
  private pos = new Map<number, number>()
  private sentAt = 0
  trace: BroadcastTrace | undefined

  constructor (private readonly sim: Simulator) {}

  start (broadcast: number, live: readonly SimNode[], source: SimNode): void {
    this.pos = new Map(live.map((n, i) => [n.index, i]))
    const byId = new Map(live.map((n, i) => [n.id, i]))
    const edges = new Set<string>()
    const list: Array<[number, number]> = []
    live.forEach((n, i) => {
      for (const id of (n.cores.get('membership') as HyParView).activeView()) {
        const j = byId.get(id)
        if (j === undefined || j === i) continue
        const [a, b] = i < j ? [i, j] : [j, i]
        if (edges.has(`${a} ${b}`)) continue
        edges.add(`${a} ${b}`)
        list.push([a, b])
      }
    })
    this.sentAt = this.sim.now
    const deliveredAtMs = new Array<number | null>(live.length).fill(null)
    const source_ = this.pos.get(source.index) ?? 0
    deliveredAtMs[source_] = 0
    this.trace = { broadcast, nodes: live.length, edges: list, source: source_, deliveredAtMs }
  }

  /** Node `index` (the simulator's) delivered the traced broadcast now. */
  delivered (index: number): void {
    const i = this.pos.get(index)
    if (this.trace === undefined || i === undefined || this.trace.deliveredAtMs[i] !== null) return
    this.trace.deliveredAtMs[i] = this.sim.now - this.sentAt
  }
}
