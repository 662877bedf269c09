import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simBroadcast } from './sim-broadcast.js'
import { simMembership } from './sim-membership.js'

const dirs: string[] = []
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-'))
  dirs.push(dir)
  return join(dir, 'out.json')
}
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

test('sim membership failure prints reliability per broadcast and writes the JSON fields the issue names', () => {
  const file = tmp()
  const lines: string[] = []
  assert.equal(simMembership(['--scenario', 'failure', '--nodes', '200', '--fail', '40', '--broadcasts', '5', '--stabilize-ms', '5000', '--json', file], l => lines.push(l)), 0)
  const text = lines.join('\n')
  assert.match(text, /symmetric active links\s+100\.00%/)
  assert.match(text, /reliability of each broadcast/)
  const json = JSON.parse(readFileSync(file, 'utf8'))
  assert.equal(typeof json.symmetricPct, 'number')
  assert.equal(typeof json.largestComponentPct, 'number')
  assert.equal(json.reliability.length, 5)
  assert.ok(json.reliability.every((x: number) => typeof x === 'number'))
})

test('sim broadcast --protocol both prints the two side by side and writes the JSON fields the issue names', () => {
  const file = tmp()
  const lines: string[] = []
  assert.equal(simBroadcast(['--protocol', 'both', '--nodes', '200', '--messages', '15', '--warmup', '5', '--json', file, '--quiet'], l => lines.push(l)), 0)
  const text = lines.join('\n')
  assert.match(text, /summary after the warm-up\s+plumtree\s+flood/)
  assert.match(text, /LDH ratio plumtree \/ flood: [\d.]+/)
  const json = JSON.parse(readFileSync(file, 'utf8'))
  for (const k of ['reliability', 'rmr', 'ldh']) assert.equal(typeof json[k], 'number', k)
  assert.equal(json.perBroadcast.length, 15)
  assert.equal(typeof json.perBroadcast[0].rmr, 'number')
  assert.equal(json.runs.length, 2)
  assert.throws(() => simBroadcast(['--protocol', 'gossipsub'], () => {}), /--protocol takes one of plumtree, flood, both/)
})
