/**
 * The metrics sparklines of the cluster console (uPlot): GET /ui/api/metrics every second, the last 120
 * points of delivered/s, connections, active peers, drops/s and wire bytes/s in and out. Rates are taken
 * from the Prometheus counters (a counter that went down, a restart, gives 0 rather than a negative rate).
 */
import uPlot from 'uplot'
import { fmt, h } from '../shared.js'
import type { Metrics } from './api.js'

const POINTS = 120

interface Series {
  title: string
  /** The value at this sample: a gauge, or the counter that `rate` turns into a per-second rate. */
  read: (values: Record<string, number>) => number | undefined
  rate: boolean
  color: string
}

/** The sum of every sample of metric `name` whose labels contain `labels` (e.g. 'direction="in"'). */
export function sumMetric (values: Record<string, number>, name: string, labels = ''): number | undefined {
  let sum: number | undefined
  for (const [k, v] of Object.entries(values)) {
    const brace = k.indexOf('{')
    const base = brace < 0 ? k : k.slice(0, brace)
    if (base !== name) continue
    if (labels !== '' && !k.slice(brace < 0 ? k.length : brace).includes(labels)) continue
    sum = (sum ?? 0) + v
  }
  return sum
}

const SERIES: Series[] = [
  { title: 'delivered/s', read: v => sumMetric(v, 'grapevine_gossipsub_delivered_total'), rate: true, color: '#2b7bb9' },
  { title: 'connections', read: v => sumMetric(v, 'grapevine_connections'), rate: false, color: '#8e44ad' },
  { title: 'active peers', read: v => sumMetric(v, 'grapevine_hyparview_active_peers'), rate: false, color: '#27ae60' },
  { title: 'drops/s', read: v => sumMetric(v, 'grapevine_dropped_total'), rate: true, color: '#e67e22' },
  { title: 'wire bytes/s in', read: v => sumMetric(v, 'grapevine_wire_bytes_total', 'direction="in"'), rate: true, color: '#16a085' },
  { title: 'wire bytes/s out', read: v => sumMetric(v, 'grapevine_wire_bytes_total', 'direction="out"'), rate: true, color: '#c0392b' }
]

export class Sparklines {
  readonly element: HTMLElement
  private readonly plots: uPlot[] = []
  private readonly labels: HTMLElement[] = []
  private readonly xs: number[] = []
  private readonly ys: number[][] = SERIES.map(() => [])
  private prev: Metrics | undefined

  constructor () {
    this.element = h('div', { class: 'sparks' })
    for (const s of SERIES) {
      const value = h('span', { class: 'spark-value' }, '–')
      const box = h('div', { class: 'spark' }, h('div', { class: 'spark-title' }, s.title, ' ', value))
      this.element.append(box)
      this.labels.push(value)
      const plot = new uPlot({
        width: 190,
        height: 48,
        legend: { show: false },
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(0, min), max > min ? max : min + 1] } },
        series: [{}, { stroke: s.color, fill: `${s.color}22`, width: 1.5, points: { show: false } }]
      }, [[], []], box)
      this.plots.push(plot)
    }
  }

  /** Adds one sample (rates need two: the first sample only primes them). */
  add (m: Metrics): void {
    const prev = this.prev
    this.prev = m
    const dt = prev === undefined ? 0 : (m.time - prev.time) / 1000
    this.xs.push(m.time / 1000)
    SERIES.forEach((s, i) => {
      const now = s.read(m.values)
      let y = now ?? 0
      if (s.rate) {
        const before = prev === undefined ? undefined : s.read(prev.values)
        y = now === undefined || before === undefined || dt <= 0 ? 0 : Math.max(0, (now - before) / dt)
      }
      this.ys[i]!.push(y)
      this.labels[i]!.textContent = now === undefined ? 'n/a' : fmt(y)
    })
    if (this.xs.length > POINTS) {
      this.xs.shift()
      for (const y of this.ys) y.shift()
    }
    this.plots.forEach((p, i) => { p.setData([this.xs, this.ys[i]!]) })
  }
}
