#!/usr/bin/env node
// The registry mirror we install from serves only the Linux builds of some platform-specific optional
// packages (Biome, Rollup, msgpackr-extract), so `npm install` leaves them out of package-lock.json and
// `npm ci` then rejects the lockfile as out of sync. This records each missing one as an optional entry
// with its os/cpu/libc, which `npm ci` skips on other platforms without fetching anything.
// Run after `npm install` changes the lockfile: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from "node:fs"

const lockPath = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(lockPath, "utf8"))
const packages = lock.packages

const OSES = [
  "android",
  "darwin",
  "freebsd",
  "openbsd",
  "openharmony",
  "win32",
  "linux",
  "sunos",
  "aix",
  "netbsd"
]
const CPUS = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "mips64el"]

const platformOf = (name) => {
  const parts = name.split("/").pop().split("-")
  const os = parts.find((p) => OSES.includes(p))
  const cpu = parts.find((p) => CPUS.includes(p))
  if (!os || !cpu) return undefined
  const libc = os === "linux" ? (name.includes("musl") ? "musl" : "glibc") : undefined
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) }
}

let added = 0
for (const meta of Object.values(packages)) {
  for (const [dep, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`
    if (packages[key]) continue
    const platform = platformOf(dep)
    const version = range.replace(/^[\^~=]/, "")
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue
    packages[key] = { version, ...(meta.dev ? { dev: true } : {}), optional: true, ...platform }
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0))
)
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
process.stdout.write(`complete-lock: recorded ${added} platform-only optional package(s)\n`)
