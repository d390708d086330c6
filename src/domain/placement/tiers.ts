import { Either, Schema } from "effect"
import { decodeWithMessages, type TaskConfig } from "../model/index.ts"

export const TierInfo = Schema.Struct({ preemptible: Schema.Boolean, revocable: Schema.Boolean })
export type TierInfo = typeof TierInfo.Type

export const TierConfig = Schema.Struct({
  default: Schema.String,
  tiers: Schema.Record({ key: Schema.String, value: TierInfo })
}).annotations({ identifier: "TierConfig" })
export type TierConfig = typeof TierConfig.Type

/** Aurora's bundled tiers.json. */
export const DEFAULT_TIER_CONFIG: TierConfig = {
  default: "preemptible",
  tiers: {
    preferred: { preemptible: false, revocable: false },
    preemptible: { preemptible: true, revocable: false },
    revocable: { preemptible: true, revocable: true }
  }
}

/** Parses a `-tier_config` file's text; errors name the file and the problem. */
export const parseTierConfig = (text: string, source = "tier config"): Either.Either<TierConfig, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Either.left(`${source}: invalid JSON: ${(e as Error).message}`)
  }
  return Either.flatMap(
    Either.mapLeft(decodeWithMessages(TierConfig)(json), (msgs) => `${source}: ${msgs.join("; ")}`),
    (cfg) =>
      Object.keys(cfg.tiers).length === 0
        ? Either.left(`${source}: tiers must not be empty`)
        : cfg.default.length === 0
          ? Either.left(`${source}: default tier must not be empty`)
          : !(cfg.default in cfg.tiers)
            ? Either.left(`${source}: default tier '${cfg.default}' is not among the tiers`)
            : Either.right(cfg)
  )
}

export const isProductionTier = (t: TierInfo): boolean => !(t.preemptible || t.revocable)

export interface ResolvedTier {
  readonly name: string
  readonly info: TierInfo
  readonly production: boolean
}

/** Task tier (unset -> default); unknown names give Aurora's message. */
export const resolveTier = (
  tier: string | undefined,
  config: TierConfig = DEFAULT_TIER_CONFIG
): Either.Either<ResolvedTier, string> => {
  const name = tier ?? config.default
  if (!Object.hasOwn(config.tiers, name)) return Either.left(`Invalid tier '${name}' in TaskConfig.`)
  const info = config.tiers[name]
  return Either.right({ name, info, production: isProductionTier(info) })
}

/** Tier of a stored (validated) task; falls back to the default tier for unknown names. */
export const tierInfoOf = (task: TaskConfig, config: TierConfig = DEFAULT_TIER_CONFIG): TierInfo => {
  const name = task.tier ?? config.default
  return Object.hasOwn(config.tiers, name) ? config.tiers[name] : config.tiers[config.default]
}

/**
 * Client backfill of an old-style config: no tier + production -> first non-preemptible non-revocable
 * tier; no tier + non-production -> first preemptible non-revocable tier (else the default);
 * tier set -> production = !preemptible.
 */
export const backfillTier = (
  tier: string | undefined,
  production: boolean,
  config: TierConfig = DEFAULT_TIER_CONFIG
): { readonly tier: string; readonly production: boolean } => {
  const entries = Object.entries(config.tiers)
  if (tier !== undefined) {
    const info = config.tiers[tier]
    return { tier, production: info === undefined ? production : !info.preemptible }
  }
  if (production) {
    const found = entries.find(([, t]) => !t.preemptible && !t.revocable)
    return { tier: found?.[0] ?? config.default, production }
  }
  const found = entries.find(([, t]) => t.preemptible && !t.revocable)
  return { tier: found?.[0] ?? config.default, production }
}
