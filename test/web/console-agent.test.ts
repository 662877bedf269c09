// The cluster console in a real browser (Debian's Chromium through playwright-core) against five real agent
// processes on 127.0.0.1 (issue 14): without the login link the page and its data are refused; the login
// link opens the console; the graph, drawn from the agents' summaries in the replicated state, shows the 5
// nodes and their active links; a message published from the page reaches another agent's subscription,
// and one published elsewhere shows in the page's live view; the page logs no console errors.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { api, spawnAgent, stopAgent, subscribeAgent, waitUntil, type RunningAgent } from '../../src/agent/cluster.js'
import { ARTIFACTS, openBrowser } from './browser.js'

interface Hooks { nodes: number, edges: { active: number, mesh: number, eager: number }, deliveries: number, ready: boolean }

test('console: login link, 5-agent graph, publish from the page, live view, no console errors', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-console-'))
  const agents: RunningAgent[] = []
  const b = await openBrowser()
  try {
    agents.push(await spawnAgent(join(dir, 'a0'), ['--listen', '/ip4/127.0.0.1/tcp/0']))
    for (let i = 1; i < 5; i++) agents.push(await spawnAgent(join(dir, `a${i}`), ['--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', agents[0]!.record.multiaddrs[0]!]))
    const [a0] = agents as [RunningAgent]
    // Without the login: the page and its data are refused (in a page of its own: the refusals are its console errors).
    const stranger = (await b.page()).page
    assert.equal((await stranger.goto(`${a0.record.api}/ui/`))!.status(), 401)
    assert.equal((await stranger.goto(`${a0.record.api}/ui/api/cluster`))!.status(), 401)
    await stranger.close()

    const { page, errors } = await b.page()
    await page.setViewportSize({ width: 1280, height: 800 })

    const { url } = await api<{ url: string }>(a0, 'POST', '/v1/ui/login', {})
    assert.doesNotMatch(url, new RegExp(a0.record.token), 'the API token never travels in the link')
    const start = Date.now()
    const res = await page.goto(url)
    assert.equal(res!.status(), 200)
    assert.equal(new URL(page.url()).pathname, '/ui/')
    const hooks = async (): Promise<Hooks | undefined> => await page.evaluate('window.__grapevine') as Hooks | undefined
    await waitUntil('the graph to show 5 nodes and their active links', async () => {
      const h = await hooks()
      return h !== undefined && h.nodes === 5 && h.edges.active >= 4
    }, 30_000, 100)
    t.diagnostic(`5 nodes and ${(await hooks())!.edges.active} active links drawn ${Date.now() - start} ms after the login link was opened`)

    // A message published from the page reaches agent 4's subscription.
    const got: string[] = []
    const sub = subscribeAgent(agents[3]!, 'console', m => got.push(m.data))
    await sub.ready
    await page.fill('#sub-topic', 'console')
    await page.click('#sub-button')
    await waitUntil('agent 1 to see agent 4 in the topic', async () => ((await api<{ topicPeers: Record<string, { peers: string[] }> }>(a0, 'GET', '/v1/info')).topicPeers.console?.peers.length ?? 0) > 0, 30_000)
    await page.fill('#pub-topic', 'console')
    await page.fill('#pub-text', 'from the page')
    await page.click('#pub-button')
    await waitUntil('the page\'s message at agent 4', () => got.includes('from the page'), 15_000)
    assert.match(await page.locator('#publish-result').innerText(), /recipients/)

    // One published by agent 3 shows in the page's live view.
    await api(agents[2]!, 'POST', '/v1/publish', { topic: 'console', data: 'from agent 3', minPeers: 1 })
    await waitUntil('agent 3\'s message in the live view', async () => /from agent 3/.test(await page.locator('#deliveries').innerText()), 15_000, 100)
    sub.stop()

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'console-agents.png') })
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await b.close()
    await Promise.all(agents.map(async a => await stopAgent(a)))
    rmSync(dir, { recursive: true, force: true })
  }
})
