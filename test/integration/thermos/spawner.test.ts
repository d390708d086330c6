import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, type Layer, TestClock, TestContext } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { ProcessStatus } from "../../../src/domain/thermos/checkpoint.ts"
import { ProcessSpawnerNode } from "../../../src/layers/process/node.ts"
import { ProcessSpawnerSimulated } from "../../../src/layers/process/simulated.ts"
import { ProcessSpawner } from "../../../src/services/ProcessSpawner.ts"
import { sleep, tempDir } from "./helpers.ts"

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

/** The same contract for the real and the simulated spawner. */
const contract = (
  name: string,
  layer: Layer.Layer<ProcessSpawner>,
  advance: (ms: number) => Effect.Effect<void>
) => {
  const run = <A>(f: (dir: string) => Effect.Effect<A, unknown, ProcessSpawner>) => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    return Effect.runPromise(
      f(t.dir).pipe(Effect.provide(layer), Effect.provide(TestContext.TestContext)) as Effect.Effect<A>
    )
  }
  const req = (dir: string, cmdline: string, processName = "p") => ({
    process: processName,
    run: 0,
    seq: 1,
    cmdline,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, THERMOS_TEST: "yes" },
    stdoutPath: join(dir, ".logs", processName, "0", "stdout"),
    stderrPath: join(dir, ".logs", processName, "0", "stderr"),
    coordinatorPath: join(dir, "coordinator.p")
  })
  const until = (path: string, n: number) =>
    Effect.gen(function* () {
      const sp = yield* ProcessSpawner
      let recs: ReadonlyArray<ProcessStatus> = []
      for (let i = 0; i < 500 && recs.length < n; i++) {
        recs = (yield* sp.readRecords(path, 0)).records
        if (recs.length < n) yield* advance(20)
      }
      return recs
    })

  describe(`ProcessSpawner contract: ${name}`, () => {
    it("reports RUNNING then SUCCESS or FAILED with the exit code", async () => {
      const [ok, bad] = await run((dir) =>
        Effect.gen(function* () {
          const sp = yield* ProcessSpawner
          yield* sp.spawn(req(dir, "sleep 0.05"))
          const a = yield* until(join(dir, "coordinator.p"), 2)
          const r2 = { ...req(dir, "sleep 0.05; exit 3"), coordinatorPath: join(dir, "coordinator.q") }
          yield* sp.spawn(r2)
          const b = yield* until(r2.coordinatorPath, 2)
          return [a, b]
        })
      )
      expect(ok.map((r) => [r.seq, r.state])).toEqual([
        [2, "RUNNING"],
        [3, "SUCCESS"]
      ])
      expect(ok[0].pid).toBeGreaterThan(0)
      expect(bad[1]).toMatchObject({ state: "FAILED", return_code: 3 })
    })

    it("SIGTERM to the command ends the run KILLED; killGroup ends the coordinator", async () => {
      const recs = await run((dir) =>
        Effect.gen(function* () {
          const sp = yield* ProcessSpawner
          const s = yield* sp.spawn(req(dir, "sleep 30"))
          const [running] = yield* until(join(dir, "coordinator.p"), 1)
          expect(yield* sp.isAlive(running.pid!)).toBe(true)
          yield* sp.signal(running.pid!, "SIGTERM")
          const all = yield* until(join(dir, "coordinator.p"), 2)
          yield* sp.killGroup(s.coordinatorPid)
          return all
        })
      )
      expect(recs[1]).toMatchObject({ state: "KILLED", return_code: -15 })
    })
  })
}

contract("node", ProcessSpawnerNode, (ms) => Effect.promise(() => sleep(ms)))
contract("simulated", ProcessSpawnerSimulated(), (ms) => TestClock.adjust(ms))

describe("node spawner specifics", () => {
  it("runs in the sandbox with the given environment and logs to files", async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const path = join(t.dir, "coordinator.p")
    await Effect.runPromise(
      Effect.gen(function* () {
        const sp = yield* ProcessSpawner
        yield* sp.spawn({
          process: "p",
          run: 0,
          seq: 1,
          cmdline: 'echo "$THERMOS_TEST $(pwd)"; echo oops >&2; yes | head -c 1 >/dev/null',
          cwd: t.dir,
          env: { PATH: process.env.PATH ?? "/bin", THERMOS_TEST: "yes" },
          stdoutPath: join(t.dir, "out"),
          stderrPath: join(t.dir, "err"),
          coordinatorPath: path
        })
        for (let i = 0; i < 250; i++) {
          const { records } = yield* sp.readRecords(path, 0)
          if (records.length >= 2) return
          yield* Effect.sleep(20)
        }
      }).pipe(Effect.provide(ProcessSpawnerNode))
    )
    expect(readFileSync(join(t.dir, "out"), "utf8")).toBe(`yes ${t.dir}\n`)
    expect(readFileSync(join(t.dir, "err"), "utf8")).toBe("oops\n")
  })
})
