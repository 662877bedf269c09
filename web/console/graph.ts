/**
 * The overlay graph of the cluster console: sigma.js (WebGL) over a graphology multigraph. Nodes are the
 * cluster's members (GET /ui/api/cluster, polled by web/console.ts); edges come in three layers that can be
 * toggled: HyParView active links, the GossipSub mesh of one topic (or all), the Plumtree eager tree. The
 * graph is updated in place: new nodes start next to their neighbours and a short ForceAtlas2 run (circular
 * above 2,000 nodes) settles them, so a poll never makes the picture jump. The graph holds the edges
 * of the layers shown; the layout weighs only active links, so toggling a layer moves nothing.
 */
import Graph from 'graphology'
import forceAtlas2 from 'graphology-layout-forceatlas2'
import Sigma from 'sigma'
import type { Cluster, ClusterNode } from './api.js'
import { hooks } from './hooks.js'

export type Layer = 'active' | 'mesh' | 'eager'
export const LAYERS: Layer[] = ['active', 'mesh', 'eager']
/** The mesh layer's choice meaning "every topic". */
export const ALL_TOPICS = '*'

const STALE_MS = 30_000
const CIRCULAR_ABOVE = 2000
const COLORS: Record<'self' | 'node' | 'stale' | 'warn' | 'flash' | Layer, string> = {
  self: '#e6007a',
  node: '#2b7bb9',
  stale: '#b8bec6',
  warn: '#f39c12',
  flash: '#2ecc71',
  active: '#9aa5b1',
  mesh: '#8e44ad99',
  eager: '#27ae60'
}

/** Edge widths (px): a mesh or eager edge over an active link stays visible around it. */
const EDGE_SIZE: Record<Layer, number> = { active: 1, mesh: 4, eager: 2 }

interface NodeAttrs { x: number, y: number, size: number, color: string, label: string, flash?: boolean }
interface EdgeAttrs { layer: Layer, size: number, color: string }

const pairKey = (a: string, b: string): string => a < b ? `${a}|${b}` : `${b}|${a}`

/** Above this many node or edge changes in one poll, the graph is rebuilt and handed to sigma whole (sigma's per-item handlers are slow in bulk). */
const BULK = 100

const newGraph = (): Graph<NodeAttrs, EdgeAttrs> => new Graph<NodeAttrs, EdgeAttrs>({ multi: true, type: 'undirected', allowSelfLoops: false })

export class OverlayGraph {
  graph: Graph<NodeAttrs, EdgeAttrs> = newGraph()
  readonly sigma: Sigma<NodeAttrs, EdgeAttrs>
  private cluster: Cluster = { self: '', now: 0, nodes: [] }
  private byId = new Map<string, ClusterNode>()
  private readonly shown = new Set<Layer>(['active', 'eager'])
  private topic = ALL_TOPICS
  private wanted: Record<Layer, Map<string, [string, string]>> = { active: new Map(), mesh: new Map(), eager: new Map() }
  private layoutDone = false
  private animation: number[] = []
  onSelect: (id: string) => void = () => {}

  constructor (container: HTMLElement) {
    this.sigma = new Sigma(this.graph, container, {
      settings: { itemSizesReference: 'screen', renderEdgeLabels: false, hideEdgesOnMove: true, labelRenderedSizeThreshold: 9, enableNodeDrag: false, autoRescale: true }
    })
    this.sigma.on('clickNode', ({ node }) => { this.onSelect(node) })
  }

  /** The topics that appear in any node's mesh or topic list, sorted. */
  topics (): string[] {
    const all = new Set<string>()
    for (const n of this.cluster.nodes) {
      for (const t of Object.keys(n.summary.mesh)) all.add(t)
      for (const t of n.summary.topics) all.add(t)
    }
    return [...all].sort()
  }

  node (id: string): ClusterNode | undefined { return this.byId.get(id) }
  get self (): string { return this.cluster.self }

  setLayer (layer: Layer, on: boolean): void {
    if (on) this.shown.add(layer); else this.shown.delete(layer)
    // A new graph handed to sigma whole: dropping thousands of edges one by one takes sigma seconds.
    this.attach(this.build([]))
    this.count()
  }

