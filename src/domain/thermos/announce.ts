import { Either } from "effect"
import type { ServiceInstance } from "../coordinator/serverset.ts"
import type { Announcer } from "./config.ts"

/**
 * Port map of executor.md §8: the announcer's portmap (with `{{primary_port}}` filled in) overlaid
 * with the scheduler-assigned ports, alias chains resolved; names that resolve to no integer are dropped.
 */
export const resolvePorts = (
  announce: Announcer | undefined,
  assigned: Readonly<Record<string, number>>
): Either.Either<Record<string, number>, string> => {
  const raw: Record<string, string | number> = {}
  if (announce !== undefined)
    for (const [k, v] of Object.entries(announce.portmap))
      raw[k] = v.replace(/\{\{\s*primary_port\s*\}\}/g, announce.primary_port)
  for (const [k, v] of Object.entries(assigned)) raw[k] = v
  const out: Record<string, number> = {}
  for (const name of Object.keys(raw)) {
    const seen = new Set<string>([name])
    let v: string | number = raw[name]
    for (;;) {
      if (typeof v === "number") {
        out[name] = v
        break
      }
      if (/^\d+$/.test(v)) {
        out[name] = Number(v)
        break
      }
      if (!(v in raw)) break
      if (seen.has(v)) return Either.left(`Cycle in announcer portmap at '${name}'`)
      seen.add(v)
      v = raw[v]
    }
  }
  return Either.right(out)
}

/** The announcer's serverset member (executor.md §8); encoded by the coordinator's encodeMember. */
export const announcerMember = (
  host: string,
  ports: Readonly<Record<string, number>>,
  primaryPort: string,
  shard: number
): ServiceInstance => ({
  serviceEndpoint: { host, port: ports[primaryPort] ?? 0 },
  additionalEndpoints: Object.fromEntries(Object.entries(ports).map(([k, p]) => [k, { host, port: p }])),
  status: "ALIVE",
  shard
})

/** Serverset path: `<base>/<role>/<environment>/<job name>`. */
export const serversetPath = (base: string, role: string, environment: string, name: string) =>
  `${base.replace(/\/$/, "")}/${role}/${environment}/${name}`
