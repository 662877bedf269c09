/**
 * The cluster console (issue 14): served by the agent at /ui/ as dist/web/console.js into
 * `<div id="app"></div>`. The overlay graph (web/console/graph.ts, sigma.js), live traffic
 * (web/console/traffic.ts), the replicated state (web/console/state.ts) and the metrics sparklines
 * (web/console/metrics.ts), each fed by polling the agent's /ui/api/… endpoints (web/console/api.ts).
 * Nothing remote, nothing inline but styles: the agent's CSP is `default-src 'self'`. window.__grapevine
 * (web/console/hooks.ts) tells the browser test what the page shows.
 */
import uplotCss from 'uplot/dist/uPlot.min.css'
import { fmt, h, short } from './shared.js'
import { getJson, normalizeCluster, normalizeMetrics, normalizeState } from './console/api.js'
import css from './console/console.css'
import { Details } from './console/details.js'
import { ALL_TOPICS, LAYERS, OverlayGraph, type Layer } from './console/graph.js'
import { hooks } from './console/hooks.js'
import { Sparklines } from './console/metrics.js'
import { StatePanel } from './console/state.js'
import { Traffic } from './console/traffic.js'

const CLUSTER_MS = 2000
const METRICS_MS = 1000
const STATE_MS = 5000
const INFO_MS = 10_000

function main (): void {
  document.head.append(h('style', {}, uplotCss), h('style', {}, css))
  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }))

  const title = h('span', { class: 'muted', id: 'self' }, 'connecting…')
  const status = h('span', { class: 'muted', id: 'status' })
  const infoLine = h('span', { class: 'muted', id: 'info' })
  const graphBox = h('div', { id: 'graph' })
  const toggles = LAYERS.map(layer => {
    const box = h('input', { type: 'checkbox', id: `layer-${layer}` })
    return { layer, box, label: h('label', {}, box, ` ${layer === 'active' ? 'active links' : layer === 'mesh' ? 'mesh' : 'eager tree'}`) }
  })
  const topicSelect = h('select', { id: 'mesh-topic' }, h('option', { value: ALL_TOPICS }, 'all topics'))
  const legend = h('span', { class: 'legend muted' })
  for (const [c, t] of [['#e6007a', 'self'], ['#2b7bb9', 'ok'], ['#f39c12', 'drops/bans'], ['#b8bec6', 'stale']]) {
    const dot = h('span')
    dot.style.background = c!
    legend.append(dot, t!)
  }
  const details = new Details()
  const statePanel = new StatePanel()
  const sparks = new Sparklines()
  app.replaceChildren(
    h('header', {}, h('h1', {}, 'grapevine cluster console'), title, infoLine, status),
    h('div', { class: 'graph-wrap' }, h('div', { class: 'toolbar' }, ...toggles.map(t => t.label), topicSelect, legend), graphBox),
    h('div', { class: 'side' }, details.element),
    h('div', { class: 'bottom' }, sparks.element, statePanel.element))

  const graph = new OverlayGraph(graphBox)
  for (const t of toggles) {
    t.box.checked = graph.isShown(t.layer)
    t.box.addEventListener('change', () => { graph.setLayer(t.layer as Layer, t.box.checked) })
  }
  topicSelect.addEventListener('change', () => { graph.setTopic(topicSelect.value) })
  const traffic = new Traffic(() => topicSelect.value !== ALL_TOPICS ? topicSelect.value : graph.topics()[0] ?? '')
  traffic.onBroadcast = () => graph.animateBroadcast()
  document.querySelector('.side')!.append(traffic.element)

  let selected = ''
  graph.onSelect = id => { selected = id; details.show(graph.node(id), graph.self) }
  Object.assign(window, {
    __grapevineFrames: async (ms: number) => await graph.measureFrames(ms),
    __grapevineNodeAt: (id: string) => graph.viewportPosition(id)
  })

  const problems = new Map<string, string>()
  const report = (what: string, e: unknown): void => {
    if (e === undefined) problems.delete(what); else problems.set(what, `${what}: ${(e as Error).message ?? String(e)}`)
    status.textContent = [...problems.values()].join('; ')
    status.className = problems.size > 0 ? 'error' : 'muted'
  }
  const poll = (what: string, ms: number, once: () => Promise<void>): void => {
    const run = async (): Promise<void> => {
      try { await once(); report(what, undefined) } catch (e) { report(what, e) }
      window.setTimeout(() => { void run() }, ms)
    }
    void run()
  }

  let ready = { cluster: false, metrics: false }
  const markReady = (): void => { hooks.ready = ready.cluster && ready.metrics }
  poll('cluster', CLUSTER_MS, async () => {
    const c = normalizeCluster(await getJson('/ui/api/cluster'))
    graph.update(c)
    title.textContent = `self ${c.self === '' ? '?' : short(c.self)} · ${fmt(c.nodes.length)} nodes`
    const topics = graph.topics()
    const have = [...topicSelect.options].map(o => o.value).filter(v => v !== ALL_TOPICS)
    if (topics.join('\n') !== have.join('\n')) {
      const current = topicSelect.value
      topicSelect.replaceChildren(h('option', { value: ALL_TOPICS }, 'all topics'), ...topics.map(t => h('option', { value: t }, t)))
      topicSelect.value = topics.includes(current) ? current : ALL_TOPICS
    }
    if (selected === '' && graph.node(c.self) !== undefined) selected = c.self
    details.show(graph.node(selected), c.self)
    ready = { ...ready, cluster: true }
    markReady()
  })
  poll('metrics', METRICS_MS, async () => {
    sparks.add(normalizeMetrics(await getJson('/ui/api/metrics')))
    ready = { ...ready, metrics: true }
    markReady()
  })
  poll('info', INFO_MS, async () => {
    const info = await getJson('/ui/api/info') as { peerId?: unknown, multiaddrs?: unknown, bans?: unknown, members?: { active?: unknown, passive?: unknown } }
    const addrs = Array.isArray(info.multiaddrs) ? info.multiaddrs.filter((a): a is string => typeof a === 'string') : []
    const bans = Array.isArray(info.bans) ? info.bans.length : 0
    infoLine.textContent = `${typeof info.peerId === 'string' ? info.peerId : ''} · ${addrs.length} addresses · ` +
      `active ${fmt(count(info.members?.active))}, passive ${fmt(count(info.members?.passive))} · ${bans} bans`
    infoLine.title = addrs.join('\n')
  })
  poll('state', STATE_MS, async () => { statePanel.show(normalizeState(await getJson('/ui/api/state'))) })
}

main()

/** A view's size: /ui/api/info gives the views as lists of peer ids (a number is taken as is). */
function count (view: unknown): number {
  return Array.isArray(view) ? view.length : Number(view ?? 0) || 0
}
