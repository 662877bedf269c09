import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerVerifier, identityFromSeed } from '../core/identity.js'
import { StateAuth } from './auth.js'
import type { Entry, OriginDelta } from './messages.js'
import { Store } from './store.js'

const limits = { maxOrigins: 1000, maxEntries: 100_000 }
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A node with a real identity and its store; `seed` picks the identity. */
function node (seed: number, generation = 0, l = limits): { id: string, store: Store, auth: StateAuth, verifier: PeerVerifier } {
  const identity = identityFromSeed(new Uint8Array(32).fill(seed))
  const verifier = new PeerVerifier()
  const auth = new StateAuth(identity.peerId, 'StrictSign', identity, verifier)
  return { id: identity.peerId, store: new Store(identity.peerId, generation, l, auth), auth, verifier }
}

/** Everything `from` holds that `to` lacks, as `to`'s digest asks for it. */
function sync (from: Store, to: Store, budget = 1_000_000): OriginDelta[] {
  return from.deltasFor(to.digestRange('', '', 1_000_000), budget)
}

test('a gap-free delta advances known; a delta past a gap is ignored until the gap is filled', () => {
  const a = node(1)
  const b = node(2)
  a.store.writeOwn('x', bytes('1'), false)
  const [d1] = sync(a.store, b.store)
  a.store.writeOwn('y', bytes('2'), false)
  a.store.writeOwn('z', bytes('3'), false)
  const [d3] = a.store.deltasFrom(new Map([[a.id, 2]]), 10_000) // (2, 3]: starts past what b holds
  const r = b.store.apply(d3!)
  assert.equal(r.applied.length, 0)
  assert.equal(b.store.digestOf(a.id), undefined, 'nothing held yet')
  b.store.apply(d1!)
  assert.equal(b.store.digestOf(a.id)!.version, 1)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  assert.equal(b.store.digestOf(a.id)!.version, 3)
  assert.equal(b.store.origins.get(a.id)!.matchesHead(), true)
})

test('a forged, tampered or re-versioned entry is rejected and nothing of it is applied', () => {
  const a = node(1)
  const b = node(2)
  const stranger = node(3)
  a.store.writeOwn('color', bytes('real'), false)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  a.store.writeOwn('color', bytes('newer'), false)
  const [honest] = sync(a.store, b.store)
  const e = honest!.entries[0]!
  // Forged: the stranger signs an entry claiming a's origin.
  const forged = { ...honest!, entries: [stranger.auth.signEntry(0, { key: 'color', value: bytes('forged by a stranger'), version: 2, deleted: false })] }
  assert.equal(b.store.apply(forged).rejected, 'bad-entry-signature')
  // Tampered: a's signature over another value.
  assert.equal(b.store.apply({ ...honest!, entries: [{ ...e, value: bytes('tampered') }] }).rejected, 'bad-entry-signature')
  // Replayed as newer: an old entry with a larger version.
  const old = b.store.origins.get(a.id)!.entries.get('color')!
  assert.equal(b.store.apply({ ...honest!, entries: [{ ...old, version: 2 }] }).rejected, 'bad-entry-signature')
  assert.deepEqual(b.store.origins.get(a.id)!.entries.get('color')!.value, bytes('real'), 'nothing forged was applied')
  assert.equal(b.store.digestOf(a.id)!.version, 1, 'known did not move past a refused entry')
  assert.equal(b.store.apply(honest!).applied.length, 1, 'the genuine entry still gets in')
})

