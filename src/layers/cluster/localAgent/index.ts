import { Effect, Schema, type Scope } from "effect"
import { sourcePath } from "../../../sourcePath.ts"
import { LocalAgent, type LocalAgentOptions } from "./agent.ts"

export { LocalAgent, type LocalAgentOptions } from "./agent.ts"

export class LocalAgentStartFailed extends Schema.TaggedError<LocalAgentStartFailed>()(
  "LocalAgentStartFailed",
  {
    reason: Schema.String
  }
) {}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

/** This checkout's `thermos-executor`, run by the current Node. */
export const defaultExecutorCommand = (): string =>
  `${quote(process.execPath)} ${quote(sourcePath("../bin/thermos-executor.mjs"))}`

/** Starts the agent for the scope; closing the scope stops serving (executors keep running). */
export const startLocalAgent = (
  options: Omit<LocalAgentOptions, "executorCommand"> & { readonly executorCommand?: string }
): Effect.Effect<LocalAgent, LocalAgentStartFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const agent = new LocalAgent({
          ...options,
          executorCommand: options.executorCommand ?? defaultExecutorCommand()
        })
        await agent.start()
        return agent
      },
      catch: (e) => new LocalAgentStartFailed({ reason: e instanceof Error ? e.message : String(e) })
    }),
    (agent) => Effect.promise(() => agent.stop())
  )
