// The Grafana dashboard (dashboards/grapevine.json) queries only metrics grapevine exports: every
// gossipsub_*/grapevine_* name in its expressions is in the metrics catalogue (src/metrics/catalog.ts) or
// among the control API's own counters, and every catalogue metric is shown somewhere.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { CATALOG, HEARTBEAT } from '../src/metrics/catalog.js'

const API_METRICS = ['grapevine_api_requests_total', 'grapevine_api_refused_total']

test('the Grafana dashboard uses the exported metric names, and shows each of them', () => {
  const dash = JSON.parse(readFileSync(new URL('../../dashboards/grapevine.json', import.meta.url), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> }
  const exprs = dash.panels.flatMap(p => p.targets ?? []).map(t => t.expr)
  assert.ok(exprs.length > 20)
  const histograms = [...CATALOG.filter(d => d.kind === 'histogram').map(d => d.name), HEARTBEAT.name]
  const known = new Set([...CATALOG.map(d => d.name), ...API_METRICS, HEARTBEAT.name])
  // A histogram is queried through its series: name_bucket, name_sum, name_count.
  const base = (n: string): string => histograms.find(h => n === h || ['_bucket', '_sum', '_count'].some(x => n === h + x)) ?? n
  const used = new Set(exprs.flatMap(e => e.match(/\b(gossipsub|grapevine)_[a-z_]+/g) ?? []).map(base))
  for (const name of used) assert.ok(known.has(name), `the dashboard queries ${name}, which grapevine does not export`)
  for (const name of known) assert.ok(used.has(name), `${name} is on no dashboard panel`)
})
