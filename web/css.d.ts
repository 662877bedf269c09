// esbuild loads `.css` imports as text (scripts/build-web.mjs); the pages inject them as <style> elements.
declare module '*.css' {
  const css: string
  export default css
}
