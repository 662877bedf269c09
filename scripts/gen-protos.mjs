// Regenerates src/wire/*.ts from src/wire/*.proto with protons.
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const protos = readdirSync('src/wire').filter(f => f.endsWith('.proto')).map(f => `src/wire/${f}`)
execFileSync('npx', ['protons', ...protos], { stdio: 'inherit' })
