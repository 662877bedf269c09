// esbuild's loader maps .css to text (scripts/build-web.mjs): a CSS import is the stylesheet's source.
declare module '*.css' {
  const css: string
  export default css
}
