import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simPaper } from './sim-paper.js'

const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

test('sim paper hyparview --check parses the options, prints the plan and runs nothing', async () => {
  const lines: string[] = []
  assert.equal(await simPaper(['hyparview', '--check'], l => lines.push(l)), 0)
  assert.match(lines.join('\n'), /10000 nodes, hyparview \/ cyclon \/ scamp, failures 10, 50, 80, 90, 95%/)
  assert.match(lines.join('\n'), /plan: 15 runs/)
  const custom: string[] = []
  assert.equal(await simPaper(['hyparview', '--nodes', '500', '--fail', '20,95', '--protocols', 'cyclon', '--check'], l => custom.push(l)), 0)
  assert.match(custom.join('\n'), /plan: 2 runs/)
  await assert.rejects(simPaper(['hyparview', '--protocols', 'plumtree', '--check'], () => {}), /--protocols takes one of hyparview, cyclon, scamp/)
  await assert.rejects(simPaper(['hyparview', '--fail', '100', '--check'], () => {}), /--fail takes a number ≥ 1 and ≤ 99/)
})

test('sim paper hyparview on 200 nodes prints the table with the paper beside ours, and writes JSON and the report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-'))
  dirs.push(dir)
  const lines: string[] = []
  const code = await simPaper(['hyparview', '--nodes', '200', '--fail', '20,80', '--cycles', '3', '--stabilize-ms', '5000', '--json', join(dir, 'out.json'), '--report', join(dir, 'out.html')], l => lines.push(l))
  assert.equal(code, 0)
  const text = lines.join('\n')
  assert.match(text, /protocol\s+fail\s+before\s+1st\s+2nd\s+mean 1-5\s+healed\s+paper/)
  for (const p of ['hyparview', 'cyclon', 'scamp']) {
    for (const f of ['20%', '80%']) assert.match(text, new RegExp(`^${p}\\s+${f}\\s+[\\d.]+%\\s+[\\d.]+%`, 'm'), `${p} ${f}`)
  }
  assert.match(text, /^hyparview\s+80%\s+100\.00%\s+100\.00%.*≈ 100%; heals in ≈ 1–2/m)
  const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))
  assert.equal(json.results.length, 6)
  assert.equal(json.results[0].reliability.length, 3)
  assert.match(readFileSync(join(dir, 'out.html'), 'utf8'), /Healing time/)
})
