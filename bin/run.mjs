// Runs one of the project's TypeScript programs through tsx, so no build step is needed.
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { register } from "tsx/esm/api"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

export const runProgram = async (name) => {
  const entry = join(root, "src", "programs", name, "main.ts")
  if (!existsSync(entry)) {
    process.stderr.write(`${name}: not yet built; see the project's open issues.\n`)
    process.exit(1)
  }
  register()
  await import(pathToFileURL(entry).href)
}
