// Metrics (src/metrics) against known traffic on real nodes on 127.0.0.1: through js-libp2p's Metrics
// interface with @libp2p/prometheus-metrics unchanged, and through the agent's GET /metrics, whose text
// Prometheus' own `promtool check metrics` must accept.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { Registry } from 'prom-client'
import { api, spawnAgent, stopAgent, waitUntil } from '../../src/agent/cluster.js'
import { createLogger } from '../../src/metrics/log.js'
import { promRegistry } from '../../src/metrics/prom.js'
import { createNode, metricsSource } from '../../src/net/create-node.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const quiet = createLogger('silent')

/** The value of one sample (`name` or `name{label="v"}`) in Prometheus text, or undefined. */
function sample (text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1))
  }
  return undefined
}

test('metrics through js-libp2p: prometheusMetrics() shows the grapevine counters after 100 messages and 5 writes', { timeout: 60_000 }, async () => {
  const registry = new Registry()
  const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet, metrics: prometheusMetrics({ registry, collectDefaultMetrics: false }) })
  const b = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet, bootstrap: [a.multiaddrs()[0]!] })
  try {
    const sub = b.pubsub.join('news').subscribe({ bufferSize: 1024 })
    const bRegistry = promRegistry(metricsSource(b))
    const news = a.pubsub.join('news')
    await waitUntil('a sees b subscribed', () => a.cores.gossipsub.peersOf('news').length === 1)
    for (let i = 0; i < 100; i++) await news.publish(new TextEncoder().encode(`m${i}`), { minPeers: 1 })
    for (let i = 0; i < 5; i++) await a.state.set(`k${i}`, `v${i}`)
    await waitUntil('b gets the 100 messages', () => b.info().pubsubStats.delivered === 100)
    await waitUntil('b holds a\'s 5 entries', () => b.info().stateEntries === 5)
    await waitUntil('a holds b\'s topic record (anti-entropy, a round or two)', () => a.info().stateOrigins === 2)
    await waitUntil('a heartbeat was timed', async () => (sample(await registry.metrics(), 'gossipsub_heartbeat_duration_seconds_count') ?? 0) >= 1)

    const text = await registry.metrics()
    assert.equal(sample(text, 'gossipsub_msg_publish_count_total'), 100, 'a published 100 messages')
    assert.equal(sample(text, 'grapevine_state_entries'), 5)
    assert.equal(sample(text, 'grapevine_state_origins'), 2, 'a and b (b announces its topic through the state)')
    assert.equal(sample(text, 'grapevine_hyparview_active_peers'), 1)
    assert.ok((sample(text, 'grapevine_state_bytes') ?? 0) >= 5 * 4, 'keys and values counted')
    assert.match(text, /# TYPE gossipsub_msg_publish_count_total counter/)
    assert.match(text, /libp2p_/, 'libp2p\'s own metrics are in the same registry')
    const again = await registry.metrics()
    assert.equal(sample(again, 'gossipsub_msg_publish_count_total'), 100, 'a second scrape does not count the total again')

    const bText = await bRegistry.metrics()
    assert.equal(sample(bText, 'grapevine_gossipsub_delivered_total'), 100, 'b delivered the 100 messages')
    assert.equal(sample(bText, 'grapevine_state_entries'), 5)
    assert.equal(sample(bText, 'grapevine_state_origins'), 2)
    assert.equal(sample(bText, 'gossipsub_topic_peer_count{topic="news"}'), 0, 'a publishes without subscribing')
    assert.equal(sample(bText, 'gossipsub_msg_publish_count_total'), 0)
    assert.ok((sample(bText, 'gossipsub_rpc_recv_message_total') ?? 0) >= 100, 'b received the 100 messages in RPCs')
    assert.ok((sample(bText, 'gossipsub_rpc_recv_count_total') ?? 0) >= 1)
    assert.ok((sample(text, 'gossipsub_rpc_sent_message_total') ?? 0) >= 100, 'a sent the 100 messages')
    assert.ok((sample(text, 'gossipsub_rpc_sent_subscription_total') ?? 0) === 0, 'a subscribes to nothing')
    assert.ok((sample(bText, 'gossipsub_rpc_sent_subscription_total') ?? 0) >= 1, 'b announced its topic')
    sub.cancel()
  } finally {
    await b.stop()
    await a.stop()
  }
})

