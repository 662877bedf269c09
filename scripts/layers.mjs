// The folder-level dependency graph of src/, as dependency-cruiser sees it, drawn as a Mermaid diagram.
//   node scripts/layers.mjs           print it
//   node scripts/layers.mjs --write   put it into ARCHITECTURE.md (between the layers markers)
//   node scripts/layers.mjs --check   fail if ARCHITECTURE.md shows another graph (part of npm test)
import { readFileSync, writeFileSync } from 'node:fs'
import { cruise } from 'dependency-cruiser'
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config'

// Bottom to top: the order of the layers in ARCHITECTURE.md.
const ORDER = ['core', 'wire', 'membership', 'broadcast', 'state', 'gossipsub', 'baselines', 'node', 'metrics', 'sim', 'net', 'scenarios', 'report', 'agent', 'cli', 'exports']
const DOC = new URL('../ARCHITECTURE.md', import.meta.url)
const BEGIN = '<!-- layers:begin (drawn by `npm run layers`, checked by `npm test`) -->'
const END = '<!-- layers:end -->'

const result = await cruise(['src'], {
  includeOnly: '^src/',
  exclude: { path: '\\.test\\.ts$' },
  collapse: '^src/[^/]+/',
  tsPreCompilationDeps: true,
  outputType: 'json'
}, {}, { tsConfig: extractTSConfig('tsconfig.json') })
const modules = JSON.parse(result.output).modules
const folder = (path) => path.replace(/^src\//, '').replace(/\/$/, '')
const edges = new Set()
for (const m of modules) {
  for (const d of m.dependencies) {
    if (d.resolved === m.source || !d.resolved.startsWith('src/')) continue
    edges.add(`${folder(m.source)} --> ${folder(d.resolved)}`)
  }
}
const rank = (f) => ORDER.indexOf(f) < 0 ? ORDER.length : ORDER.indexOf(f)
const sorted = [...edges].sort((a, b) => {
  const [a1, a2] = a.split(' --> ')
  const [b1, b2] = b.split(' --> ')
  return rank(a1) - rank(b1) || rank(a2) - rank(b2)
})
const graph = ['```mermaid', 'graph BT', ...sorted.map(e => `  ${e}`), '```'].join('\n')

const mode = process.argv[2]
if (mode === undefined) {
  console.log(graph)
} else {
  const doc = readFileSync(DOC, 'utf8')
  const i = doc.indexOf(BEGIN)
  const j = doc.indexOf(END)
  if (i < 0 || j < i) throw new Error(`ARCHITECTURE.md has no ${BEGIN} … ${END} block`)
  const current = doc.slice(i + BEGIN.length, j).trim()
  if (mode === '--write') {
    writeFileSync(DOC, `${doc.slice(0, i + BEGIN.length)}\n${graph}\n${doc.slice(j)}`)
  } else if (current !== graph) {
    console.error('ARCHITECTURE.md shows an outdated layer graph; run `npm run layers -- --write` and review the change:\n' + graph)
    process.exit(1)
  }
}
