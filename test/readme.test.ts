// Every code block of README.md, run as written:
//   ```ts         type-checked against the package's own published types (`grapevine`, `grapevine/sim`
//                 resolved through package.json's exports), then run with node; its output checked below
//   ```sh         run with bash in a scratch folder that holds the package (package.json, dist and
//                 node_modules linked), so `npm run -s grapevine -- …` works there as in a clone
//   ```sh setup   `npm start` is run; `npm install` and `npm test` are what CI runs (.ci/run) and are
//                 not run again from inside the test run
//   ```sh bench   each command's npm script exists and each BENCH_ONLY name is a benchmark (a full run
//                 takes an hour and a half: `npm run bench` itself is the check)
//   ```sh paper   each `sim paper` command is run with `--check` added: the figure exists and the options
//                 parse (the paper-scale runs take minutes each; the paper tests run reduced sizes)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface Block { info: string[], body: string, line: number }

function blocks (): Block[] {
  const out: Block[] = []
  const re = /^```([^\n]*)\n([\s\S]*?)^```$/gm
  for (let m = re.exec(README); m !== null; m = re.exec(README)) {
    out.push({ info: m[1]!.trim().split(/\s+/), body: m[2]!, line: README.slice(0, m.index).split('\n').length })
  }
  return out
}

const all = blocks()
const tsBlocks = all.filter(b => b.info[0] === 'ts')
const shBlocks = all.filter(b => b.info[0] === 'sh' && b.info.length === 1)

/** What each TypeScript block (in README order) must print. */
const TS_OUTPUT: RegExp[][] = [
  [/queued to 1 peer\(s\), skipped 0/, / hi$/m, /role 1 frontend/, /active: \[/],
  [/^published to 1 peer\(s\)$/m, /^hello from js-libp2p$/m],
  [/^green$/m, /^100$/m],
  [/^50$/m],
  [/^\d+ hello$/m]
]

/** What each plain shell block must print. */
const SH_OUTPUT: RegExp[][] = [
  [/: hello$/m, /^green$/m, /^\{"active":\["12D3KooW/m, /"value":"blue"/, /stopped the agent in \.\/node1/],
  [/push-pull: converged/, /reliability/, /every attacker graylisted/, /delivery ratio +100\.000%/]
]

/** A scratch folder where `grapevine` is this package and `npm run` finds its scripts. */
function scratch (): string {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-readme-'))
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'grapevine'))
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'))
  // What an application using grapevine/libp2p installs beside it.
  for (const p of ['libp2p', '@libp2p', '@chainsafe']) symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p))
  return dir
}

function run (cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null, out: string }> {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const killAll = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(killAll, timeoutMs)
    child.on('exit', code => {
      clearTimeout(timer)
      killAll() // anything the block left running (an agent it did not stop) goes with it
      resolve({ code, out })
    })
  })
}

test('README: the TypeScript blocks type-check against the published types', () => {
  assert.equal(tsBlocks.length, TS_OUTPUT.length, 'one output expectation per TypeScript block')
  const dir = scratch()
  try {
    const files = tsBlocks.map((b, i) => {
      const f = join(dir, `block-${i}.mts`)
      writeFileSync(f, b.body)
      return f
    })
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(dir, 'node_modules', '@types')]
    })
    const errors = ts.getPreEmitDiagnostics(program).map(d => {
      const where = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
      const block = d.file !== undefined ? files.indexOf(d.file.fileName) : -1
      return `README block at line ${block >= 0 ? tsBlocks[block]!.line + (where?.line ?? 0) + 1 : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
    assert.deepEqual(errors, [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

for (const [i, b] of tsBlocks.entries()) {
  test(`README: the TypeScript block at line ${b.line} runs and prints what it says`, { timeout: 120_000 }, async () => {
    const dir = scratch()
    try {
      const js = ts.transpileModule(b.body, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
      writeFileSync(join(dir, 'block.mjs'), js)
      const r = await run(process.execPath, ['block.mjs'], dir, 100_000)
      assert.equal(r.code, 0, r.out)
      for (const want of TS_OUTPUT[i] ?? []) assert.match(r.out, want)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

for (const [i, b] of shBlocks.entries()) {
  test(`README: the shell block at line ${b.line} runs as written`, { timeout: 240_000 }, async () => {
    const dir = scratch()
    try {
      writeFileSync(join(dir, 'block.sh'), b.body)
      const r = await run('bash', ['-e', '-o', 'pipefail', 'block.sh'], dir, 220_000)
      assert.equal(r.code, 0, r.out)
      for (const want of SH_OUTPUT[i] ?? []) assert.match(r.out, want)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('README: the setup block — npm start runs the demo (npm install and npm test are CI\'s own commands)', { timeout: 180_000 }, async () => {
  const setup = all.find(b => b.info[0] === 'sh' && b.info[1] === 'setup')
  assert.ok(setup !== undefined)
  const commands = setup.body.split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(l => l !== '')
  assert.deepEqual(commands, ['npm install', 'npm start', 'npm test'])
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
  assert.match(ci, /^npm ci$/m, 'CI installs from the lockfile')
  assert.match(ci, /^npm test$/m, 'CI runs the README\'s test command')
  const r = await run('npm', ['start'], ROOT, 170_000)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /delivered at the 4 other agents/)
})

test('README: the benchmark commands name existing scripts and benchmarks', async () => {
  const bench = all.find(b => b.info[0] === 'sh' && b.info[1] === 'bench')
  assert.ok(bench !== undefined)
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const { BENCH_NAMES } = await import(join(ROOT, 'bench', 'lib.mjs')) as { BENCH_NAMES: string[] }
  for (const line of bench.body.split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(l => l !== '')) {
    const m = /^(?:BENCH_ONLY=(\S+) )?npm run (\S+)$/.exec(line)
    assert.ok(m !== null, `unexpected benchmark command: ${line}`)
    assert.ok(scripts[m[2]!] !== undefined, `npm run ${m[2]} names no script`)
    for (const name of m[1]?.split(',') ?? []) assert.ok(BENCH_NAMES.includes(name), `BENCH_ONLY=${name} names no benchmark`)
  }
})

test('README: the paper commands name existing figures with options they take', { timeout: 120_000 }, async () => {
  const dir = scratch()
  try {
    for (const b of all.filter(b => b.info[0] === 'sh' && b.info[1] === 'paper')) {
      for (const line of b.body.split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(l => l !== '')) {
        assert.match(line, /^npm run -s grapevine -- sim paper \S+/, `unexpected paper command: ${line}`)
        const r = await run('bash', ['-e', '-c', `${line} --check`], dir, 60_000)
        assert.equal(r.code, 0, `${line} --check: ${r.out}`)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('README: every block is one of the kinds above, and links stay inside the repository', () => {
  for (const b of all) assert.ok(['ts', 'sh'].includes(b.info[0]!), `README block at line ${b.line} is \`\`\`${b.info.join(' ')}: add it to this test`)
  for (const m of README.matchAll(/\]\(([^)]+)\)/g)) {
    const target = m[1]!
    assert.ok(!target.startsWith('..') && !target.startsWith('/'), `README links outside the repository: ${target}`)
    if (!/^[a-z]+:/.test(target)) assert.doesNotThrow(() => readFileSync(join(ROOT, target.split('#')[0]!)), `README links to a missing file: ${target}`)
  }
})
