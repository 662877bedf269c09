// Before `npm test`: the machine programs the tests use — Prometheus' promtool (the /metrics tests) and
// Debian's Chromium (the browser tests) — installed with apt when missing and this runs as root, as on a
// fresh machine of this project's kind. Otherwise it says what to install and fails, rather than letting
// those tests fail one by one.
import { spawnSync } from 'node:child_process'

const TOOLS = [
  { command: 'promtool', pkg: 'prometheus', why: 'checks the agent\'s /metrics text' },
  { command: 'chromium', pkg: 'chromium', why: 'runs the console and report tests in a real browser' }
]
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const missing = TOOLS.filter(t => !has(t.command))
if (missing.length > 0) {
  const pkgs = missing.map(t => t.pkg)
  const root = process.getuid?.() === 0
  if (root && has('apt-get')) {
    console.error(`grapevine tests: installing ${pkgs.join(', ')} with apt (${missing.map(t => `${t.command} ${t.why}`).join('; ')})`)
    const quiet = { stdio: ['ignore', 'ignore', 'inherit'] }
    spawnSync('apt-get', ['update'], quiet)
    const r = spawnSync('apt-get', ['install', '-y', ...pkgs], quiet)
    if (r.status !== 0 || missing.some(t => !has(t.command))) {
      console.error(`grapevine tests: apt-get install -y ${pkgs.join(' ')} failed`)
      process.exit(1)
    }
  } else {
    console.error(`grapevine tests need ${missing.map(t => `${t.command} (${t.why})`).join(' and ')}: install Debian's ${pkgs.join(' and ')} (sudo apt-get install -y ${pkgs.join(' ')}), or set CHROMIUM_PATH to a Chromium`)
    if (!(missing.length === 1 && missing[0].command === 'chromium' && process.env.CHROMIUM_PATH)) process.exit(1)
  }
}
