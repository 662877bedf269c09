import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../core/errors.js'
import { plumtreePaperReport, web3PaperReport } from '../report/paper-web3.js'
import { runPlumtreePaper } from '../scenarios/paper-plumtree.js'
import { runWeb3Scenario } from '../scenarios/web3.js'
import { simPaper } from './sim-paper.js'

async function run (argv: string[]): Promise<{ code: number, lines: string[] }> {
  const lines: string[] = []
  const code = await simPaper(argv, l => lines.push(l))
  return { code, lines }
}

test('sim paper web3 / plumtree --check: options parsed, plan printed, nothing run', async () => {
  const w = await run(['web3', '--check', '--nodes', '500', '--protocols', 'bitcoin,devp2p', '--size', '512'])
  assert.equal(w.code, 0)
  assert.match(w.lines[0]!, /500 nodes dialling 8 .* 50 messages of 512 B .*bitcoin, devp2p$/)
  assert.match(w.lines.at(-1)!, /nothing run/)
  const p = await run(['plumtree', '--check', '--fail', '20,80', '--nodes', '2000'])
  assert.equal(p.code, 0)
  assert.match(p.lines[0]!, /2000 nodes on HyParView.*20, 80%.*\(4 runs\)/)
  await assert.rejects(run(['web3', '--check', '--protocols', 'bitcoin,carrier-pigeon']), UsageError)
  await assert.rejects(run(['web3', '--check', '--size', '2']), UsageError)
  await assert.rejects(run(['plumtree', '--check', '--fail', '120']), UsageError)
  await assert.rejects(run(['plumtree', '--check', '--bogus']), /bogus/)
  const help = await run(['web3', '--help'])
  assert.match(help.lines.join('\n'), /--outbound K/)
})

test('sim paper web3, small: the table has every row for every protocol, and the JSON the runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-web3-'))
  const { code, lines } = await run(['web3', '--nodes', '80', '--messages', '3', '--warmup', '1', '--protocols', 'flood,bitcoin,devp2p', '--json', join(dir, 'w.json')])
  assert.equal(code, 0)
  const text = lines.join('\n')
  for (const label of ['delivered', 'latency to 50% (mean)', 'latency to 90% (mean)', 'latency to 100% (mean)', 'bytes sent / node / msg', 'duplicates / delivery', 'expected by design']) {
    assert.match(text, new RegExp(`^  ${label.replace(/[()/%]/g, '\\$&')}`, 'm'), label)
  }
  assert.match(text, /^\s+delivered\s+100\.00%\s+100\.00%\s+100\.00%$/m)
  const json = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8')) as { runs: Array<{ protocol: string }> }
  assert.deepEqual(json.runs.map(r => r.protocol), ['flood', 'bitcoin', 'devp2p'])
})

test('sim paper plumtree, small: both tables, a row per protocol and failure rate', async () => {
  const { code, lines } = await run(['plumtree', '--nodes', '60', '--fail', '50', '--warmup', '3', '--stable', '2', '--after', '3'])
  assert.equal(code, 0)
  const text = lines.join('\n')
  assert.match(text, /^ {2}plumtree\s+-\s+\S+\s+≈ 0/m)
  assert.match(text, /^ {2}flood\s+-\s+\S+\s+≈ 3/m)
  assert.match(text, /after the crash/)
  assert.equal(lines.filter(l => /^ {2}(plumtree|flood)\s+50\s/.test(l)).length, 2)
})

test('the reports: charts with a series per protocol', () => {
  const rows = runPlumtreePaper({ nodes: 40, failPcts: [40], warmup: 2, stable: 2, after: 2 })
  const p = plumtreePaperReport(rows, 'small')
  assert.equal(p.charts.length, 5)
  assert.deepEqual(p.charts[0]!.series.map(s => s.label), ['plumtree', 'flood'])
  assert.deepEqual(p.charts[0]!.x, [40])
  const w = web3PaperReport(['flood', 'devp2p'].map(protocol => runWeb3Scenario({ protocol: protocol as 'flood', nodes: 40, messages: 2, warmup: 0, drainMs: 5000 })), 'small')
  assert.equal(w.charts.length, 4)
  assert.ok(w.charts[0]!.x.length > 1, 'a latency CDF')
  assert.deepEqual(w.charts[2]!.series.map(s => s.values), [[w.charts[2]!.series[0]!.values[0], null], [null, w.charts[2]!.series[1]!.values[1]]])
})
