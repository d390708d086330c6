/** Client-side key grammars (client-config.md §2.2-2.4): job keys, instance specs, wildcard keys. */

import { Either } from "effect"
import type { ClusterJobKey } from "../config/load.ts"
import { isGoodIdentifier } from "../model/identifiers.ts"

const IDENTIFIER_RULE = "may contain only letters, digits, '_', '-' and '.'"

const checkParts = (
  cluster: string,
  role: string,
  environment: string,
  name: string
): Either.Either<ClusterJobKey, string> => {
  if (cluster === "") return Either.left("cluster must not be empty")
  for (const [what, v] of [
    ["role", role],
    ["environment", environment],
    ["name", name]
  ] as const) {
    if (!isGoodIdentifier(v)) return Either.left(`${what} ${JSON.stringify(v)} ${IDENTIFIER_RULE}`)
  }
  return Either.right({ cluster, role, environment, name })
}

/** `CLUSTER/ROLE/ENV/NAME`: exactly four parts; the message says what is wrong. */
export const parseClusterJobKey = (text: string): Either.Either<ClusterJobKey, string> => {
  const parts = text.split("/")
  if (parts.length !== 4) return Either.left("a job key must have the form CLUSTER/ROLE/ENV/NAME")
  return checkParts(parts[0], parts[1], parts[2], parts[3])
}

/** `N` or `A-B` items, comma separated, into a sorted de-duplicated list (§2.4 quirks kept). */
export const parseInstanceList = (text: string): Either.Either<ReadonlyArray<number>, string> => {
  const out = new Set<number>()
  for (const item of text.split(",")) {
    const bounds = item.trim().split("-")
    if (bounds.some((b) => !/^\d+$/.test(b))) return Either.left(`Invalid instance ${JSON.stringify(item)}`)
    // `1-2-3` reads as 1..3, as in the original.
    const first = Number(bounds[0])
    const last = Number(bounds[bounds.length - 1])
    if (first > last) return Either.left(`Invalid instance range ${JSON.stringify(item)}`)
    if (last - first > 100_000) return Either.left(`Instance range ${JSON.stringify(item)} is too large`)
    for (let i = first; i <= last; i++) out.add(i)
  }
  return Either.right([...out].sort((a, b) => a - b))
}

export interface InstanceSpec {
  readonly job: ClusterJobKey
  /** undefined = all instances. */
  readonly instances: ReadonlyArray<number> | undefined
}

/** `CLUSTER/ROLE/ENV/NAME[/INSTANCES]`; an empty INSTANCES (trailing slash) means all. */
export const parseInstanceSpec = (text: string): Either.Either<InstanceSpec, string> => {
  if (text === "") return Either.left("an instance spec must not be empty")
  const parts = text.split("/")
  if (parts.length !== 4 && parts.length !== 5)
    return Either.left("an instance spec must have the form CLUSTER/ROLE/ENV/JOB[/INSTANCES]")
  return Either.flatMap(
    checkParts(parts[0], parts[1], parts[2], parts[3]),
    (job): Either.Either<InstanceSpec, string> =>
      parts.length === 4 || parts[4] === ""
        ? Either.right({ job, instances: undefined })
        : Either.map(parseInstanceList(parts[4]), (instances) => ({ job, instances }))
  )
}

/** `CLUSTER/ROLE/ENV/NAME/N` with a single instance (`job add`, `task scp`). */
export const parseTaskInstance = (
  text: string
): Either.Either<{ readonly job: ClusterJobKey; readonly instance: number }, string> => {
  const parts = text.split("/")
  if (parts.length !== 5)
    return Either.left("a task instance must have the form CLUSTER/ROLE/ENV/NAME/INSTANCE")
  if (!/^\d+$/.test(parts[4]))
    return Either.left(`instance ${JSON.stringify(parts[4])} must be a single integer`)
  return Either.map(checkParts(parts[0], parts[1], parts[2], parts[3]), (job) => ({
    job,
    instance: Number(parts[4])
  }))
}

/** Consecutive runs of instance ids as closed ranges (thrift `Range{first,last}`). */
export const instanceRanges = (
  ids: ReadonlyArray<number>
): ReadonlyArray<{ readonly first: number; readonly last: number }> => {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const ranges: Array<{ first: number; last: number }> = []
  for (const id of sorted) {
    const last = ranges[ranges.length - 1]
    if (last !== undefined && id === last.last + 1) last.last = id
    else ranges.push({ first: id, last: id })
  }
  return ranges
}

/** A wildcard key: 1-4 segments, missing trailing segments become `*` (§2.3). */
export interface WildcardKey {
  readonly cluster: string
  readonly role: string
  readonly environment: string
  readonly name: string
}

export const parseWildcardKey = (text: string): Either.Either<WildcardKey, string> => {
  const parts = text.split("/")
  if (text === "" || parts.length > 4 || parts.some((p) => p === ""))
    return Either.left("a job key pattern must have the form CLUSTER[/ROLE[/ENV[/NAME]]]")
  const [cluster, role = "*", environment = "*", name = "*"] = parts
  return Either.right({ cluster, role, environment, name })
}

export const isWildcard = (k: WildcardKey): boolean =>
  [k.cluster, k.role, k.environment, k.name].some((p) => /[*?[]/.test(p))

/** fnmatch: `*`, `?` and `[...]` classes (with `!` negation), anchored at both ends. */
export const fnmatch = (pattern: string, text: string): boolean => {
  let re = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === "*") re += ".*"
    else if (c === "?") re += "."
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2)
      if (end < 0) re += "\\["
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\")
        if (body.startsWith("!")) body = `^${body.slice(1)}`
        re += `[${body}]`
        i = end
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
  }
  return new RegExp(`^${re}$`, "s").test(text)
}

export const matchesWildcard = (k: WildcardKey, job: ClusterJobKey): boolean =>
  fnmatch(k.cluster, job.cluster) &&
  fnmatch(k.role, job.role) &&
  fnmatch(k.environment, job.environment) &&
  fnmatch(k.name, job.name)
