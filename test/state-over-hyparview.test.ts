// Anti-entropy drawing its partners from HyParView's peer sampling instead of a fixed peer list.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HyParView } from '../src/membership/hyparview.js'
import { AntiEntropy } from '../src/state/antientropy.js'
import { Simulator } from '../src/sim/simulator.js'
import { stateSignature } from '../src/scenarios/state.js'

test('replicated state converges over HyParView peer sampling, also after 30% of nodes crash', () => {
  const sim = new Simulator({ seed: 12 })
  const ids = Array.from({ length: 200 }, (_, i) => `n${i}`)
  for (const [i, id] of ids.entries()) {
    sim.addNode(id, ctx => {
      const hv = new HyParView(ctx.env('membership'), { shufflePeriodMs: 1000 })
      return [hv, new AntiEntropy(ctx.env('state'), hv, null, { signaturePolicy: 'StrictNoSign' })]
    })
    if (i > 0) sim.core<HyParView>(id, 'membership').join(sim.now, ids[sim.rng.int(i)]!)
    sim.run(sim.now + 20)
  }
  sim.run(sim.now + 10_000)
  const state = (id: string): AntiEntropy => sim.core<AntiEntropy>(id, 'state')
  state('n5').set(sim.now, 'k', new Uint8Array([1]))
  sim.run(sim.now + 20_000)
  assert.ok(ids.every(id => state(id).get('k', 'n5')?.[0] === 1), 'one update reached every node')

  const dead = new Set(sim.rng.sample(ids.filter(id => id !== 'n5'), 60))
  for (const d of dead) sim.crash(d)
  const alive = ids.filter(id => !dead.has(id))
  for (const id of alive.slice(0, 20)) state(id).set(sim.now, `after-${id}`, new Uint8Array([2]))
  sim.run(sim.now + 30_000)
  const sig = stateSignature(state(alive[0]!))
  assert.ok(alive.every(id => stateSignature(state(id)) === sig), 'survivors hold identical state')
  assert.ok(alive.every(id => state(id).get(`after-${alive[19]}`, alive[19]) !== undefined))
})
