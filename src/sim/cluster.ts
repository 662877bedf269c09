/**
 * Whole grapevine nodes in the simulator, composed by the same builder as `createNode` (src/node/builder.ts):
 * each node's cores are hosted by the simulator, and the node (with its pub/sub and state facades, on
 * virtual time) is kept here by id. A node restarted without its state is built anew, and found here anew.
 */
import type { NodeId } from '../core/protocol.js'
import type { Identity } from '../core/identity.js'
import { buildNode, type NodeConfig } from '../node/builder.js'
import type { GrapevineNode } from '../node/node.js'
import type { SimNode, Simulator } from './simulator.js'

export class SimCluster {
  private readonly nodes = new Map<NodeId, GrapevineNode>()

  constructor (readonly sim: Simulator, readonly config: NodeConfig = {}) {}

  /** Adds a node with `identity` (its peer id is the node's id) and starts it; `config` overrides the cluster's. */
  add (identity: Identity, config: NodeConfig = this.config): GrapevineNode {
    return this.addAs(identity.peerId, identity, config)
  }

  /** Adds a node under a simulator id of your choosing (StrictNoSign nodes need no identity). */
  addAs (id: NodeId, identity: Identity | null, config: NodeConfig = this.config): GrapevineNode {
    this.sim.addNode(id, ctx => {
      const node = buildNode(ctx, identity, config)
      this.nodes.set(ctx.id, node)
      return node.cores.all
    })
    return this.get(id)
  }

  get (id: NodeId): GrapevineNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`no grapevine node ${id} in this cluster`)
    return n
  }

  has (id: NodeId): boolean {
    return this.nodes.has(id)
  }

  /** The simulator's record of the node (links, liveness). */
  simNode (id: NodeId): SimNode | undefined {
    return this.sim.node(id)
  }

  * [Symbol.iterator] (): IterableIterator<GrapevineNode> {
    yield * this.nodes.values()
  }
}
