/** clusters.json (client-config.md §2.1): where the client finds each cluster's scheduler. */

import { Either } from "effect"

export interface Cluster {
  readonly name: string
  readonly zk?: string
  readonly zk_port: number
  readonly scheduler_zk_path?: string
  readonly scheduler_uri?: string
  readonly proxy_url?: string
  readonly auth_mechanism: string
  readonly slave_root?: string
  readonly slave_run_directory?: string
  readonly docker_registry: string
  /** Entries are free-form; unknown keys are kept. */
  readonly [key: string]: unknown
}

const DEFAULTS = {
  zk_port: 2181,
  auth_mechanism: "UNAUTHENTICATED",
  docker_registry: "https://registry-1.docker.io"
}

/**
 * Parses one clusters.json document: a list of cluster objects, or an object whose values are
 * cluster objects. Entries without `name` are skipped; any other shape is an error naming the file.
 */
export const parseClusters = (text: string, file: string): Either.Either<ReadonlyArray<Cluster>, string> => {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    return Either.left(`${file}: not valid JSON: ${(e as Error).message}`)
  }
  const entries: ReadonlyArray<unknown> = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === "object"
      ? Object.values(doc)
      : []
  if (!Array.isArray(doc) && (doc === null || typeof doc !== "object"))
    return Either.left(`${file}: expected a list of clusters or an object of clusters`)
  const clusters: Array<Cluster> = []
  for (const [i, entry] of entries.entries()) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      return Either.left(`${file}: cluster entry ${i} is not an object`)
    const e = entry as Record<string, unknown>
    if (typeof e.name !== "string" || e.name === "") continue
    if (e.zk_port !== undefined && !Number.isInteger(e.zk_port))
      return Either.left(`${file}: cluster ${e.name}: zk_port must be an integer`)
    clusters.push({ ...DEFAULTS, ...e, name: e.name } as Cluster)
  }
  return Either.right(clusters)
}

/** Later files replace earlier clusters of the same name. */
export const mergeClusters = (
  ...lists: ReadonlyArray<ReadonlyArray<Cluster>>
): ReadonlyMap<string, Cluster> => {
  const out = new Map<string, Cluster>()
  for (const list of lists) for (const c of list) out.set(c.name, c)
  return out
}

/**
 * Where clusters.json files are read from, in order: `$AURORA_CONFIG_ROOT/clusters.json` (or
 * `/etc/aurora/clusters.json` when unset or empty), then `~/.aurora/clusters.json`.
 */
export const clustersFiles = (
  env: Readonly<Record<string, string | undefined>>,
  home: string
): ReadonlyArray<string> => [
  `${env.AURORA_CONFIG_ROOT ? env.AURORA_CONFIG_ROOT.replace(/\/$/, "") : "/etc/aurora"}/clusters.json`,
  `${home.replace(/\/$/, "")}/.aurora/clusters.json`
]

/** How to reach a cluster's scheduler: through ZooKeeper's serverset, or a direct URI. */
export type SchedulerLocation =
  | { readonly _tag: "ZooKeeper"; readonly zk: string; readonly zkPort: number; readonly path: string }
  | { readonly _tag: "Uri"; readonly uri: string }

export const schedulerLocation = (c: Cluster): Either.Either<SchedulerLocation, string> => {
  if (c.zk !== undefined && c.zk !== "") {
    if (c.scheduler_zk_path === undefined)
      return Either.left(`Cluster ${c.name} has zk but no scheduler_zk_path in clusters.json`)
    return Either.right({ _tag: "ZooKeeper", zk: c.zk, zkPort: c.zk_port, path: c.scheduler_zk_path })
  }
  if (c.scheduler_uri !== undefined && c.scheduler_uri !== "")
    return Either.right({ _tag: "Uri", uri: c.scheduler_uri.replace(/\/$/, "") })
  return Either.left(`Cluster ${c.name} has neither zk nor scheduler_uri in clusters.json`)
}

/** `Unknown cluster: X. Known clusters: a, b` (exit 3 in the client). */
export const unknownClusterMessage = (name: string, known: Iterable<string>): string =>
  `Unknown cluster: ${name}. Known clusters: ${[...known].sort().join(", ")}`

/** Where `npm start` keeps the one-machine cluster's state: `$AURORA_DEVCLUSTER_DIR` or `~/.aurora/devcluster`. */
export const devclusterDir = (env: Readonly<Record<string, string | undefined>>, home: string): string =>
  env.AURORA_DEVCLUSTER_DIR ? env.AURORA_DEVCLUSTER_DIR : `${home.replace(/\/$/, "")}/.aurora/devcluster`

/**
 * The built-in `devcluster`: the one-machine cluster of `npm start`, used only when no clusters.json
 * defines a cluster of that name. Its agent keeps sandboxes under `<dir>/agent`, Mesos-style, with a
 * `latest` link to each executor's current run.
 */
export const builtinDevcluster = (dir: string): Cluster => ({
  ...DEFAULTS,
  name: "devcluster",
  scheduler_uri: "http://127.0.0.1:8081",
  slave_root: `${dir.replace(/\/$/, "")}/agent`,
  slave_run_directory: "latest"
})
