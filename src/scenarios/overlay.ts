/**
 * Graph metrics of a membership overlay, over the live nodes' active views (the graph broadcast runs on)
 * and passive views: link symmetry, connected components, in-degree distributions, average shortest path
 * and clustering coefficient (the measures of Leitão et al., DSN 2007 §5.2).
 */
import type { Rng } from '../core/rng.js'
import type { HyParView } from '../membership/hyparview.js'
import type { SimNode } from '../sim/simulator.js'

export interface Distribution {
  min: number
  max: number
  mean: number
  stddev: number
  /** value → how many nodes have it. */
  histogram: Record<number, number>
}

export interface OverlayMetrics {
  liveNodes: number
  /** Share of directed active-view links (to live nodes) whose reverse link exists. */
  symmetricPct: number
  /** Share of live nodes in the largest connected component of the (undirected) active graph. */
  largestComponentPct: number
  components: number
  activeInDegree: Distribution
  passiveInDegree: Distribution
  /** Mean hop distance between live nodes over the active graph (estimated from sampled sources). */
  avgPathLength: number
  /** Mean local clustering coefficient of the undirected active graph. */
  clustering: number
}

export function overlayMetrics (live: readonly SimNode[], rng: Rng, pathSources: number): OverlayMetrics {
  const n = live.length
  const pos = new Map<string, number>()
  live.forEach((node, i) => pos.set(node.id, i))
  const views = live.map(node => node.cores.get('membership') as HyParView)
  const out: number[][] = views.map(v => v.activeView().map(id => pos.get(id)).filter((x): x is number => x !== undefined))
  const activeIn = new Array<number>(n).fill(0)
  const passiveIn = new Array<number>(n).fill(0)
  let links = 0
  let symmetric = 0
  const adj: Array<Set<number>> = Array.from({ length: n }, () => new Set<number>())
  for (let i = 0; i < n; i++) {
    for (const j of out[i]!) {
      links++
      activeIn[j]!++
      if (out[j]!.includes(i)) symmetric++
      adj[i]!.add(j)
      adj[j]!.add(i)
    }
    for (const id of views[i]!.passiveView()) {
      const j = pos.get(id)
      if (j !== undefined) passiveIn[j]!++
    }
  }

  // Connected components (union-find).
  const parent = Array.from({ length: n }, (_, i) => i)
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  for (let i = 0; i < n; i++) for (const j of adj[i]!) parent[find(i)] = find(j)
  const sizes = new Map<number, number>()
  for (let i = 0; i < n; i++) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1)
  const largest = Math.max(0, ...sizes.values())

  // Average shortest path from sampled sources (BFS).
  let pathSum = 0
  let pathCount = 0
  const dist = new Int32Array(n)
  const queue = new Int32Array(n)
  const sources = pathSources >= n ? live.map((_, i) => i) : rng.sample(live.map((_, i) => i), pathSources)
  for (const s of sources) {
    dist.fill(-1)
    dist[s] = 0
    let head = 0
    let tail = 0
    queue[tail++] = s
    while (head < tail) {
      const x = queue[head++]!
      for (const y of adj[x]!) {
        if (dist[y] !== -1) continue
        dist[y] = dist[x]! + 1
        pathSum += dist[y]!
        pathCount++
        queue[tail++] = y
      }
    }
  }

  // Clustering: for each node, the share of its neighbour pairs that are linked.
  let clusterSum = 0
  for (let i = 0; i < n; i++) {
    const nb = [...adj[i]!]
    const k = nb.length
    if (k < 2) continue
    let closed = 0
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) if (adj[nb[a]!]!.has(nb[b]!)) closed++
    clusterSum += closed / (k * (k - 1) / 2)
  }

  return {
    liveNodes: n,
    symmetricPct: links === 0 ? 100 : (100 * symmetric) / links,
    largestComponentPct: n === 0 ? 100 : (100 * largest) / n,
    components: sizes.size,
    activeInDegree: distribution(activeIn),
    passiveInDegree: distribution(passiveIn),
    avgPathLength: pathCount === 0 ? 0 : pathSum / pathCount,
    clustering: n === 0 ? 0 : clusterSum / n
  }
}

function distribution (xs: readonly number[]): Distribution {
  const histogram: Record<number, number> = {}
  let sum = 0
  let min = Infinity
  let max = -Infinity
  for (const x of xs) {
    histogram[x] = (histogram[x] ?? 0) + 1
    sum += x
    if (x < min) min = x
    if (x > max) max = x
  }
  const mean = xs.length === 0 ? 0 : sum / xs.length
  let sq = 0
  for (const x of xs) sq += (x - mean) ** 2
  return { min: xs.length === 0 ? 0 : min, max: xs.length === 0 ? 0 : max, mean, stddev: xs.length === 0 ? 0 : Math.sqrt(sq / xs.length), histogram }
}
