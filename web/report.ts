/**
 * The page of a simulation report (`grapevine sim … --report FILE.html`, written by src/report/html.ts):
 * reads the report data from <script type="application/json" id="data">, draws its charts with uPlot and,
 * for membership and broadcast, replays one broadcast spreading over the overlay on a 2D canvas (nodes in
 * rings by hop distance from the source, coloured as they deliver). For tests it exposes window.__report:
 * each chart's title, series count and whether it was drawn, the replay's progress and replayToEnd().
 * ?speed=K plays the replay K times faster (the default plays it in about six seconds).
 */
import uPlot from 'uplot'
import css from 'uplot/dist/uPlot.min.css'
import { fmt, h } from './shared.js'

// The JSON written by src/report/data.ts.
interface ChartData { title: string, xLabel: string, yLabel: string, logY?: boolean, bars?: boolean, x: number[], series: Array<{ label: string, values: Array<number | null>, dash?: boolean }> }
interface ReplayData { title: string, total: number, deliveredAtMs: Array<number | null>, drawn: number[], edges: Array<[number, number]>, source: number }
interface ReportData { kind: string, title: string, subtitle: string, summary: Array<[string, string]>, charts: ChartData[], replay?: ReplayData }

interface ReplayState { informed: number, total: number, done: Promise<void> }
interface ReportHook { charts: Array<{ title: string, series: number, drawn: boolean }>, replay?: ReplayState, replayToEnd: () => void }
declare global { interface Window { __report: ReportHook } }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf']
const PAGE_CSS = `
body { font: 14px system-ui, sans-serif; margin: 20px; color: #222; max-width: 1160px; }
h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #666; margin-bottom: 12px; }
table.summary { border-collapse: collapse; margin-bottom: 16px; } table.summary td { padding: 2px 12px 2px 0; }
table.summary td:first-child { color: #666; } section { margin: 18px 0; } h2 { font-size: 15px; margin: 0 0 6px; }
.replay canvas { border: 1px solid #ddd; display: block; } .controls { margin: 6px 0; } .controls button { margin-right: 10px; }
`

const data = JSON.parse(document.getElementById('data')!.textContent!) as ReportData
const hook: ReportHook = { charts: [], replayToEnd: () => {} }
window.__report = hook
document.head.append(h('style', {}, css + PAGE_CSS))
document.body.append(h('h1', {}, data.title), h('div', { class: 'sub' }, data.subtitle))
const table = h('table', { class: 'summary' })
for (const [k, v] of data.summary) table.append(h('tr', {}, h('td', {}, k), h('td', {}, v)))
document.body.append(table)
const width = Math.min(1120, window.innerWidth - 40)
for (const c of data.charts) drawChart(c)
if (data.replay !== undefined) hook.replay = drawReplay(data.replay)

function drawChart (c: ChartData): void {
  const state = { title: c.title, series: c.series.length, drawn: false }
  hook.charts.push(state)
  const el = h('section')
  document.body.append(el)
  // Histogram bars side by side around each x: the first series left of it, the second right (align −1, 1).
  const barsOf = (i: number): uPlot.Series.PathBuilder | undefined => c.bars !== true
    ? undefined
    : uPlot.paths.bars!({ size: [c.series.length > 1 ? 0.4 : 0.7, 60], align: c.series.length > 1 ? (i === 0 ? -1 : 1) : 0 })
  const range: uPlot.Range.MinMax | undefined = c.bars === true && c.x.length > 0 ? [c.x[0]! - 1, c.x[c.x.length - 1]! + 1] : undefined
  const opts: uPlot.Options = {
    title: c.title,
    width,
    height: 280,
    scales: { x: { time: false, ...(range !== undefined ? { range } : {}) }, y: c.logY === true ? { distr: 3 } : {} },
    // x is a round, a broadcast, a second, a degree or whole ms: integer ticks.
    axes: [{ label: c.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] }, { label: c.yLabel, size: 60, values: (_u, vals) => vals.map(v => v === null ? '' : fmt(v)) }],
    series: [
      { label: c.xLabel },
      ...c.series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length]!,
        width: 2,
        ...(s.dash === true ? { dash: [6, 4] } : {}),
        ...(c.bars === true ? { paths: barsOf(i), fill: COLORS[i % COLORS.length]! + '99', points: { show: false } } : {}),
        spanGaps: false
      }))
    ],
    hooks: { draw: [u => { state.drawn = painted(u.ctx.canvas) }] }
  }
  const series = c.series.map(s => s.values)
  new uPlot(opts, [c.x, ...series] as uPlot.AlignedData, el)
}

/** Whether the canvas has a size and some non-transparent pixels. */
function painted (canvas: HTMLCanvasElement): boolean {
  if (canvas.width === 0 || canvas.height === 0) return false
  const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
  for (let i = 3; i < px.length; i += 4 * 7) if (px[i] !== 0) return true
  return false
}