  isShown (layer: Layer): boolean { return this.shown.has(layer) }

  setTopic (topic: string): void {
    this.topic = topic
    this.wanted.mesh = this.meshEdges()
    this.syncEdges()
  }

  /** Applies a fresh /ui/api/cluster answer: nodes added, removed and restyled; edges diffed; layout if the membership changed. */
  update (cluster: Cluster): void {
    this.cluster = cluster
    this.byId = new Map(cluster.nodes.map(n => [n.id, n]))
    const beforeActive = [...this.wanted.active.keys()].join(',')
    this.wanted = { active: this.linkEdges(s => s.active), mesh: this.meshEdges(), eager: this.linkEdges(s => s.eager) }
    const g = this.graph
    const gone = g.nodes().filter(id => !this.byId.has(id))
    const fresh = cluster.nodes.filter(node => !g.hasNode(node.id)).map(node => node.id)
    const changed = gone.length + fresh.length > 0
    const activeChanged = beforeActive !== [...this.wanted.active.keys()].join(',')
    const relayout = changed || activeChanged || !this.layoutDone
    if (gone.length + fresh.length > BULK) {
      // Built, styled and laid out before sigma sees it: one full processing instead of thousands of updates.
      const next = this.build(fresh)
      this.restyle(next)
      if (relayout) this.layout(next, this.layoutDone)
      this.attach(next)
    } else {
      for (const id of gone) g.dropNode(id)
      for (const id of fresh) g.addNode(id, { x: 0, y: 0, size: 1, color: COLORS.node, label: '' })
      this.place(g, fresh)
      this.syncEdges()
      this.restyle(this.graph)
      if (relayout) this.layout(this.graph, this.layoutDone)
    }
    this.count()
  }

  /** Restyles the nodes whose look changed (every attribute update makes sigma redraw). */
  private restyle (g: Graph<NodeAttrs, EdgeAttrs>): void {
    const n = this.cluster.nodes.length
    for (const node of this.cluster.nodes) {
      if (!g.hasNode(node.id)) continue
      const want = this.style(node, n, g.getNodeAttribute(node.id, 'flash') === true)
      const have = g.getNodeAttributes(node.id)
      if (have.color !== want.color || have.size !== want.size || have.label !== want.label) g.mergeNodeAttributes(node.id, want)
    }
  }

  private attach (g: Graph<NodeAttrs, EdgeAttrs>): void {
    this.graph = g
    this.sigma.setGraph(g)
  }

  /** New nodes start at their placed neighbours' centre (or on a circle): the layout then has little to do. */
  private place (g: Graph<NodeAttrs, EdgeAttrs>, fresh: string[]): void {
    const isFresh = new Set(fresh)
    const r = 10 * Math.sqrt(Math.max(1, g.order))
    for (const id of fresh) {
      const nb = (this.byId.get(id)?.summary.active ?? []).filter(p => g.hasNode(p) && !isFresh.has(p))
      if (nb.length > 0) {
        let x = 0
        let y = 0
        for (const p of nb) { x += g.getNodeAttribute(p, 'x'); y += g.getNodeAttribute(p, 'y') }
        g.mergeNodeAttributes(id, { x: x / nb.length + (Math.random() - 0.5), y: y / nb.length + (Math.random() - 0.5) })
      } else {
        const a = Math.random() * 2 * Math.PI
        const d = r * Math.sqrt(Math.random())
        g.mergeNodeAttributes(id, { x: d * Math.cos(a), y: d * Math.sin(a) })
      }
      isFresh.delete(id)
    }
  }

  /** A new graph with the cluster's nodes (known ones where they were) and every layer's edges. */
  private build (fresh: string[]): Graph<NodeAttrs, EdgeAttrs> {
    const old = this.graph
    const g = newGraph()
    for (const node of this.cluster.nodes) {
      const at = old.hasNode(node.id) ? old.getNodeAttributes(node.id) : undefined
      g.addNode(node.id, { x: at?.x ?? 0, y: at?.y ?? 0, size: at?.size ?? 1, color: at?.color ?? COLORS.node, label: at?.label ?? '', flash: at?.flash ?? false })
    }
    this.place(g, fresh)
    for (const layer of this.shownLayers()) {
      for (const [k, [a, b]] of this.wanted[layer]) g.addUndirectedEdgeWithKey(`${layer}:${k}`, a, b, { layer, size: EDGE_SIZE[layer], color: COLORS[layer] })
    }
    return g
  }

