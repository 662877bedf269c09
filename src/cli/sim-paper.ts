/**
 * `grapevine sim paper NAME`: one command per published figure, reproduced in the simulator with a seed.
 * Each paper module (src/cli/paper-NAME.ts) runs its protocols and their baselines on the same network,
 * prints a table with the paper's own figure beside ours, and with `--report FILE.html` writes the charts.
 * `--check` validates the options and prints what would run, without running it (the README test uses it:
 * the paper-scale runs take minutes each).
 */
import { UsageError } from '../core/errors.js'

export interface PaperModule {
  /** The `--help` text. */
  usage: string
  /** Runs the figure (or, with `--check`, only parses the options); returns the exit code. */
  run: (argv: string[], out?: (line: string) => void) => number
}

/** The figures, by name: what each reproduces, and its module (loaded only when it runs). */
export const PAPERS: Record<string, { what: string, load: () => Promise<PaperModule> }> = {
  hyparview: { what: 'HyParView vs Cyclon vs Scamp: reliability and healing after 10–95% failures (DSN 2007 §5)', load: async () => await import('./paper-hyparview.js').then(m => ({ usage: m.USAGE, run: m.run })) },
  plumtree: { what: 'Plumtree vs flood: RMR, LDH, reliability after 20–80% crash (Leitão et al., SRDS 2007 §5)', load: async () => await import('./paper-plumtree.js').then(m => ({ usage: m.USAGE, run: m.run })) },
  web3: { what: 'Plumtree, flood, GossipSub, Bitcoin-style and devp2p-style on one network: latency, bytes, duplicates', load: async () => await import('./paper-web3.js').then(m => ({ usage: m.USAGE, run: m.run })) },
  gossipsub: { what: 'GossipSub v1.1 under Sybil, eclipse, cold-boot and covert-flash attacks, scoring on/off (Vyzovitis et al. 2020 §6)', load: async () => await import('./paper-gossipsub.js').then(m => ({ usage: m.USAGE, run: m.run })) }
}

export const SIM_PAPER_USAGE = (): string => `grapevine sim paper NAME [options]

Reproduces a paper's figure in the simulator, our protocol beside the paper's baselines.

${Object.entries(PAPERS).map(([name, p]) => `  ${name.padEnd(12)} ${p.what}`).join('\n')}

Each takes --seed S, --nodes N, --json FILE, --report FILE.html, --check (parse the options, print the
plan, run nothing) and --help.`

export async function simPaper (argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    out(SIM_PAPER_USAGE())
    return 0
  }
  const paper = PAPERS[name]
  if (paper === undefined) throw new UsageError('ERR_ARG', `sim paper: no figure named '${name}' (one of ${Object.keys(PAPERS).join(', ')})`)
  const mod = await paper.load()
  if (rest.includes('--help') || rest.includes('-h')) {
    out(mod.usage)
    return 0
  }
  return mod.run(rest, out)
}
