// The simulation reports (`grapevine sim … --report FILE.html`, issue 14) in Debian's Chromium: for each
// kind, a small simulation run through the CLI's own function writes a report; the page, opened from
// file://, logs no error, draws every chart with its expected series, and (membership, broadcast) its
// replay reaches 100% informed. Screenshots go to test-artifacts/ and docs/img/ (the README shows them).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { simBroadcast } from '../../src/cli/sim-broadcast.js'
import { simMembership } from '../../src/cli/sim-membership.js'
import { simPubsub } from '../../src/cli/sim-pubsub.js'
import { simState } from '../../src/cli/sim-state.js'
import { ARTIFACTS, openBrowser, type OpenBrowser } from './browser.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DOCS_IMG = join(ROOT, 'docs', 'img')
const dir = mkdtempSync(join(tmpdir(), 'grapevine-report-'))
let browser: OpenBrowser

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  mkdirSync(DOCS_IMG, { recursive: true })
  browser = await openBrowser()
})
after(async () => {
  await browser?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Hook { charts: Array<{ title: string, series: number, drawn: boolean }>, replay?: { informed: number, total: number } }

const CASES: Array<{ kind: string, run: (argv: string[], out: (l: string) => void) => number, argv: string[], series: number[], replay: boolean }> = [
  { kind: 'state', run: simState, argv: ['--nodes', '200', '--codec', 'off'], series: [6], replay: false },
  { kind: 'membership', run: simMembership, argv: ['--scenario', 'failure', '--nodes', '250', '--broadcasts', '10', '--stabilize-ms', '8000'], series: [1, 2], replay: true },
  { kind: 'broadcast', run: simBroadcast, argv: ['--protocol', 'both', '--nodes', '250', '--messages', '15', '--quiet'], series: [2, 2, 2, 2], replay: true },
  { kind: 'pubsub', run: simPubsub, argv: ['--nodes', '150', '--publishers', '8', '--seconds', '4', '--attackers', '5', '--warmup', '2000'], series: [1, 1, 1], replay: false }
]

for (const c of CASES) {
  test(`sim ${c.kind} --report: a self-contained page whose charts are drawn`, async () => {
    const file = join(dir, `${c.kind}.html`)
    const lines: string[] = []
    c.run([...c.argv, '--report', file], l => lines.push(l))
    assert.ok(lines.includes(`report written to ${file}`), lines.join('\n'))
    const html = readFileSync(file, 'utf8')
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/, 'the report loads nothing from elsewhere')

    const { page, errors } = await browser.page()
    await page.setViewportSize({ width: 1200, height: 900 })
    // A fast replay (?speed=), played with the page's own button.
    await page.goto(`${pathToFileURL(file).href}?speed=40`)
    await page.waitForFunction(() => (globalThis as unknown as { __report?: Hook }).__report?.charts.every(ch => ch.drawn) === true, undefined, { timeout: 10_000 })
    const hook = await page.evaluate(() => (globalThis as unknown as { __report: Hook }).__report)
    assert.deepEqual(hook.charts.map(ch => ch.series), c.series, JSON.stringify(hook.charts))
    assert.equal(await page.locator('canvas').count(), c.series.length + (c.replay ? 1 : 0))
    if (c.replay) {
      assert.ok(hook.replay !== undefined && hook.replay.total > 0)
      await page.click('#play')
      await page.evaluate(async () => { await (globalThis as unknown as { __report: { replay: { done: Promise<void> } } }).__report.replay.done })
      const r = await page.evaluate(() => (globalThis as unknown as { __report: Hook }).__report.replay!)
      assert.equal(r.informed, r.total, `replay ended at ${r.informed} / ${r.total}`)
      assert.match(await page.locator('#progress').innerText(), /informed: [\d,]+ \/ [\d,]+ \(100\.0%\)/)
    }
    const png = await page.screenshot({ fullPage: false })
    writeFileSync(join(ARTIFACTS, `report-${c.kind}.png`), png)
    writeFileSync(join(DOCS_IMG, `report-${c.kind}.png`), png)
    assert.deepEqual(errors, [])
    await page.close()
  })
}