  private style (node: ClusterNode, n: number, flash: boolean): Partial<NodeAttrs> {
    const base = n > 500 ? 3 : n > 50 ? 5 : 8
    const s = node.summary
    let color = COLORS.node
    if (node.ageMs > STALE_MS) color = COLORS.stale
    else if (s.counters.drops > 0 || s.counters.bans > 0) color = COLORS.warn
    const isSelf = node.id === this.cluster.self
    if (isSelf) color = COLORS.self
    return {
      color: flash ? COLORS.flash : color,
      size: (isSelf ? base * 1.6 : base) + Math.min(4, Math.log2(1 + s.active.length) / 2),
      label: isSelf ? `self ${node.id.slice(-6)}` : node.id.slice(-6)
    }
  }

  private linkEdges (pick: (s: ClusterNode['summary']) => string[]): Map<string, [string, string]> {
    const out = new Map<string, [string, string]>()
    for (const node of this.cluster.nodes) {
      for (const p of pick(node.summary)) {
        if (p === node.id || !this.byId.has(p)) continue
        out.set(pairKey(node.id, p), node.id < p ? [node.id, p] : [p, node.id])
      }
    }
    return out
  }

  private meshEdges (): Map<string, [string, string]> {
    const out = new Map<string, [string, string]>()
    for (const node of this.cluster.nodes) {
      for (const [t, peers] of Object.entries(node.summary.mesh)) {
        if (this.topic !== ALL_TOPICS && t !== this.topic) continue
        for (const p of peers) {
          if (p === node.id || !this.byId.has(p)) continue
          out.set(pairKey(node.id, p), node.id < p ? [node.id, p] : [p, node.id])
        }
      }
    }
    return out
  }

  /** Makes the graph's edges those wanted of the shown layers (a diff: unchanged edges stay; a large diff rebuilds). */
  private syncEdges (): void {
    const g = this.graph
    const drop: string[] = []
    g.forEachEdge((key, attrs) => { if (!this.shown.has(attrs.layer) || !this.wanted[attrs.layer].has(key.slice(attrs.layer.length + 1))) drop.push(key) })
    const add: Array<[string, Layer, string, string]> = []
    for (const layer of this.shownLayers()) {
      for (const [k, [a, b]] of this.wanted[layer]) if (!g.hasEdge(`${layer}:${k}`)) add.push([`${layer}:${k}`, layer, a, b])
    }
    if (drop.length + add.length > BULK) { this.attach(this.build([])); this.count(); return }
    for (const key of drop) g.dropEdge(key)
    for (const [key, layer, a, b] of add) g.addUndirectedEdgeWithKey(key, a, b, { layer, size: EDGE_SIZE[layer], color: COLORS[layer] })
    this.count()
  }

  private shownLayers (): Layer[] { return LAYERS.filter(l => this.shown.has(l)) }

  /** The test hooks' counts: nodes, and the edges drawn per layer. */
  private count (): void {
    hooks.nodes = this.graph.order
    hooks.edges = { active: 0, mesh: 0, eager: 0 }
    for (const layer of LAYERS) hooks.edges[layer] = this.shown.has(layer) ? this.wanted[layer].size : 0
  }

