/**
 * The live nodes of a membership scenario: nodes are spawned with a factory (whose cores include a
 * HyParView named 'membership') and join through a random live contact; crashes remove them. Shared by the
 * membership and broadcast scenarios.
 */
import type { Rng } from '../core/rng.js'
import type { HyParView } from '../membership/hyparview.js'
import type { NodeFactory, SimNode, Simulator } from '../sim/simulator.js'

export class Population {
  readonly live: SimNode[] = []
  private readonly index = new Map<SimNode, number>()
  private nextId = 0

  constructor (readonly sim: Simulator, private readonly rng: Rng, private readonly factory: NodeFactory) {}

  /** Adds a node that joins through a random live node (the first one starts alone). */
  spawn (): SimNode {
    const contact = this.live.length > 0 ? this.randomLive().id : undefined
    const node = this.sim.addNode(`n${this.nextId++}`, this.factory)
    if (contact !== undefined) membershipOf(node).join(this.sim.now, contact)
    this.index.set(node, this.live.length)
    this.live.push(node)
    return node
  }

  /** Nodes join one after another, `intervalMs` apart. */
  grow (count: number, intervalMs: number): void {
    for (let i = 0; i < count; i++) {
      if (i > 0 || this.live.length > 0) this.sim.run(this.sim.now + intervalMs)
      this.spawn()
    }
  }

  crash (node: SimNode): void {
    const i = this.index.get(node)
    if (i === undefined) return
    this.sim.crash(node.id)
    const last = this.live.pop()!
    if (last !== node) {
      this.live[i] = last
      this.index.set(last, i)
    }
    this.index.delete(node)
  }

  /** Crashes a random `pct` percent of the live nodes at once. */
  crashShare (pct: number): void {
    for (const v of this.rng.sample(this.live, Math.round(this.live.length * pct / 100))) this.crash(v)
  }

  randomLive (): SimNode {
    return this.live[this.rng.int(this.live.length)]!
  }
}

export function membershipOf (node: SimNode): HyParView {
  return node.cores.get('membership') as HyParView
}
