import { Either } from "effect"

/** Values the executor fills into `{{mesos.*}}` and `{{thermos.*}}` refs (client-config.md §3.5). */
export interface TemplateContext {
  readonly instance?: number
  readonly hostname?: string
  readonly taskId?: string
  readonly user?: string
  readonly ports: Readonly<Record<string, number>>
}

const MUSTACHE = /\{\{([^{}]+)\}\}/g

const lookup = (ref: string, ctx: TemplateContext): string | undefined => {
  const r = ref.trim()
  const port = /^thermos\.ports\[([\w\-./]+)\]$/.exec(r)
  if (port) return ctx.ports[port[1]] === undefined ? undefined : String(ctx.ports[port[1]])
  switch (r) {
    case "mesos.instance":
      return ctx.instance === undefined ? undefined : String(ctx.instance)
    case "mesos.hostname":
      return ctx.hostname
    case "thermos.task_id":
      return ctx.taskId
    case "thermos.user":
      return ctx.user
    default:
      return undefined
  }
}

/** Replaces every known ref in one string; returns the refs left unbound. */
export const interpolateString = (
  s: string,
  ctx: TemplateContext
): { readonly value: string; readonly unbound: ReadonlyArray<string> } => {
  const unbound: Array<string> = []
  const value = s.replace(MUSTACHE, (whole, ref: string) => {
    const v = lookup(ref, ctx)
    if (v === undefined) {
      unbound.push(ref.trim())
      return whole
    }
    return v
  })
  return { value, unbound }
}

/** Refs of the form `{{thermos.ports[NAME]}}` mentioned anywhere in a JSON value. */
export const portRefs = (value: unknown): ReadonlyArray<string> => {
  const names = new Set<string>()
  walkStrings(value, (s) => {
    for (const m of s.matchAll(/\{\{\s*thermos\.ports\[([\w\-./]+)\]\s*\}\}/g)) names.add(m[1])
    return s
  })
  return [...names].sort()
}

const walkStrings = (value: unknown, f: (s: string) => string): unknown => {
  if (typeof value === "string") return f(value)
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, f))
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = walkStrings(v, f)
    return out
  }
  return value
}

/**
 * Interpolates every string inside a JSON value. Fails with the sorted list of refs that stayed
 * unbound (`Task requires unbound port` cases show up as `thermos.ports[x]`).
 */
export const interpolateDeep = <A>(
  value: A,
  ctx: TemplateContext
): Either.Either<A, ReadonlyArray<string>> => {
  const unbound = new Set<string>()
  const out = walkStrings(value, (s) => {
    const r = interpolateString(s, ctx)
    for (const u of r.unbound) unbound.add(u)
    return r.value
  })
  return unbound.size > 0 ? Either.left([...unbound].sort()) : Either.right(out as A)
}
