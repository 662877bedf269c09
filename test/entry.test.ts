// The package's entry points, imported by name from another project (package.json's exports), with a
// module-loading hook that lists every file Node loads: `grapevine/sim` must load no libp2p, LevelDB or
// WebSocket module (ARCHITECTURE.md, "Entry points"); `grapevine` runs nodes on the network and does.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HEAVY = /\/node_modules\/(libp2p|@libp2p|@chainsafe|@multiformats\/multiaddr|classic-level|abstract-level|ws)\//

/** The files Node loads for `import(specifier)` in a project that depends on grapevine. */
function loaded (specifier: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-entry-'))
  try {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(ROOT, join(dir, 'node_modules', 'grapevine'))
    writeFileSync(join(dir, 'hooks.mjs'), "export async function load (url, context, next) {\n  if (url.startsWith('file:')) process.stdout.write(`LOADED ${url}\\n`)\n  return next(url, context)\n}\n")
    writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n")
    const out = execFileSync(process.execPath, ['--import', './register.mjs', '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], { cwd: dir, encoding: 'utf8' })
    return out.split('\n').filter(l => l.startsWith('LOADED ')).map(l => l.slice('LOADED '.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('importing grapevine/sim loads the simulator and the cores, and no libp2p, LevelDB or ws module', () => {
  const files = loaded('grapevine/sim')
  assert.ok(files.some(f => f.endsWith('/dist/src/sim/simulator.js')), 'the simulator itself is loaded')
  assert.ok(files.some(f => f.endsWith('/dist/src/gossipsub/gossipsub.js')), 'and the cores')
  assert.deepEqual(files.filter(f => HEAVY.test(f)), [])
  assert.deepEqual(files.filter(f => /\/dist\/src\/net\//.test(f)), [], 'nothing of the network driver')
})

test('importing grapevine loads the network stack (the check above can fail)', () => {
  const files = loaded('grapevine')
  assert.ok(files.some(f => /\/node_modules\/libp2p\//.test(f)))
  assert.ok(files.some(f => /\/node_modules\/classic-level\//.test(f)))
})
