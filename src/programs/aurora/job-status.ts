/** `aurora job status`, `job list` and `job open` (client-config.md §1.1, §2.3). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import {
  fnmatch,
  isWildcard,
  matchesWildcard,
  parseWildcardKey,
  statusJson,
  statusLines,
  type WildcardKey
} from "../../domain/client/index.ts"
import { type ClusterJobKey, clusterKeyToString } from "../../domain/config/index.ts"
import type { ScheduledTask } from "../../domain/model/index.ts"
import { checkResponse, findCluster, jobUrl, loadClusters, schedulerFor } from "./scheduler.ts"
import { CliExit, EXIT, openBrowser, out, parseArg, verboseOption, writeJsonOption } from "./shared.ts"
import { jobTasks } from "./wait.ts"

const byPath = (a: ClusterJobKey, b: ClusterJobKey) =>
  clusterKeyToString(a) < clusterKeyToString(b) ? -1 : clusterKeyToString(a) > clusterKeyToString(b) ? 1 : 0

/** The jobs a wildcard key names: as-is without wildcards, else getJobs per cluster and fnmatch. */
export const expandWildcard = (
  k: WildcardKey
): Effect.Effect<ReadonlyArray<ClusterJobKey>, CliExit, Scope.Scope> =>
  Effect.gen(function* () {
    if (!isWildcard(k)) {
      yield* findCluster(k.cluster)
      return [{ cluster: k.cluster, role: k.role, environment: k.environment, name: k.name }]
    }
    const clusters = [...(yield* loadClusters()).keys()].filter((c) => fnmatch(k.cluster, c)).sort()
    const found: Array<ClusterJobKey> = []
    for (const cluster of clusters) {
      const s = yield* schedulerFor(cluster)
      const wildRole = /[*?[]/.test(k.role)
      const resp = yield* s.call("getJobs", wildRole ? {} : { ownerRole: k.role })
      yield* checkResponse(resp, `Error retrieving jobs of cluster ${cluster}:`)
      for (const c of resp.result?.getJobsResult.configs ?? []) {
        const job = { cluster, role: c.key.role, environment: c.key.environment, name: c.key.name }
        if (matchesWildcard(k, job)) found.push(job)
      }
    }
    return found.sort(byPath)
  })

const wildcardArg = Args.text({ name: "CLUSTER[/ROLE[/ENV[/NAME]]]" })

const status = Command.make(
  "status",
  { jobKey: wildcardArg, writeJson: writeJsonOption, verbose: verboseOption },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const k = yield* parseArg("WILDCARD_KEY", o.jobKey, parseWildcardKey)
        const spec = `${k.cluster}/${k.role}/${k.environment}/${k.name}`
        const jobs = yield* expandWildcard(k)
        const found: Array<{ key: ClusterJobKey; tasks: ReadonlyArray<ScheduledTask> }> = []
        for (const key of jobs) {
          const s = yield* schedulerFor(key.cluster)
          const tasks = yield* jobTasks(s, key)
          if (tasks.length > 0) found.push({ key, tasks })
        }
        if (found.length === 0) {
          if (o.writeJson)
            return yield* out(JSON.stringify({ jobspec: spec, error: "No matching jobs found" }))
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message: `Found no jobs matching ${spec}`
          })
        }
        if (o.writeJson) {
          yield* out(
            JSON.stringify(
              found.map((j) => statusJson(clusterKeyToString(j.key), j.tasks)),
              null,
              2
            )
          )
        } else {
          for (const j of found) for (const line of statusLines(j.tasks)) yield* out(line)
        }
      })
    )
).pipe(Command.withDescription("Show the status of a job's tasks (wildcards allowed)"))

const list = Command.make("list", { jobKey: wildcardArg, verbose: verboseOption }, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const k = yield* parseArg("WILDCARD_KEY", o.jobKey, parseWildcardKey)
      // A full key is echoed without asking the scheduler, as the original does.
      if (!isWildcard(k)) return yield* out(`${k.cluster}/${k.role}/${k.environment}/${k.name}`)
      for (const key of yield* expandWildcard(k)) yield* out(clusterKeyToString(key))
    })
  )
).pipe(Command.withDescription("List the jobs matching a key (wildcards allowed)"))

const open = Command.make(
  "open",
  { key: Args.text({ name: "CLUSTER[/ROLE[/ENV[/NAME]]]" }), verbose: verboseOption },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const parts = o.key.split("/")
        if (parts.length > 4 || parts.some((p) => p === ""))
          return yield* new CliExit({
            code: EXIT.ARGS,
            message: `argument CLUSTER[/ROLE[/ENV[/NAME]]]: invalid value "${o.key}"`
          })
        const s = yield* schedulerFor(parts[0])
        const url = jobUrl(s, ...parts.slice(1))
        yield* out(url)
        yield* openBrowser(url)
      })
    )
).pipe(Command.withDescription("Print (and open, when a browser is available) the scheduler page"))

export const statusCommands = [status, list, open] as const