test('a generation reset needs a head signed by the origin; older generations are stale', () => {
  const a = node(1, 5)
  const b = node(2)
  const stranger = node(3)
  for (let i = 0; i < 3; i++) a.store.writeOwn(`k${i}`, bytes(String(i)), false)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  assert.equal(b.store.origins.get(a.id)!.entries.size, 3)
  // A stranger claims a's generation 1000 with one entry, signing head and entry with its own key.
  const raw = { key: 'color', value: bytes('forged'), version: 1, deleted: false }
  const e = stranger.auth.signEntry(1000, raw)
  const head = stranger.auth.signHead(1000, 1, 1, 0n, new Uint8Array(32))
  const r = b.store.apply({ origin: a.id, generation: 1000, fromVersion: 0, toVersion: 1, entries: [e], head })
  assert.equal(r.rejected, 'bad-head-signature')
  assert.equal(b.store.origins.get(a.id)!.entries.size, 3, 'a\'s record untouched')
  assert.equal(b.store.digestOf(a.id)!.generation, 5)
  // The real owner moves to a new generation: accepted and replaces.
  const a2 = new Store(a.id, 6, limits, a.auth)
  a2.writeOwn('fresh', bytes('x'), false)
  const res = b.store.apply(sync(a2, b.store)[0]!)
  assert.ok(res.reset)
  assert.deepEqual([...b.store.origins.get(a.id)!.entries.keys()], ['fresh'])
  assert.equal(res.dropped.length, 3, 'the old generation\'s keys are reported gone')
  // And the old generation can no longer come back.
  const back = sync(a.store, node(4).store)[0]!
  assert.equal(b.store.apply(back).stale, back.entries.length)
})

test('a whole origin sent from version 0 costs one signature check; a tampered one is refused', () => {
  const a = node(1)
  for (let i = 0; i < 100; i++) a.store.writeOwn(`k${i}`, bytes(`v${i}`), false)
  a.store.writeOwn('k7', new Uint8Array(0), true)
  const b = node(2)
  const [whole] = sync(a.store, b.store)
  assert.equal(whole!.fromVersion, 0)
  const before = b.verifier.checked
  const r = b.store.apply(whole!)
  assert.equal(r.rejected, undefined)
  assert.equal(r.applied.length, 100)
  assert.equal(b.verifier.checked - before, 2, 'the head, and the one tombstone')
  assert.equal(b.store.origins.get(a.id)!.matchesHead(), true)

  const c = node(3)
  const swapped = whole!.entries.map(e => e.key === 'k3' ? { ...e, value: bytes('evil') } : e)
  assert.equal(c.store.apply({ ...whole!, entries: swapped }).rejected, 'head-mismatch')
  assert.equal(c.store.apply({ ...whole!, entries: whole!.entries.filter(e => e.key !== 'k4') }).rejected, 'head-mismatch')
  assert.equal(c.store.digestOf(a.id), undefined)
})

test('a relay that leaves an entry out is caught at the head; the record is rebuilt exactly', () => {
  const a = node(1)
  const b = node(2)
  for (let i = 0; i < 5; i++) a.store.writeOwn(`k${i}`, bytes(`v${i}`), false)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  a.store.writeOwn('k1', bytes('changed'), false)
  a.store.writeOwn('k9', bytes('new'), false)
  const [d] = sync(a.store, b.store)
  // The relay drops the change to k1 but keeps the delta's range: every entry left is genuine.
  const r = b.store.apply({ ...d!, entries: d!.entries.filter(e => e.key !== 'k1') })
  assert.ok(r.resync, 'the sum at the head does not match')
  assert.equal(b.store.digestOf(a.id)!.version, 0, 'asks for the origin from 0 again')
  for (const x of sync(a.store, b.store)) b.store.apply(x)
  assert.deepEqual(b.store.origins.get(a.id)!.entries.get('k1')!.value, bytes('changed'))
  assert.equal(b.store.origins.get(a.id)!.matchesHead(), true)
})

test('a node away past collected tombstones drops the deleted key instead of resurrecting it', () => {
  const a = node(1)
  const b = node(2)
  a.store.writeOwn('gone', bytes('a'), false)
  a.store.writeOwn('kept', bytes('b'), false)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  a.store.writeOwn('gone', new Uint8Array(0), true)
  assert.ok(a.store.collect(a.id, 'gone', 3))
  const [d] = sync(a.store, b.store)
  assert.equal(d!.fromVersion, 0, 'sent from 0 because the peer is behind the collected tombstone')
  const r = b.store.apply(d!)
  assert.deepEqual([...b.store.origins.get(a.id)!.entries.keys()], ['kept'])
  assert.deepEqual(r.dropped.map(e => e.key), ['gone'])
  assert.equal(b.store.size, 1)
})

