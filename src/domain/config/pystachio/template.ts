import { PyError } from "../python/errors.ts"

/** Mustache references (`{{a.b[c]}}`) and their iterative resolution, as pystachio does it. */

export interface RefComp {
  /** `[x]` component (index) rather than `.x` (dereference). */
  readonly index: boolean
  readonly name: string
}

export interface Ref {
  readonly address: string
  readonly comps: ReadonlyArray<RefComp>
}

const REF_PART = /^(?:\.?([A-Za-z_][\w-]*)|\[([\w\-./]+)\])/

const refCache = new Map<string, Ref | null>()

/** Parses `a.b[c][d]`; null when the text is not a valid reference. */
export const parseRef = (address: string): Ref | null => {
  const hit = refCache.get(address)
  if (hit !== undefined) return hit
  const comps: RefComp[] = []
  let rest = address
  let first = true
  while (rest.length > 0) {
    const m = REF_PART.exec(rest)
    if (!m || (first && m[0].startsWith(".")) || (first && m[2] !== undefined)) {
      refCache.set(address, null)
      return null
    }
    if (!first && m[1] !== undefined && !m[0].startsWith(".")) {
      refCache.set(address, null)
      return null
    }
    comps.push(m[1] !== undefined ? { index: false, name: m[1] } : { index: true, name: m[2] })
    rest = rest.slice(m[0].length)
    first = false
  }
  const ref = comps.length === 0 ? null : { address, comps }
  if (refCache.size < 10_000) refCache.set(address, ref)
  return ref
}

export const refFromComps = (comps: ReadonlyArray<RefComp>): Ref => ({
  comps,
  address: comps.map((c, i) => (c.index ? `[${c.name}]` : i === 0 ? c.name : `.${c.name}`)).join("")
})

/** Something a reference can be looked up in: an environment of bindings or a typed object. */
export interface Namable {
  /** The value at `comps[from..]`, or undefined when this scope does not know it. */
  find(ref: Ref, from: number): Resolved | undefined
}

/** A resolved reference: plain text (bound strings) or an object that renders itself. */
export type Resolved = string | { render(): string }

export const MUSTACHE = /\{\{(&)?([^{}]+?)\}\}/g
const MAX_ITERATIONS = 100
const MAX_TEMPLATE_LENGTH = 1_000_000
const LITERAL_OPEN = "\u0000\u0001"
const LITERAL_CLOSE = "\u0001\u0000"

export const hasMustache = (s: string): boolean => s.includes("{{")

/** Resolves mustaches innermost-first until nothing changes; unresolved refs stay literal. */
export const resolveString = (
  text: string,
  scopes: ReadonlyArray<Namable>
): { readonly text: string; readonly unbound: ReadonlyArray<string> } => {
  let cur = text
  let unbound: string[] = []
  let literal = false
  for (let pass = 0; pass < MAX_ITERATIONS; pass++) {
    let changed = false
    unbound = []
    cur = cur.replace(MUSTACHE, (whole, amp: string | undefined, address: string) => {
      if (amp) {
        literal = true
        changed = true
        return `${LITERAL_OPEN}${address}${LITERAL_CLOSE}`
      }
      const ref = parseRef(address)
      if (ref) {
        for (const scope of scopes) {
          const found = scope.find(ref, 0)
          if (found !== undefined) {
            changed = true
            return typeof found === "string" ? found : found.render()
          }
        }
      }
      unbound.push(address)
      return whole
    })
    if (!changed) break
    if (cur.length > MAX_TEMPLATE_LENGTH) {
      throw new PyError("ResourceLimit", `template expansion exceeded ${MAX_TEMPLATE_LENGTH} characters`)
    }
  }
  if (literal) cur = cur.split(LITERAL_OPEN).join("{{").split(LITERAL_CLOSE).join("}}")
  return { text: cur, unbound: [...new Set(unbound)] }
}

/** Every ref mentioned in a string (used for port discovery and unbound reports). */
export const refsIn = (text: string): string[] => {
  const out: string[] = []
  for (const m of text.matchAll(MUSTACHE)) if (!m[1]) out.push(m[2])
  return out
}