  /** ForceAtlas2 from the current positions (only active links pull), or a circle for very large clusters. */
  private layout (g: Graph<NodeAttrs, EdgeAttrs>, incremental: boolean): void {
    const n = g.order
    if (n === 0) return
    // Only drawn active links pull: with them hidden, new nodes keep the place next to their neighbours.
    if (incremental && !this.shown.has('active')) return
    if (n > CIRCULAR_ABOVE) {
      const rank = new Map(g.nodes().sort().map((id, i) => [id, i]))
      const r = 10 * Math.sqrt(n)
      g.updateEachNodeAttributes((id, attrs) => {
        const a = (2 * Math.PI * rank.get(id)!) / n
        return { ...attrs, x: r * Math.cos(a), y: r * Math.sin(a) }
      })
    } else {
      const settings = { ...forceAtlas2.inferSettings(n), barnesHutOptimize: n > 300 }
      const iterations = incremental ? 30 : n > 500 ? 120 : 250
      forceAtlas2.assign(g, { iterations, settings, getEdgeWeight: (_e, attrs) => attrs.layer === 'active' ? 1 : 0 })
    }
    this.layoutDone = true
  }

  /** The broadcast animation: BFS over eager edges from self, highlighting nodes hop by hop. Returns the hop count. */
  animateBroadcast (hopMs = 350): number {
    for (const t of this.animation) clearTimeout(t)
    this.animation = []
    const self = this.cluster.self
    if (!this.byId.has(self)) return 0
    const adj = new Map<string, string[]>()
    for (const [a, b] of this.wanted.eager.values()) {
      adj.set(a, [...(adj.get(a) ?? []), b])
      adj.set(b, [...(adj.get(b) ?? []), a])
    }
    const levels: string[][] = [[self]]
    const seen = new Set([self])
    for (;;) {
      const next: string[] = []
      for (const u of levels[levels.length - 1]!) {
        for (const v of adj.get(u) ?? []) if (!seen.has(v)) { seen.add(v); next.push(v) }
      }
      if (next.length === 0) break
      levels.push(next)
    }
    // One bulk attribute update per hop (sigma handles a per-node update each on its own, slowly in the hundreds).
    const set = (ids: string[], on: boolean): void => {
      const these = new Set(ids)
      const g = this.graph
      const n = this.cluster.nodes.length
      g.updateEachNodeAttributes((id, attrs) => {
        if (!these.has(id)) return attrs
        const node = this.byId.get(id)
        return { ...attrs, flash: on, ...(node === undefined ? {} : this.style(node, n, on)) }
      })
    }
    levels.forEach((ids, i) => { this.animation.push(window.setTimeout(() => { set(ids, true) }, i * hopMs)) })
    this.animation.push(window.setTimeout(() => { set([...seen], false) }, levels.length * hopMs + 1200))
    return levels.length - 1
  }

  /** Where node `id` is drawn, in pixels from the graph container's top left (for the browser test's clicks). */
  viewportPosition (id: string): { x: number, y: number } | undefined {
    if (!this.graph.hasNode(id)) return undefined
    const a = this.graph.getNodeAttributes(id)
    return this.sigma.graphToViewport({ x: a.x, y: a.y })
  }

  /**
   * Frame timing for the closing note: for `ms` milliseconds the camera turns a little every animation
   * frame (so sigma redraws every frame); returns the frame intervals and sigma's own render times.
   */
  async measureFrames (ms: number): Promise<{ frames: number, meanFrameMs: number, p95FrameMs: number, meanRenderMs: number, maxRenderMs: number }> {
    const camera = this.sigma.getCamera()
    const renders: number[] = []
    let t0 = 0
    const before = (): void => { t0 = performance.now() }
    const after = (): void => { renders.push(performance.now() - t0) }
    this.sigma.on('beforeRender', before)
    this.sigma.on('afterRender', after)
    const deltas: number[] = []
    const start = performance.now()
    await new Promise<void>(resolve => {
      let last = start
      const step = (now: number): void => {
        deltas.push(now - last)
        last = now
        camera.setState({ angle: camera.getState().angle + 0.002 })
        if (now - start < ms) requestAnimationFrame(step); else resolve()
      }
      requestAnimationFrame(step)
    })
    this.sigma.off('beforeRender', before)
    this.sigma.off('afterRender', after)
    camera.setState({ angle: 0 })
    deltas.shift()
    const sorted = [...deltas].sort((a, b) => a - b)
    const mean = (xs: number[]): number => xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length
    return {
      frames: deltas.length,
      meanFrameMs: mean(deltas),
      p95FrameMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
      meanRenderMs: mean(renders),
      maxRenderMs: Math.max(0, ...renders)
    }
  }
}
