// Runs one of the project's TypeScript programs. The program is bundled with esbuild into
// .build/NAME.mjs, tree-shaking Effect down to what it uses, and rebuilt whenever a source file or the
// lockfile is newer than the bundle: it starts faster and needs far less memory than loading sources
// and package barrels through tsx. AURORA_NO_BUNDLE=1 runs the sources through tsx instead.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const NATIVE_PACKAGES = [
  "better-sqlite3",
  "msgpackr-extract",
  "bufferutil",
  "utf-8-validate",
  "@parcel/watcher"
]

const newestSourceMtime = (dir) => {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const mtime = entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs
    if (mtime > newest) newest = mtime
  }
  return newest
}

const bundle = async (name, entry) => {
  const outfile = join(root, ".build", `${name}.mjs`)
  const builtAt = existsSync(outfile) ? statSync(outfile).mtimeMs : 0
  const lockfile = join(root, "package-lock.json")
  const inputsAt = Math.max(
    newestSourceMtime(join(root, "src")),
    existsSync(lockfile) ? statSync(lockfile).mtimeMs : 0
  )
  if (builtAt > inputsAt) return outfile
  const { build } = await import("esbuild")
  mkdirSync(dirname(outfile), { recursive: true })
  // Written aside and renamed, so concurrent starts never import a half-written bundle.
  const temporary = `${outfile}.${process.pid}.tmp.mjs`
  await build({
    entryPoints: [entry],
    outfile: temporary,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Native addons and optional native speed-ups stay outside the bundle.
    external: NATIVE_PACKAGES,
    // Bundled CommonJS dependencies call require(); give them one.
    banner: {
      js: 'import { createRequire as __auroraRequire } from "node:module"; const require = __auroraRequire(import.meta.url);'
    },
    logLevel: "error"
  })
  renameSync(temporary, outfile)
  return outfile
}

export const runProgram = async (name) => {
  const entry = join(root, "src", "programs", name, "main.ts")
  if (!existsSync(entry)) {
    process.stderr.write(`${name}: not yet built; see the project's open issues.\n`)
    process.exit(1)
  }
  if (process.env.AURORA_NO_BUNDLE === "1") {
    const { register } = await import("tsx/esm/api")
    register()
    await import(pathToFileURL(entry).href)
    return
  }
  await import(pathToFileURL(await bundle(name, entry)).href)
}
