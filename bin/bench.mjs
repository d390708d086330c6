#!/usr/bin/env node
// `npm run bench -- NAME` runs bench/NAME.ts in its own process; with no name it lists the benchmarks.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bench")
const names = readdirSync(benchDir)
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort()
const [name, ...rest] = process.argv.slice(2)
if (!name) {
  process.stdout.write(`benchmarks (npm run bench -- NAME):\n${names.map((n) => `  ${n}`).join("\n")}\n`)
  process.exit(0)
}
const file = join(benchDir, `${name}.ts`)
if (!existsSync(file)) {
  process.stderr.write(`bench: no benchmark named '${name}'; known: ${names.join(", ")}\n`)
  process.exit(2)
}
const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file, ...rest], {
  stdio: "inherit"
})
process.exit(result.status ?? 1)
