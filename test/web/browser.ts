// Debian's Chromium driven by playwright-core, for the browser tests (issue 14). The browser is the
// machine's own (/usr/bin/chromium, installed by .ci/run with apt when missing): nothing is downloaded.
// Flags as this sandbox needs them: headless, no sandbox as root, no background networking (the closed
// network refuses it); playwright gives each launch a fresh profile.
import { join } from 'node:path'
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface OpenBrowser {
  browser: Browser
  /** A new page whose console errors and page errors are collected in `errors`. */
  page: () => Promise<{ page: Page, errors: string[] }>
  close: () => Promise<void>
}

export async function openBrowser (): Promise<OpenBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader']
  })
  return {
    browser,
    page: async () => {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(m.text()) })
      page.on('pageerror', (e: Error) => { errors.push(e.message) })
      return { page, errors }
    },
    close: async () => {
      await browser.close()
    }
  }
}

/** Where tests save screenshots (kept as test artifacts; ignored by git). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts')
