import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  AURORA_EXECUTOR_NAME,
  decodeWithMessages,
  type JobConfiguration
} from "../../../src/domain/model/index.ts"
import { ExecutorData, validateTask } from "../../../src/domain/thermos/index.ts"

// The client writes executor data (client-config.md §4.4) and the executor reads it: every job of the
// configuration corpus must decode with the executor's schema and pass its task validation.
const corpus = join(import.meta.dirname, "..", "config", "corpus")
const expectations = readdirSync(corpus).filter((f) => f.endsWith(".expected.json"))

describe("executor data written by the config module is what the executor reads", () => {
  it("covers the corpus", () => expect(expectations.length).toBeGreaterThan(5))
  for (const name of expectations) {
    it(name, () => {
      const { configs } = JSON.parse(readFileSync(join(corpus, name), "utf8")) as {
        configs: Record<string, JobConfiguration>
      }
      for (const [key, config] of Object.entries(configs)) {
        // Another executor's data is that executor's business (§4.4: copied verbatim).
        if (config.taskConfig.executorConfig?.name !== AURORA_EXECUTOR_NAME) continue
        // The corpus keeps the data string parsed, for readable diffs.
        const raw: unknown = config.taskConfig.executorConfig?.data
        expect(raw, key).toBeDefined()
        const data = decodeWithMessages(ExecutorData)(typeof raw === "string" ? JSON.parse(raw) : raw)
        expect(Either.isRight(data) ? [] : data.left, key).toEqual([])
        if (Either.isRight(data)) {
          expect(data.right.name, key).toBe(config.key.name)
          expect(validateTask(data.right.task), key).toEqual([])
        }
      }
    })
  }
})
