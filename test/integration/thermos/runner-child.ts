// A runner in its own process, so a test can SIGKILL it. Usage: runner-child.ts '<RunnerOptions JSON>'
import { Effect } from "effect"
import { makeRunner, type RunnerOptions } from "../../../src/layers/executor/runner.ts"
import { ProcessSpawnerNode } from "../../../src/layers/process/node.ts"

const options = JSON.parse(process.argv[2]) as RunnerOptions
Effect.runPromise(
  makeRunner(options).pipe(
    Effect.flatMap((r) => r.run),
    Effect.provide(ProcessSpawnerNode)
  )
).then(
  (s) => process.stdout.write(`${s}\n`),
  (e) => {
    process.stderr.write(`${e}\n`)
    process.exit(1)
  }
)
