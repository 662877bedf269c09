// Bundles the browser code in web/ (the cluster console and the simulation reports) with esbuild into
// dist/web/: one self-contained ES module per entry point, no CDN, works offline. Run by `npm run build`
// after tsc. Type-checking of web/ is tsconfig.web.json's (DOM types), also run by the build.
import { build } from 'esbuild'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'web')
mkdirSync(out, { recursive: true })
const entries = ['console', 'report'].map(n => join(root, 'web', `${n}.ts`)).filter(f => existsSync(f))
if (entries.length > 0) {
  await build({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    loader: { '.css': 'text' },
    logLevel: 'warning'
  })
}