function drawReplay (r: ReplayData): ReplayState {
  const el = h('section', { class: 'replay' }, h('h2', {}, r.title))
  const play = h('button', { id: 'play' }, 'play')
  const toEnd = h('button', { id: 'to-end' }, 'to the end')
  const progress = h('span', { id: 'progress' })
  const canvas = h('canvas', { width: String(width), height: '620' })
  el.append(h('div', { class: 'controls' }, play, toEnd, progress), canvas)
  document.body.append(el)
  const ctx = canvas.getContext('2d')!
  const xy = ringLayout(r, canvas.width, canvas.height)
  const times = r.deliveredAtMs.filter((t): t is number => t !== null).sort((a, b) => a - b)
  const end = times.length === 0 ? 0 : times[times.length - 1]!
  const speed = Number(new URLSearchParams(location.search).get('speed') ?? '1') || 1
  let resolve = (): void => {}
  const state: ReplayState = { informed: 0, total: r.total, done: new Promise<void>(res => { resolve = res }) }
  let t = -1
  let playing = false
  let last = 0

  const render = (): void => {
    ctx.clearRect(0, 0, canvas.width, canvas.height)
    ctx.strokeStyle = `rgba(0,0,0,${Math.min(0.08, 120 / Math.max(1, r.edges.length)).toFixed(3)})`
    ctx.beginPath()
    for (const [a, b] of r.edges) { ctx.moveTo(xy[a]![0], xy[a]![1]); ctx.lineTo(xy[b]![0], xy[b]![1]) }
    ctx.stroke()
    r.drawn.forEach((node, i) => {
      const at = r.deliveredAtMs[node]
      const informed = at !== null && at !== undefined && at <= t
      ctx.fillStyle = !informed ? '#ccc' : t - at < end / 12 ? '#ff7f0e' : '#1f77b4'
      ctx.beginPath()
      ctx.arc(xy[i]![0], xy[i]![1], i === r.source ? 6 : 2.5, 0, 2 * Math.PI)
      ctx.fill()
    })
    state.informed = countUpTo(times, t)
    progress.textContent = `t = ${fmt(Math.max(0, t), 0)} ms   informed: ${fmt(state.informed)} / ${fmt(r.total)} (${(100 * state.informed / Math.max(1, r.total)).toFixed(1)}%)`
    if (t >= end) { playing = false; play.textContent = 'replay'; resolve() }
  }
  const frame = (now: number): void => {
    if (!playing) return
    t = Math.min(end, t + (now - last) * speed * Math.max(end, 1) / 6000)
    last = now
    render()
    if (playing) requestAnimationFrame(frame)
  }
  play.onclick = () => {
    if (playing) { playing = false; play.textContent = 'play'; return }
    if (t >= end) t = 0
    playing = true
    play.textContent = 'pause'
    last = performance.now()
    requestAnimationFrame(frame)
  }
  hook.replayToEnd = () => { playing = false; t = end; render() }
  toEnd.onclick = hook.replayToEnd
  t = 0
  render()
  return state
}

/** How many of `sorted` are ≤ t. */
function countUpTo (sorted: number[], t: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m]! <= t) lo = m + 1; else hi = m }
  return lo
}

/**
 * Nodes in rings by hop distance from the source (breadth-first over the drawn links); each ring ordered
 * by its nodes' parents (breadth-first order), so subtrees stay together. Nodes the drawn links do not reach form the outer ring.
 */
function ringLayout (r: ReplayData, w: number, hgt: number): Array<[number, number]> {
  const n = r.drawn.length
  const adj: number[][] = Array.from({ length: n }, () => [])
  for (const [a, b] of r.edges) { adj[a]!.push(b); adj[b]!.push(a) }
  const hop = new Array<number>(n).fill(-1)
  const rings: number[][] = [[r.source]]
  hop[r.source] = 0
  for (let d = 0; rings[d]!.length > 0; d++) {
    const next: number[] = []
    for (const v of rings[d]!) for (const u of adj[v]!) if (hop[u] === -1) { hop[u] = d + 1; next.push(u) }
    rings.push(next)
  }
  rings.pop()
  const rest = hop.map((x, i) => x === -1 ? i : -1).filter(i => i >= 0)
  if (rest.length > 0) rings.push(rest)
  const xy = new Array<[number, number]>(n)
  const cx = w / 2
  const cy = hgt / 2
  const step = (Math.min(w, hgt) / 2 - 12) / Math.max(1, rings.length - 1)
  rings.forEach((ring, d) => {
    ring.forEach((v, k) => {
      const angle = (2 * Math.PI * (k + 0.5)) / ring.length + d * 0.3
      xy[v] = [cx + d * step * Math.cos(angle), cy + d * step * Math.sin(angle)]
    })
  })
  return xy
}
