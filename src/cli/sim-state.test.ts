import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../core/errors.js'
import { simState } from './sim-state.js'

test('sim state prints the round table and writes the JSON the issue asks for', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'out.json')
  const lines: string[] = []
  const rc = simState(['--nodes', '300', '--mode', 'pull', '--seed', '3', '--json', file], l => lines.push(l))
  assert.equal(rc, 0)
  const text = lines.join('\n')
  assert.match(text, /round\s+pull uninformed/)
  assert.match(text, /pull: converged in \d+ rounds/)
  assert.match(text, /theory ≈ [\d.]+ rounds/)
  const json = JSON.parse(readFileSync(file, 'utf8'))
  assert.equal(json.converged, true)
  assert.equal(typeof json.rounds, 'number')
  assert.equal(typeof json.virtualMs, 'number')
  assert.equal(typeof json.bytesPerNodePerRound, 'number')
  assert.ok(Array.isArray(json.uninformedByRound) && json.uninformedByRound.length === json.rounds + 1)
  assert.equal(json.uninformedByRound.at(-1), 0)
})

test('several modes and seeds report medians', () => {
  const lines: string[] = []
  const rc = simState(['--nodes', '200', '--mode', 'all', '--seeds', '3', '--quiet'], l => lines.push(l))
  assert.equal(rc, 0)
  for (const m of ['push', 'pull', 'push-pull']) assert.ok(lines.some(l => l.startsWith(`${m}: converged (3/3 seeds) in median`)), m)
})

test('bad options say what they take', () => {
  assert.throws(() => simState(['--mode', 'gossip'], () => {}), (e: unknown) => e instanceof UsageError && /--mode takes one of push, pull, pushpull/.test(e.message))
  assert.throws(() => simState(['--nodes', '1.5'], () => {}), /--nodes takes a whole number ≥ 2/)
  assert.throws(() => simState(['--loss', '2'], () => {}), /--loss takes a number ≥ 0 and ≤ 0.99/)
  assert.equal(simState(['--updates', '0'], () => {}), 2)
})
