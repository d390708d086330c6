/** LOAD (client-config.md §3.6) for verbs that talk to a scheduler: tiers come from getTierConfigs. */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import {
  type ClusterJobKey,
  type LoadedJob,
  loadJob,
  type TierConfig,
  toJobConfiguration
} from "../../domain/config/index.ts"
import type { JobConfiguration } from "../../domain/model/index.ts"
import { localUser, nodeHost } from "../../layers/config/nodeHost.ts"
import { checkResponse, type Scheduler } from "./scheduler.ts"
import { CliExit, EXIT, err, parseBindings, readSource } from "./shared.ts"

export interface LoadOptions {
  readonly config: string
  readonly bind: ReadonlyArray<string>
  readonly readJson: boolean
}

const tiersOf = (result: {
  readonly defaultTierName: string
  readonly tiers: ReadonlyArray<{
    readonly name: string
    readonly settings: Readonly<Record<string, string>>
  }>
}): TierConfig => ({
  defaultTier: result.defaultTierName,
  tiers: result.tiers.map((t) => ({
    name: t.name,
    preemptible: t.settings.preemptible === "true",
    revocable: t.settings.revocable === "true"
  }))
})

const loadError = (message: string, code: number) =>
  new CliExit({
    code,
    message: code === EXIT.INVALID_CONFIGURATION ? `Error loading configuration: ${message}` : message
  })

export interface Loaded {
  readonly loaded: LoadedJob
  readonly configuration: JobConfiguration
}

/** Reads, evaluates and converts the job `key` of the file; any failure is exit 3 (or 1 for fatal checks). */
export const loadForScheduler = (
  scheduler: Scheduler,
  key: ClusterJobKey,
  o: LoadOptions
): Effect.Effect<Loaded, CliExit> =>
  Effect.gen(function* () {
    const host = nodeHost()
    const bindings = yield* parseBindings(o.bind)
    const source = yield* readSource(o.config, o.readJson, host)
    const tiersResp = yield* scheduler.call("getTierConfigs", {})
    yield* checkResponse(tiersResp, "Error loading configuration:", EXIT.INVALID_CONFIGURATION)
    const tiers = tiersResp.result ? tiersOf(tiersResp.result.getTierConfigResult) : undefined
    const loaded = loadJob({ source, key, bindings, ...(tiers ? { tiers } : {}) }, host)
    if (Either.isLeft(loaded)) return yield* loadError(loaded.left.message, loaded.left.exitCode)
    for (const w of loaded.right.warnings) yield* err(`WARN] ${w}`)
    const conf = toJobConfiguration(loaded.right.job, localUser())
    if (Either.isLeft(conf)) return yield* loadError(conf.left.message, conf.left.exitCode)
    return { loaded: loaded.right, configuration: conf.right }
  })
