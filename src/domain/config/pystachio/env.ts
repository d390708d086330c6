/** Bindings made by `.bind()`: refs mapped to strings or typed objects. */
import { fail } from "../python/errors.ts"
import { isNumber, type Kwargs, PyDict, PyObject, repr, str, typeName, type Value } from "../python/values.ts"
import { PObj } from "./objects.ts"
import { type Namable, parseRef, type Ref, type Resolved } from "./template.ts"

export class Env implements Namable {
  readonly table = new Map<string, { ref: Ref; value: string | PObj }>()
  find(ref: Ref, from: number): Resolved | undefined {
    const address = from === 0 ? ref.address : undefined
    if (address !== undefined) {
      const hit = this.table.get(address)
      if (hit) return hit.value
    }
    let best: { len: number; value: PObj } | undefined
    const want = ref.comps.length - from
    for (const { ref: k, value } of this.table.values()) {
      const n = k.comps.length
      if (n > want) continue
      let ok = true
      for (let i = 0; i < n; i++) {
        const a = k.comps[i]
        const b = ref.comps[from + i]
        if (a.name !== b.name || a.index !== b.index) {
          ok = false
          break
        }
      }
      if (!ok) continue
      if (n === want) return value
      if (value instanceof PObj && (!best || n > best.len)) best = { len: n, value }
    }
    if (best) return best.value.find(ref, from + best.len)
    return undefined
  }
  set(address: string, value: string | PObj): void {
    const ref = parseRef(address)
    if (!ref) fail("ValueError", `invalid binding name ${repr(address)}`)
    this.table.set(ref!.address, { ref: ref!, value })
  }
}

const envValue = (v: Value): string | PObj | PyDict => {
  if (v instanceof PObj) return v
  if (v instanceof PyDict) return v
  if (typeof v === "string") return v
  if (typeof v === "boolean") return v ? "True" : "False"
  if (isNumber(v)) return str(v)
  return fail(
    "ValueError",
    `Environment values must be strings, numbers, Objects or dicts, got ${typeName(v)}`
  )
}

const fillEnv = (env: Env, prefix: string, d: PyDict | Kwargs): void => {
  const entries = d instanceof PyDict ? d.entries() : [...d.entries()]
  for (const [k, v] of entries) {
    const key = k instanceof PObj ? k.interpolate().obj.str() : typeof k === "string" ? k : str(k)
    const address = prefix ? `${prefix}.${key}` : key
    const w = envValue(v)
    if (w instanceof PyDict) fillEnv(env, address, w)
    else env.set(address, w)
  }
}

export const toScopes = (args: Value[], kw: Kwargs): Namable[] => {
  const out: Namable[] = []
  for (const a of args) {
    if (a instanceof PObj) out.push(a)
    else if (a instanceof PyObject && (a as PyObject & { env?: unknown }).env instanceof Env) {
      out.push((a as PyObject & { env: Env }).env)
    } else if (a instanceof PyDict) {
      const env = new Env()
      fillEnv(env, "", a)
      out.push(env)
    } else fail("ValueError", `bind() expects dicts, objects or keyword arguments, got ${typeName(a)}`)
  }
  if (kw.size > 0) {
    const env = new Env()
    fillEnv(env, "", kw)
    out.push(env)
  }
  return out
}