test('an MTU-bounded backlog flows over several deltas without gaps, each entry checked', () => {
  const a = node(1)
  for (let i = 0; i < 500; i++) a.store.writeOwn(`key${i % 300}`, new Uint8Array(20).fill(i & 255), false)
  const b = node(2)
  let rounds = 0
  for (;;) {
    const deltas = sync(a.store, b.store, 2_000)
    if (deltas.length === 0) break
    rounds++
    for (const d of deltas) {
      assert.ok(d.entries.length > 0)
      assert.equal(b.store.apply(d).rejected, undefined)
      assert.equal(b.store.digestOf(a.id)!.version, d.toVersion, 'each delta leaves no gap')
    }
    assert.ok(rounds < 200)
  }
  assert.ok(rounds > 5, `backlog needed ${rounds} deltas`)
  assert.equal(b.store.digestOf(a.id)!.version, 500)
  assert.equal(b.store.origins.get(a.id)!.matchesHead(), true)
  for (const [k, e] of a.store.own.entries) assert.equal(b.store.origins.get(a.id)!.entries.get(k)!.version, e.version)
})

test('digest pages cover every origin exactly once per cycle', () => {
  const s = node(100).store
  for (let i = 0; i < 60; i++) {
    const o = node(i + 1)
    o.store.writeOwn('k', bytes('v'), false)
    s.apply(sync(o.store, s)[0]!)
  }
  const seen: string[] = []
  let cursor = ''
  do {
    const page = s.digestPage(cursor, 200)
    assert.ok(page.entries.length > 0 && page.entries.length < 62)
    for (const e of page.entries) assert.ok(e.origin >= page.start && (page.end === '' || e.origin < page.end))
    seen.push(...page.entries.map(e => e.origin))
    cursor = page.end
  } while (cursor !== '')
  assert.deepEqual(seen, [...s.originIds])
})

test('a full store refuses new entries and does not claim versions past them', () => {
  const a = node(1)
  for (let i = 1; i <= 5; i++) a.store.writeOwn(`a${i}`, bytes('v'), false)
  const b = node(2, 0, { maxOrigins: 2, maxEntries: 3 })
  const d = a.store.deltasFrom(new Map([[a.id, 0]]), 1_000_000)[0]!
  const r = b.store.apply(d)
  assert.equal(r.refused, 5, 'a whole origin that does not fit is refused whole')
  // Entry by entry (a delta starting at version 0 but not reaching the head) stops at the bound.
  const part: OriginDelta = { ...d, toVersion: 4, entries: d.entries.slice(0, 4) }
  const r2 = b.store.apply(part)
  assert.equal(r2.applied.length, 3)
  assert.equal(r2.refused, 1)
  assert.equal(b.store.digestOf(a.id)!.version, 3, 'known stops below the first refused entry')
  const z = node(3)
  z.store.writeOwn('z', bytes('v'), false)
  assert.equal(b.store.apply(sync(z.store, b.store)[0]!).refused, 1, 'origin limit')
  assert.equal(b.store.origins.size, 2)
})

test('a forgotten origin leaves the store; entries report what left', () => {
  const a = node(1)
  const b = node(2)
  a.store.writeOwn('k', bytes('v'), false)
  for (const d of sync(a.store, b.store)) b.store.apply(d)
  const gone: Entry[] = b.store.forget(a.id)
  assert.deepEqual(gone.map(e => e.key), ['k'])
  assert.equal(b.store.size, 0)
  assert.equal(b.store.origins.has(a.id), false)
  assert.deepEqual(b.store.forget(b.id), [], 'never ourselves')
})

test('under StrictNoSign a signed entry is refused as unexpected (a StrictSign node in a closed cluster is told apart)', () => {
  const a = node(1)
  a.store.writeOwn('k', bytes('v'), false)
  const closed = new Store('plain', 0, limits, new StateAuth('plain', 'StrictNoSign', null, new PeerVerifier()))
  const [d] = sync(a.store, closed)
  assert.equal(closed.apply(d!).rejected, 'unexpected-signature')
  assert.equal(closed.digestOf(a.id), undefined)
})
