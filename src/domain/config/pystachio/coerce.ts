/** Python values into typed objects (pystachio's constructor coercion), and typed data back out. */
import { fail } from "../python/errors.ts"
import {
  floatRepr,
  PyDict,
  PyFloat,
  PyList,
  PyTuple,
  repr,
  str,
  typeName,
  type Value
} from "../python/values.ts"
import { coerceSimple, PList, PMap, PObj, PSimple, PStruct } from "./objects.ts"
import { hasMustache } from "./template.ts"
import { type PType, sameType } from "./types.ts"

// ---------------------------------------------------------------- coercion from Python values

const describe = (v: Value): string => (v instanceof PObj ? v.type.name : typeName(v))

/** Converts a Python value into an object of type `t` (pystachio's constructor coercion). */
export const coerce = (t: PType, v: Value, path: string): PObj => {
  if (v instanceof PObj && sameType(v.type, t)) return v
  switch (t.k) {
    case "simple": {
      let raw: Value = v
      if (v instanceof PSimple)
        raw =
          v.interpolate().unbound.length > 0
            ? (v.raw as Value)
            : ((v.interpolate().obj as PSimple).raw as Value)
      if (
        typeof raw === "string" ||
        typeof raw === "number" ||
        typeof raw === "boolean" ||
        raw instanceof PyFloat
      ) {
        if (t.kind === "Enum" && !(typeof raw === "string" && hasMustache(raw))) {
          const c = coerceSimple(t, raw)
          if (typeof c === "object" && "error" in c)
            fail(
              "ValueError",
              `${path}: ${t.name} only accepts the following values: ${t.values!.join(", ")}`
            )
        }
        return new PSimple(t, raw)
      }
      return fail(
        "TypeError",
        `${path}: expected ${t.name}, got ${describe(v)} ${v instanceof PObj ? "" : repr(v)}`.trim()
      )
    }
    case "list": {
      const items =
        v instanceof PList ? v.iter() : v instanceof PyList || v instanceof PyTuple ? v.items : null
      if (!items) return fail("TypeError", `${path}: expected ${t.name}, got ${describe(v)}`)
      return new PList(
        t,
        items.map((x, i) => coerce(t.elem, x, `${path}[${i}]`))
      )
    }
    case "map": {
      let entries: [Value, Value][]
      if (v instanceof PyDict) entries = v.entries()
      else if (v instanceof PMap)
        entries = v.entries.map(([k, x]) => [k.inScope(v.scopes), x.inScope(v.scopes)])
      else return fail("TypeError", `${path}: expected ${t.name}, got ${describe(v)}`)
      return new PMap(
        t,
        entries.map(
          ([k, x]) => [coerce(t.key, k, `${path}[key]`), coerce(t.value, x, `${path}[${str(k)}]`)] as const
        )
      )
    }
    case "struct": {
      if (v instanceof PyDict) {
        return new PStruct(t, new Map()).update(v.entries().map(([k, x]) => [str(k), x] as const))
      }
      return fail("TypeError", `${path}: expected ${t.name}, got ${describe(v)}`)
    }
    case "choice": {
      if (v instanceof PObj && t.alternatives.some((a) => sameType(a, v.type))) return v
      const errors: string[] = []
      for (const alt of t.alternatives) {
        try {
          return coerce(alt, v, path)
        } catch (e) {
          errors.push(e instanceof Error ? e.message : String((e as { message?: string }).message))
        }
      }
      return fail(
        "TypeError",
        `${path}: expected one of ${t.alternatives.map((a) => a.name).join(", ")}, got ${describe(v)}`
      )
    }
  }
}

// ---------------------------------------------------------------- data rendering

/** Python-side view of `get()`: dicts, lists and scalars. */
export const dataToPython = (d: unknown): Value => {
  if (d instanceof Map)
    return PyDict.from([...d.entries()].map(([k, v]) => [k as Value, dataToPython(v)] as const))
  if (Array.isArray(d)) return new PyList(d.map(dataToPython))
  return d as Value
}

/** JSON text with Python float rendering (`1.0`), keys in declaration order. */
export const renderJson = (d: unknown): string => {
  if (d instanceof PyFloat) return Number.isFinite(d.v) ? floatRepr(d.v) : "null"
  if (d instanceof Map)
    return `{${[...d.entries()].map(([k, v]) => `${JSON.stringify(k)}:${renderJson(v)}`).join(",")}}`
  if (Array.isArray(d)) return `[${d.map(renderJson).join(",")}]`
  return JSON.stringify(d) ?? "null"
}

/** Plain JS data (Maps to objects, floats unboxed). */
export const toPlain = (d: unknown): unknown => {
  if (d instanceof PyFloat) return d.v
  if (d instanceof Map) return Object.fromEntries([...d.entries()].map(([k, v]) => [k, toPlain(v)]))
  if (Array.isArray(d)) return d.map(toPlain)
  return d
}
