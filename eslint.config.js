// Lint rules for grapevine. The sans-IO rule (ARCHITECTURE.md, "The sans-IO contract") is enforced here: protocol cores may not
// reach for clocks, timers or Math.random.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const sansIo = {
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Protocol cores ask for timers through their Io (ARCHITECTURE.md, "The sans-IO contract").' },
    { name: 'setInterval', message: 'Protocol cores ask for timers through their Io (ARCHITECTURE.md, "The sans-IO contract").' },
    { name: 'setImmediate', message: 'Protocol cores run synchronously (ARCHITECTURE.md, "The sans-IO contract").' },
    { name: 'performance', message: 'Protocol cores read time only from `now` (ARCHITECTURE.md, "The sans-IO contract").' }
  ],
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: 'Protocol cores read time only from `now` (ARCHITECTURE.md, "The sans-IO contract").' },
    { object: 'Math', property: 'random', message: 'Protocol cores use the seeded Rng they are given (ARCHITECTURE.md, "The sans-IO contract").' }
  ]
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/wire/*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off'
    }
  },
  {
    files: ['src/core/**/*.ts', 'src/membership/**/*.ts', 'src/broadcast/**/*.ts', 'src/state/**/*.ts', 'src/gossipsub/**/*.ts', 'src/baselines/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: sansIo
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } }
  },
  {
    files: ['**/*.mjs', 'bench/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', setImmediate: 'readonly', clearTimeout: 'readonly', clearInterval: 'readonly' } }
  }
)
