/**
 * The metrics catalogue (./catalog.ts) in a prom-client registry, for the agent's `GET /metrics`. Each metric
 * is refilled from one snapshot of the node when the registry is read (prom-client's `collect`), so a
 * counter shows the core's own running total, never a second count kept beside it, and a histogram of
 * scrape-time values (the peers' scores) is emptied and filled again from the snapshot.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { CATALOG, Collector, HEARTBEAT, type MetricsSource } from './catalog.js'

/** A registry holding grapevine's metrics for `source` (a new one unless given). */
export function promRegistry (source: MetricsSource, registry: Registry = new Registry()): Registry {
  const collector = new Collector(source)
  for (const def of CATALOG) {
    if (def.kind === 'histogram') {
      new Histogram({
        name: def.name,
        help: def.help,
        buckets: [...def.buckets],
        registers: [registry],
        collect () {
          this.zero({}) // empty: zero buckets, even with no values
          for (const v of collector.values(def)) this.observe(v)
        }
      })
      continue
    }
    const labelNames = def.label !== undefined ? [def.label] : []
    const label = def.label
    if (def.kind === 'counter') {
      new Counter({
        name: def.name,
        help: def.help,
        labelNames,
        registers: [registry],
        collect () {
          const v = collector.read(def)
          this.reset()
          if (typeof v === 'number') this.inc(v)
          else for (const [k, n] of Object.entries(v)) this.inc({ [label!]: k }, n)
        }
      })
    } else {
      new Gauge({
        name: def.name,
        help: def.help,
        labelNames,
        registers: [registry],
        collect () {
          const v = collector.read(def)
          this.reset()
          if (typeof v === 'number') this.set(v)
          else for (const [k, n] of Object.entries(v)) this.set({ [label!]: k }, n)
        }
      })
    }
  }
  if (source.onHeartbeat !== undefined) {
    const h = new Histogram({ name: HEARTBEAT.name, help: HEARTBEAT.help, buckets: HEARTBEAT.buckets, registers: [registry] })
    source.onHeartbeat(s => h.observe(s))
  }
  return registry
}
