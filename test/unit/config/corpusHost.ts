import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Either from "effect/Either"
import {
  type ConfigHost,
  clusterKeyToString,
  listJobs,
  loadJob,
  type Source,
  toJobConfiguration
} from "../../../src/domain/config/index.ts"

export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "corpus")

/** A deterministic host: fixed user, clock and environment; files from the corpus folder. */
export const corpusHost = (env: Record<string, string> = {}): ConfigHost => ({
  env: { AURORA_TEST_HOME: "/home/tester", ...env },
  user: "tester",
  now: 1_700_000_000_000,
  cwd: CORPUS,
  readFile: (p) => {
    try {
      return readFileSync(p, "utf8")
    } catch {
      return undefined
    }
  },
  digest: (algo, text) => {
    try {
      return createHash(algo).update(text, "utf8").digest("hex")
    } catch {
      return undefined
    }
  }
})

export const corpusFiles = (): string[] =>
  readdirSync(CORPUS)
    .filter((f) => f.endsWith(".aurora") || (f.endsWith(".json") && !f.endsWith(".expected.json")))
    .filter((f) => f !== "common.aurora")
    .sort()

export const sourceOf = (file: string): Source => ({
  text: readFileSync(join(CORPUS, file), "utf8"),
  file: join(CORPUS, file),
  json: file.endsWith(".json")
})

/** Loads every job of a corpus file and converts it; executor data is parsed for readable diffs. */
export const renderCorpusFile = (file: string) => {
  const host = corpusHost()
  const source = sourceOf(file)
  const keys = listJobs(source, [], host)
  if (Either.isLeft(keys)) throw new Error(keys.left.message)
  const configs: Record<string, unknown> = {}
  for (const key of keys.right) {
    const loaded = loadJob({ source, key, bindings: [] }, host)
    if (Either.isLeft(loaded)) throw new Error(`${clusterKeyToString(key)}: ${loaded.left.message}`)
    const conf = toJobConfiguration(loaded.right.job, "tester")
    if (Either.isLeft(conf)) throw new Error(`${clusterKeyToString(key)}: ${conf.left.message}`)
    const exec = conf.right.taskConfig.executorConfig
    configs[clusterKeyToString(key)] = {
      ...conf.right,
      taskConfig: {
        ...conf.right.taskConfig,
        executorConfig:
          exec?.name === "AuroraExecutor" ? { name: exec.name, data: JSON.parse(exec.data) } : exec
      }
    }
  }
  return { jobs: keys.right.map(clusterKeyToString), configs }
}
