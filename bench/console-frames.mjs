// The console's frame time drawing a 1,000-node overlay in headless Chromium (issue 14): runs the measuring
// test of test/web/console-page.test.ts (a fake agent serving a 1,000-node cluster) and prints its figures.
// Run alone: `npm run build && node bench/console-frames.mjs`, or `BENCH_ONLY=console-frames npm run bench`.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export function benchConsoleFrames () {
  console.log('\nconsole frame time — 1,000 nodes (2,495 active + 999 eager links) in headless Chromium, software GL; 5 nodes as the baseline')
  const test = fileURLToPath(new URL('../dist/test/web/console-page.test.js', import.meta.url))
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', test], { encoding: 'utf8', env: { ...process.env, GRAPEVINE_CONSOLE_FRAMES: '1' } })
  for (const line of r.stdout.split('\n')) if (/^# (5 nodes|1,000 nodes)/.test(line)) console.log(`  ${line.slice(2)}`)
  if (r.status !== 0) console.log(`  the measuring test failed (exit ${r.status}):\n${r.stdout.slice(-2000)}`)
}

if (import.meta.url === `file://${process.argv[1]}`) benchConsoleFrames()
