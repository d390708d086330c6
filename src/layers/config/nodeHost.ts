/** The configuration interpreter's window on this machine: environment, user, clock, files, hashes. */

import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { userInfo } from "node:os"
import type { ConfigHost } from "../../domain/config/index.ts"

export const localUser = (): string => {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? "nobody"
  }
}

export const nodeHost = (): ConfigHost => ({
  env: process.env,
  user: localUser(),
  now: Date.now(),
  cwd: process.cwd(),
  readFile: (path) => {
    try {
      return readFileSync(path, "utf8")
    } catch {
      return undefined
    }
  },
  digest: (algorithm, text) => {
    try {
      return createHash(algorithm).update(text, "utf8").digest("hex")
    } catch {
      return undefined
    }
  }
})
