import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Entry, OriginDelta } from './messages.js'
import { Store } from './store.js'

const limits = { maxOrigins: 1000, maxEntries: 100_000 }
const v = (key: string, version: number, deleted = false): Entry => ({ key, value: deleted ? new Uint8Array(0) : new Uint8Array([version]), version, deleted })
const delta = (origin: string, fromVersion: number, toVersion: number, entries: Entry[], extra: Partial<OriginDelta> = {}): OriginDelta =>
  ({ origin, generation: 0, fromVersion, toVersion, gcVersion: 0, entries, ...extra })

test('a gap-free delta advances known; one with a gap keeps entries but not known', () => {
  const s = new Store('me', 0, limits)
  s.apply(delta('a', 0, 3, [v('x', 1), v('y', 3)]))
  assert.equal(s.digestOf('a')!.version, 3)
  const r = s.apply(delta('a', 5, 7, [v('z', 7)]))
  assert.equal(r.applied.length, 1)
  assert.equal(s.digestOf('a')!.version, 3, 'gap (3, 5] not filled')
  assert.equal(s.origins.get('a')!.entries.get('z')!.version, 7)
  s.apply(delta('a', 3, 6, [v('w', 5)]))
  assert.equal(s.digestOf('a')!.version, 6)
  const stale = s.apply(delta('a', 0, 3, [v('x', 1)]))
  assert.equal(stale.stale, 1)
})

test('deltas about ourselves and from older generations are ignored; a newer generation replaces', () => {
  const s = new Store('me', 5, limits)
  s.writeOwn('k', new Uint8Array([1]), false)
  assert.equal(s.apply(delta('me', 0, 9, [v('k', 9)])).stale, 1)
  assert.equal(s.own.entries.get('k')!.version, 1)
  s.apply(delta('a', 0, 2, [v('old', 2)], { generation: 3 }))
  assert.equal(s.apply(delta('a', 0, 9, [v('older', 9)], { generation: 2 })).stale, 1)
  const r = s.apply(delta('a', 0, 1, [v('new', 1)], { generation: 4 }))
  assert.ok(r.reset)
  assert.deepEqual([...s.origins.get('a')!.entries.keys()], ['new'])
  assert.deepEqual(s.digestOf('a'), { origin: 'a', generation: 4, version: 1 })
})

test('a delta from 0 past collected tombstones resets the origin: deleted keys do not come back', () => {
  const s = new Store('me', 0, limits)
  s.apply(delta('a', 0, 2, [v('gone', 1), v('kept', 2)]))
  // The owner deleted 'gone' at 3 and everyone collected the tombstone; the sender's state is just 'kept'.
  const r = s.apply(delta('a', 0, 3, [v('kept', 2)], { gcVersion: 3 }))
  assert.ok(r.reset)
  assert.deepEqual([...s.origins.get('a')!.entries.keys()], ['kept'])
  assert.equal(s.digestOf('a')!.version, 3)
  assert.equal(s.size, 1)
})

test('collecting a tombstone raises gcVersion and a peer behind it gets a reset delta', () => {
  const owner = new Store('a', 0, limits)
  owner.writeOwn('x', new Uint8Array([1]), false)
  owner.writeOwn('y', new Uint8Array([2]), false)
  const behind = new Store('b', 0, limits)
  behind.apply(owner.deltasFor({ start: '', end: '', entries: [] }, 10_000)[0]!)
  owner.writeOwn('x', new Uint8Array(0), true)
  assert.ok(owner.collect('a', 'x', 3))
  assert.equal(owner.own.gcVersion, 3)
  const [d] = owner.deltasFor({ start: '', end: '', entries: [behind.digestOf('a')!] }, 10_000)
  assert.equal(d!.fromVersion, 0, 'sent from 0 because the peer is behind the collected tombstone')
  behind.apply(d!)
  assert.deepEqual([...behind.origins.get('a')!.entries.keys()], ['y'])
})

test('an MTU-bounded backlog flows over several deltas without gaps', () => {
  const src = new Store('a', 0, limits)
  for (let i = 0; i < 500; i++) src.writeOwn(`key${i % 300}`, new Uint8Array(20).fill(i & 255), false)
  const dst = new Store('b', 0, limits)
  let rounds = 0
  for (;;) {
    const digest = dst.digestRange('', '', 10_000)
    const deltas = src.deltasFor(digest, 1_000)
    if (deltas.length === 0) break
    rounds++
    for (const d of deltas) {
      assert.ok(d.entries.length > 0)
      dst.apply(d)
      assert.equal(dst.digestOf('a')!.version, d.toVersion, 'each delta leaves no gap')
    }
    assert.ok(rounds < 100)
  }
  assert.ok(rounds > 5, `backlog needed ${rounds} deltas`)
  assert.equal(dst.digestOf('a')!.version, 500)
  assert.equal(dst.origins.get('a')!.entries.size, 300)
  for (const [k, e] of src.own.entries) assert.equal(dst.origins.get('a')!.entries.get(k)!.version, e.version)
})

test('digest pages cover every origin exactly once per cycle', () => {
  const s = new Store('me', 0, limits)
  for (let i = 0; i < 200; i++) s.apply(delta(`o${String(i).padStart(3, '0')}`, 0, 1, [v('k', 1)]))
  const seen: string[] = []
  let cursor = ''
  do {
    const page = s.digestPage(cursor, 200)
    assert.ok(page.entries.length > 0 && page.entries.length < 201)
    for (const e of page.entries) assert.ok(e.origin >= page.start && (page.end === '' || e.origin < page.end))
    seen.push(...page.entries.map(e => e.origin))
    cursor = page.end
  } while (cursor !== '')
  assert.deepEqual(seen, [...s.originIds])
})

test('a full store refuses new entries and does not claim versions past them', () => {
  const s = new Store('me', 0, { maxOrigins: 2, maxEntries: 3 })
  const r = s.apply(delta('a', 0, 5, [v('a1', 1), v('a2', 2), v('a3', 3), v('a4', 4), v('a5', 5)]))
  assert.equal(r.applied.length, 3)
  assert.equal(r.refused, 2)
  assert.equal(s.digestOf('a')!.version, 3, 'known stops below the first refused entry')
  assert.equal(s.apply(delta('z', 0, 1, [v('z', 1)])).refused, 1, 'origin limit')
  assert.equal(s.origins.size, 2)
})
