/**
 * API hooks of a `.aurora` file (client-config.md §6.1): active when the job sets `enable_hooks = True`
 * and the file defines `hooks`. Every hook's `pre_<method>` runs first; a falsy answer (or a failure,
 * logged) vetoes the call, which ends with a clear message and exit 1 (README decision 2: no
 * traceback). After the call, `post_<method>` runs on OK and `err_<method>` otherwise.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { LoadedJob } from "../../domain/config/index.ts"
import { truthy, type Value } from "../../domain/config/python/values.ts"
import { CliExit, EXIT, warn } from "./shared.ts"

const active = (loaded: LoadedJob) =>
  loaded.hooks.length > 0 && loaded.job.field("enable_hooks")?.str() === "True"

const hookName = (hook: Value): string =>
  typeof hook === "object" && hook !== null && "constructor" in hook ? String(hook.constructor.name) : "hook"

/**
 * Runs `call` between the hooks of `method` (e.g. `create_job`); `args` are the method's arguments as
 * the hooks see them.
 */
export const withHooks = <R extends { readonly responseCode: string }, E>(
  loaded: LoadedJob,
  method: string,
  args: ReadonlyArray<Value>,
  call: Effect.Effect<R, E>
): Effect.Effect<R, E | CliExit> =>
  Effect.gen(function* () {
    if (!active(loaded)) return yield* call
    const vetoes: Array<string> = []
    for (const [i, hook] of loaded.hooks.entries()) {
      const r = loaded.invoke(hook, `pre_${method}`, args)
      if (Either.isLeft(r)) {
        yield* warn(`Hook ${i} (${hookName(hook)}) failed in pre_${method}: ${r.left}`)
        vetoes.push(`hook ${i} failed`)
      } else if (r.right !== undefined && !truthy(r.right)) vetoes.push(`hook ${i} said no`)
    }
    if (vetoes.length > 0)
      return yield* new CliExit({
        code: EXIT.DIE,
        message: `Pre hooks stopped call to ${method} (${vetoes.join(", ")})`
      })
    const resp = yield* call
    const ok = resp.responseCode === "OK"
    for (const hook of loaded.hooks) {
      const r = ok
        ? loaded.invoke(hook, `post_${method}`, [resp.responseCode, ...args])
        : loaded.invoke(hook, `err_${method}`, [resp.responseCode, ...args])
      if (Either.isLeft(r)) yield* warn(`Hook failed in ${ok ? "post" : "err"}_${method}: ${r.left}`)
    }
    return resp
  })
