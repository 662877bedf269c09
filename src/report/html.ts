/**
 * Writes a simulation report: one self-contained HTML file (no CDN, works offline from file://) holding the
 * report data as JSON in <script type="application/json" id="data"> and the bundled page script
 * (dist/web/report.js, built from web/report.ts by `npm run build`) inlined in <script type="module">.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { ReportData } from './data.js'

/** The page bundle, next to the compiled module: dist/src/report/html.js → dist/web/report.js. */
const BUNDLE = new URL('../../web/report.js', import.meta.url)

/** JSON safe inside <script>: no "</script>", no "<!--" (every "<" escaped). */
export function scriptJson (data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

export function reportHtml (data: ReportData): string {
  let js: string
  try {
    js = readFileSync(BUNDLE, 'utf8')
  } catch {
    throw new Error(`the report page script ${BUNDLE.pathname} is missing: run \`npm run build\``)
  }
  const title = data.title.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script type="module">${js.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`
}

export function writeReport (file: string, data: ReportData): void {
  writeFileSync(file, reportHtml(data))
}