test('a GRAFT received, mesh inclusion and churn by disconnect, and the score histogram, in text promtool accepts', { timeout: 60_000 }, async () => {
  const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet })
  const b = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet, bootstrap: [a.multiaddrs()[0]!] })
  const aRegistry = promRegistry(metricsSource(a))
  const bRegistry = promRegistry(metricsSource(b))
  let bStopped = false
  try {
    a.pubsub.join('mesh').subscribe()
    b.pubsub.join('mesh').subscribe()
    await waitUntil('a and b in each other\'s mesh', () => a.cores.gossipsub.mesh.get('mesh')?.size === 1 && b.cores.gossipsub.mesh.get('mesh')?.size === 1)
    await waitUntil('the GRAFT of one reached the other', async () => (sample(await aRegistry.metrics(), 'gossipsub_rpc_recv_graft_total') ?? 0) + (sample(await bRegistry.metrics(), 'gossipsub_rpc_recv_graft_total') ?? 0) >= 1)
    const aText = await aRegistry.metrics()
    const included = ['random', 'subscribed'].map(r => sample(aText, `gossipsub_mesh_peer_inclusion_events_${r}_total{topic="mesh"}`) ?? 0)
    assert.equal(included[0]! + included[1]!, 1, 'b joined a\'s mesh once: on a\'s SUBSCRIBE, or on b\'s GRAFT or SUBSCRIBE')
    const control = (sample(aText, 'gossipsub_rpc_recv_control_total') ?? 0) + (sample(await bRegistry.metrics(), 'gossipsub_rpc_recv_control_total') ?? 0)
    assert.ok(control >= 1, 'a GRAFT comes in an RPC with a control part')
    // The score histogram: one peer (b), its score small and not negative (a little time in the mesh, P1).
    assert.match(aText, /^# TYPE gossipsub_score histogram$/m)
    assert.equal(sample(aText, 'gossipsub_score_bucket{le="-1"}'), 0)
    assert.equal(sample(aText, 'gossipsub_score_bucket{le="1"}'), 1)
    assert.equal(sample(aText, 'gossipsub_score_bucket{le="+Inf"}'), 1)
    assert.equal(sample(aText, 'gossipsub_score_count'), 1)
    assert.ok((sample(aText, 'gossipsub_score_sum') ?? -1) >= 0)
    assert.equal(sample(await aRegistry.metrics(), 'gossipsub_score_count'), 1, 'a second scrape shows the current peers, not a running total')

    await b.stop()
    bStopped = true
    await waitUntil('a counted b\'s disconnect as mesh churn', async () => sample(await aRegistry.metrics(), 'gossipsub_peer_churn_events_disconnected_total{topic="mesh"}') === 1)
    const after = await aRegistry.metrics()
    assert.equal(sample(after, 'gossipsub_score_count'), 0, 'no peers, no scores')
    assert.equal(sample(after, 'gossipsub_peer_churn_events_prune_total{topic="mesh"}'), undefined)
    // promtool's lint objects only to the "_count" suffix of the two topic gauges, named as @libp2p/gossipsub names them.
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: after, encoding: 'utf8' })
    const complaints = `${promtool.stdout}${promtool.stderr}`.split('\n').filter(l => l !== '' && !/^gossipsub_(mesh|topic)_peer_count non-histogram and non-summary metrics should not have "_count" suffix$/.test(l))
    assert.deepEqual(complaints, [], 'promtool check metrics')
  } finally {
    if (!bStopped) await b.stop()
    await a.stop()
  }
})

test('topic labels are capped: the first 32 topics by name, the rest under "other"', { timeout: 30_000 }, async () => {
  const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], logger: quiet })
  try {
    for (let i = 0; i < 40; i++) a.pubsub.join(`t${String(i).padStart(2, '0')}`).subscribe()
    const text = await promRegistry({ node: a }).metrics()
    const series = text.split('\n').filter(l => l.startsWith('gossipsub_mesh_peer_count{'))
    assert.equal(series.length, 33)
    assert.ok(series.some(l => l.startsWith('gossipsub_mesh_peer_count{topic="other"} 0')))
    assert.ok(!series.some(l => l.includes('t39')))
  } finally {
    await a.stop()
  }
})

test('agent GET /metrics: Prometheus text that promtool accepts, behind the token; --log-level', { timeout: 60_000 }, async () => {
  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
  assert.ok(promtool.error === undefined && promtool.status === 0, 'promtool (Prometheus) is needed for this test: apt-get install -y prometheus (.ci/run installs it when missing)')
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-metrics-'))
  const a = await spawnAgent(join(dir, 'a'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'debug'])
  try {
    for (let i = 0; i < 7; i++) await api(a, 'PUT', `/v1/kv/key${i}`, { value: `value${i}` })
    const res = await fetch(`${a.record.api}/metrics`, { headers: { authorization: `Bearer ${a.record.token}` } })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`)
    assert.equal(sample(text, 'grapevine_state_entries'), 7)
    assert.equal(sample(text, 'gossipsub_rpc_sent_idontwant_total'), 0)
    assert.equal(sample(text, 'grapevine_dropped_total{reason="queue_full"}'), 0)
    assert.ok((sample(text, 'grapevine_api_requests_total') ?? 0) >= 8)
    assert.match(text, /^gossipsub_heartbeat_duration_seconds_bucket\{le="\+Inf"\} \d+$/m)
    assert.match(text, /^gossipsub_score_bucket\{le="\+Inf"\} 0$/m, 'the score histogram, empty with no peers')
    assert.equal(sample(text, 'gossipsub_score_count'), 0)
    assert.equal(sample(text, 'gossipsub_rpc_recv_count_total'), 0)

    const refused = await fetch(`${a.record.api}/metrics`)
    assert.equal(refused.status, 401, 'the token is needed as for every endpoint')
    const again = await (await fetch(`${a.record.api}/metrics`, { headers: { authorization: `Bearer ${a.record.token}` } })).text()
    assert.equal(sample(again, 'grapevine_api_refused_total{reason="token"}'), 1)
    // The refusal is logged as one JSON line at level warn, its words as msg.
    await waitUntil('the refusal is logged', () => a.stderr().includes('refused GET'))
    const line = JSON.parse(a.stderr().split('\n').find(l => l.includes('refused GET'))!) as { level: number, msg: string }
    assert.equal(line.level, 40)
    assert.match(line.msg, /^grapevine agent: refused GET "\/metrics": 401 token /)
  } finally {
    await stopAgent(a)
    rmSync(dir, { recursive: true, force: true })
  }
  const bad = spawnSync(process.execPath, [MAIN, 'agent', '--log-level', 'loud', '--data-dir', join(dir, 'b')], { encoding: 'utf8' })
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /log level is one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)/)
  rmSync(dir, { recursive: true, force: true })
})
