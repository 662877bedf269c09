/**
 * The metrics catalogue (./catalog.ts) through js-libp2p's `Metrics` interface (the host's
 * `components.metrics`), so @libp2p/prometheus-metrics — or any other implementation — exports grapevine's
 * metrics next to libp2p's own. Every metric is a calculated one: the implementation calls back at scrape
 * time, nothing is pushed per message.
 *
 * Counters are handed over as the increase since the previous scrape: @libp2p/prometheus-metrics 5 adds a
 * calculated counter's value to the counter on every scrape rather than setting it, so the running total
 * itself would be counted again at each scrape. Labelled gauges report 0 for a label value that went away
 * (an unsubscribed topic), because the implementation keeps a label's last value otherwise.
 *
 * Histograms of scrape-time values (the peers' scores) are not registered here: the interface's calculated
 * histogram observes the one number `calculate` returns at each scrape, so it cannot show the current
 * distribution of many values; the agent's prom-client registry (./prom.ts) has them.
 */
import type { Metrics } from '@libp2p/interface'
import { CATALOG, Collector, HEARTBEAT, type MetricsSource, type Reading } from './catalog.js'

/** Label values remembered per gauge (to report 0 once they go away): a bound on top of the catalogue's caps. */
const MAX_REMEMBERED = 1024

/** Registers every grapevine metric with `metrics` (a libp2p host's `metrics`, e.g. from prometheusMetrics()). */
export function registerLibp2pMetrics (metrics: Metrics, source: MetricsSource): void {
  const collector = new Collector(source)
  for (const def of CATALOG) {
    if (def.kind === 'histogram') continue
    const opts = { help: def.help, ...(def.label !== undefined ? { label: def.label } : {}) }
    if (def.kind === 'counter') {
      let last: Record<string, number> = {}
      const increase = (): Record<string, number> => {
        const now = asRecord(collector.read(def))
        const d: Record<string, number> = {}
        for (const [k, v] of Object.entries(now)) d[k] = Math.max(0, v - (last[k] ?? 0))
        last = now
        return d
      }
      if (def.label === undefined) metrics.registerCounter(def.name, { ...opts, calculate: () => increase()[''] ?? 0 })
      else metrics.registerCounterGroup(def.name, { ...opts, calculate: increase })
    } else if (def.label === undefined) {
      metrics.registerMetric(def.name, { ...opts, calculate: () => collector.read(def) as number })
    } else {
      const seen = new Set<string>()
      metrics.registerMetricGroup(def.name, {
        ...opts,
        calculate: () => {
          const now = asRecord(collector.read(def))
          const out: Record<string, number> = {}
          for (const k of seen) out[k] = 0
          for (const [k, v] of Object.entries(now)) {
            out[k] = v
            if (seen.size < MAX_REMEMBERED) seen.add(k)
          }
          return out
        }
      })
    }
  }
  registerHeartbeat(metrics, source)
}

function registerHeartbeat (metrics: Metrics, source: MetricsSource): void {
  if (source.onHeartbeat === undefined) return
  const h = metrics.registerHistogram(HEARTBEAT.name, { help: HEARTBEAT.help, buckets: HEARTBEAT.buckets })
  source.onHeartbeat(s => h.observe(s))
}

function asRecord (v: Reading): Record<string, number> {
  return typeof v === 'number' ? { '': v } : v
}
