// The layers of grapevine (ARCHITECTURE.md, "Layers"), enforced on every `npm test`:
//
//   core  →  wire  →  protocols (membership, broadcast, state, gossipsub)  →  baselines (simulator only)
//         →  composition (node)
//         →  observability (metrics: the catalogue, its prom-client and libp2p adapters, the logger)
//         →  drivers (sim, net)  →  applications (scenarios, report, agent, cli)  →  entry points (exports)
//
// Each layer imports only from the layers before it; the protocols are independent of each other, and so
// are the two drivers; the simulator's entry point reaches no libp2p or LevelDB module. Tests (*.test.ts,
// test/) may import anything: they exercise the layers together.
const LIBP2P_OR_LEVELDB = '^node_modules/(libp2p|@libp2p|@chainsafe|@multiformats/multiaddr|classic-level|abstract-level|ws)/'

const layer = (name, path, allowed) => ({
  name: `layer-${name}`,
  comment: `${name} may import only from: ${allowed.join(', ') || 'itself'} (ARCHITECTURE.md, "Layers")`,
  severity: 'error',
  from: { path, pathNot: '\\.test\\.ts$' },
  to: { path: '^src/', pathNot: [path, ...allowed.map(a => `^src/${a}/`)] }
})

const PROTOCOLS = ['membership', 'broadcast', 'state', 'gossipsub']

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'modules must not depend on each other in a cycle', severity: 'error', from: {}, to: { circular: true } },
    layer('core', '^src/core/', []),
    layer('wire', '^src/wire/', []),
    ...PROTOCOLS.map(p => layer(p, `^src/${p}/`, ['core', 'wire'])),
    // Simulator baselines (Cyclon, Scamp, gossip over a partial view): protocols never offered on the network.
    layer('baselines', '^src/baselines/', ['core', 'wire', 'broadcast']),
    layer('composition', '^src/node/', ['core', 'wire', ...PROTOCOLS]),
    layer('metrics', '^src/metrics/', ['core', 'wire', ...PROTOCOLS, 'node']),
    layer('sim', '^src/sim/', ['core', 'wire', ...PROTOCOLS, 'node']),
    layer('net', '^src/net/', ['core', 'wire', ...PROTOCOLS, 'node', 'metrics']),
    layer('scenarios', '^src/scenarios/', ['core', 'wire', ...PROTOCOLS, 'baselines', 'node', 'sim']),
    layer('report', '^src/report/', ['core', 'sim', 'scenarios']),
    layer('agent', '^src/agent/', ['core', 'wire', ...PROTOCOLS, 'node', 'metrics', 'net']),
    layer('cli', '^src/cli/', ['core', 'wire', ...PROTOCOLS, 'baselines', 'node', 'metrics', 'sim', 'net', 'scenarios', 'report', 'agent']),
    {
      name: 'sim-entry-without-libp2p',
      comment: 'grapevine/sim must load no libp2p, LevelDB or WebSocket module (ARCHITECTURE.md, "Entry points")',
      severity: 'error',
      from: { path: '^src/exports/sim\\.ts$' },
      to: { path: LIBP2P_OR_LEVELDB, reachable: true }
    },
    {
      name: 'protocols-without-libp2p',
      comment: 'protocol cores, composition and the simulator load no libp2p or LevelDB module',
      severity: 'error',
      from: { path: `^src/(core|wire|${PROTOCOLS.join('|')}|baselines|node|sim|scenarios)/`, pathNot: '\\.test\\.ts$' },
      to: { path: LIBP2P_OR_LEVELDB }
    },
    {
      name: 'no-orphans',
      comment: 'a module nothing imports is dead code (entry points, tests and the CLI main excepted)',
      severity: 'error',
      from: { orphan: true, pathNot: ['\\.test\\.ts$', '^src/exports/', '^src/cli/main\\.ts$', '\\.d\\.ts$', '^test/'] },
      to: {}
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|bench|scripts)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.d.ts'] },
    reporterOptions: {
      dot: { collapsePattern: '^src/[^/]+' },
      mermaid: { minify: false }
    }
  }
}
