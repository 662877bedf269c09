#!/usr/bin/env node
/**
 * The `grapevine` command line: the agent and the commands that talk to it, keygen, the demos and the
 * simulator scenarios. Each command's module is loaded when it runs: a client command (members,
 * publish, …) does not load libp2p (a fifth of the CPU time, which scripts calling the CLI in a loop feel).
 */
import { GrapevineError } from '../core/errors.js'
import { CLIENT_USAGE, client } from './client.js'

const USAGE = `grapevine — gossip protocols for TypeScript

usage:
  grapevine demo                 five agents on 127.0.0.1: membership, pub/sub, state, broadcast
  grapevine demo --sim           a replicated update spreading through 1,000 simulated nodes
  grapevine demo --ui            the five-agent demo, then keeps the agents running and prints the console's login link
  grapevine agent [options]      run a node with its local control API (--help for options)
  grapevine keygen FILE          a new pre-shared key for a private cluster (agent --psk FILE)
  grapevine sim state [options]       anti-entropy convergence in the simulator (--help for options)
  grapevine sim membership [options]  HyParView growth, failure and churn experiments (--help)
  grapevine sim broadcast [options]   Plumtree and flood gossip: reliability, RMR, LDH (--help)
  grapevine sim pubsub [options]      GossipSub: delivery, latency, duplicates, attackers (--help)
  grapevine sim paper NAME [options]  a paper's figure, our protocol beside its baselines (sim paper --help)
  grapevine help

${CLIENT_USAGE}`

export async function main (argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE)
    return 0
  }
  if (cmd === 'demo' && sub === '--ui') return await (await import('./demo.js')).demo(console.log, 5, { ui: true })
  if (cmd === 'demo' && sub !== '--sim') return await (await import('./demo.js')).demo()
  if (cmd === 'demo') {
    console.log('Demo: one update written by one node spreads through 1,000 simulated nodes by push-pull anti-entropy.')
    console.log('(Every message is encoded and decoded with the real protocol code; time is virtual.)\n')
    return (await import('./sim-state.js')).simState(['--nodes', '1000', '--mode', 'pushpull', '--updates', '1', ...rest])
  }
  if (cmd === 'agent') {
    const { AGENT_USAGE, agent } = await import('./agent.js')
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(AGENT_USAGE)
      return 0
    }
    return await agent(argv.slice(1))
  }
  if (cmd === 'keygen') {
    const { KEYGEN_USAGE, keygen } = await import('./keygen.js')
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(KEYGEN_USAGE)
      return 0
    }
    return keygen(argv.slice(1))
  }
  if (['addr', 'stop', 'members', 'info', 'publish', 'subscribe', 'kv', 'ui'].includes(cmd)) return await client(cmd, argv.slice(1))
  const sims: Record<string, () => Promise<[string, (argv: string[]) => number]>> = {
    state: async () => await import('./sim-state.js').then(m => [m.SIM_STATE_USAGE, m.simState]),
    membership: async () => await import('./sim-membership.js').then(m => [m.SIM_MEMBERSHIP_USAGE, m.simMembership]),
    broadcast: async () => await import('./sim-broadcast.js').then(m => [m.SIM_BROADCAST_USAGE, m.simBroadcast]),
    pubsub: async () => await import('./sim-pubsub.js').then(m => [m.SIM_PUBSUB_USAGE, m.simPubsub])
  }
  if (cmd === 'sim' && sub === 'paper') return await (await import('./sim-paper.js')).simPaper(rest)
  if (cmd === 'sim' && sub !== undefined && sims[sub] !== undefined) {
    const [usage, run] = await sims[sub]()
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(usage)
      return 0
    }
    return run(rest)
  }
  console.error(`unknown command: ${argv.join(' ')}\n\n${USAGE}`)
  return 2
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  if (err instanceof GrapevineError && err.fault === 'caller') {
    console.error(`grapevine: ${err.message}`)
    process.exitCode = 2
  } else if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`grapevine: ${err.message} (try --help)`)
    process.exitCode = 2
  } else {
    throw err
  }
}
