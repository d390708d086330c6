import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  parseBytes,
  parseDuration,
  parseMembers,
  storageLayerFromFlags
} from "../../../src/programs/aurora-scheduler/log-flags.ts"
import { opsOnly, Storage } from "../../../src/services/Storage.ts"
import { makeTask } from "./fixtures.ts"

describe("log flags", () => {
  it("parse Aurora's amounts and the member list, naming the flag on bad input", () => {
    expect(parseDuration("native_log_write_timeout", "3secs")).toBe(3000)
    expect(parseDuration("dlog_snapshot_interval", "1hrs")).toBe(3_600_000)
    expect(parseBytes("dlog_max_entry_size", "512KB")).toBe(524_288)
    expect(() => parseDuration("native_log_write_timeout", "3 seconds")).toThrow(
      "--native_log_write_timeout: '3 seconds' is not a duration"
    )
    expect([...parseMembers("0=127.0.0.1:9000,1=127.0.0.1:9001")]).toEqual([
      [0, { host: "127.0.0.1", port: 9000 }],
      [1, { host: "127.0.0.1", port: 9001 }]
    ])
    expect(() => parseMembers("0=a:1,0=b:2")).toThrow("member 0 is listed twice")
    expect(() => parseMembers("zero=a:1")).toThrow("'zero=a:1' is not ID=HOST:PORT")
  })

  it("without --native_log_members select the embedded log; with auto-initialization a fresh one just works", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-flags-"))
    try {
      const flags = {
        quorum: 1,
        path: dir,
        members: Option.none(),
        memberId: 0,
        autoInitialize: true,
        writeTimeoutMs: 3000,
        readTimeoutMs: 5000,
        electionTimeoutMs: 15000,
        electionRetries: 20,
        snapshotIntervalMs: 3_600_000,
        maxEntrySize: 524_288,
        backupDir: Option.none(),
        backupIntervalMs: 3_600_000,
        maxSavedBackups: 48
      }
      const n = await Effect.runPromise(
        Effect.gen(function* () {
          const storage = yield* Storage
          yield* storage.start
          yield* storage.write(() => opsOnly({ _tag: "SaveTasks", tasks: [makeTask(1)] }))
          return yield* storage.read((s) => s.tasks.size)
        }).pipe(Effect.provide(storageLayerFromFlags(flags)))
      )
      expect(n).toBe(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
