/** Pystachio's names as seen from a configuration file: types are callable, factories build types. */
import { fail } from "../python/errors.ts"
import {
  type Kwargs,
  PyBuiltin,
  PyDict,
  PyList,
  PyObject,
  PyTuple,
  str,
  typeName,
  type Value
} from "../python/values.ts"
import { coerce, EMPTY, Env, PObj, PStruct } from "./objects.ts"
import {
  BooleanT,
  ChoiceOf,
  EnumOf,
  type FieldSig,
  FloatT,
  IntegerT,
  ListOf,
  MapOf,
  type PType,
  StringT,
  StructOf,
  sameType
} from "./types.ts"

/** A type used as a Python value: `String`, `List(Process)`, a Struct subclass. */
export class PTypeValue extends PyObject {
  constructor(readonly t: PType) {
    super()
  }
  typeName() {
    return "type"
  }
  override repr() {
    return `<class '${this.t.name}'>`
  }
  override call(args: Value[], kw: Kwargs): Value {
    const t = this.t
    if (t.k === "struct") return new PStruct(t, new Map()).call(args, kw)
    if (kw.size > 0 && t.k !== "map") fail("TypeError", `${t.name}() takes no keyword arguments`)
    if (t.k === "map" && args.length === 0) return coerce(t, PyDict.from([...kw.entries()]), t.name)
    if (args.length !== 1) fail("TypeError", `${t.name}() takes exactly one argument (${args.length} given)`)
    if (t.k === "choice") return coerce(t, args[0], t.name)
    return coerce(t, args[0], t.name)
  }
  instanceCheck(v: Value): boolean {
    return v instanceof PObj && sameType(v.type, this.t)
  }
  override equals(other: Value): boolean {
    return other instanceof PTypeValue && sameType(other.t, this.t)
  }
  override getattr(name: string): Value | undefined {
    if (name === "__name__") return this.t.name
    if (name === "TYPEMAP" && this.t.k === "struct")
      return PyDict.from([...this.t.fields.keys()].map((k) => [k, k] as const))
    return undefined
  }
}

/** `Required(T)` / `Default(T, v)`: a field declaration inside a Struct class body. */
export class TypeSig extends PyObject {
  constructor(readonly sig: FieldSig) {
    super()
  }
  typeName() {
    return "TypeSignature"
  }
}

const asType = (v: Value, what: string): PType => {
  if (v instanceof PTypeValue) return v.t
  return fail("TypeError", `${what} expects a type, got ${typeName(v)}`)
}

const STRUCT_BASE = StructOf("Struct", [])

/** `class X(Struct): a = Required(String) ...` */
export const makeStructClass = (name: string, bases: Value[], attrs: Map<string, Value>): Value => {
  const fields: [string, FieldSig][] = []
  if (bases.length === 0) fail("RefusedConstruct", `class ${name} must derive from Struct`)
  for (const b of bases) {
    const bt = b instanceof PTypeValue ? b.t : null
    if (bt?.k !== "struct") fail("RefusedConstruct", `class ${name}: only Struct subclasses may be defined`)
    for (const f of (bt as PType & { k: "struct" }).order)
      fields.push([f, (bt as PType & { k: "struct" }).fields.get(f)!])
  }
  for (const [k, v] of attrs) {
    let sig: FieldSig | null = null
    if (v instanceof TypeSig) sig = v.sig
    else if (v instanceof PTypeValue) sig = { type: v.t, required: false, default: undefined }
    if (!sig) continue
    const at = fields.findIndex(([n]) => n === k)
    if (at >= 0) fields[at] = [k, sig]
    else fields.push([k, sig])
  }
  return new PTypeValue(StructOf(name, fields))
}

const fn = (name: string, f: (a: Value[], kw: Kwargs) => Value) => new PyBuiltin(name, f)

/** `Environment`: a bindings object usable with `.bind()`. */
class EnvValue extends PyObject {
  constructor(readonly env: Env) {
    super()
  }
  typeName() {
    return "Environment"
  }
}

/** The names pystachio puts in a configuration's namespace. */
export const pystachioNames = (): Map<string, Value> => {
  const n = new Map<string, Value>()
  n.set("String", new PTypeValue(StringT))
  n.set("Integer", new PTypeValue(IntegerT))
  n.set("Float", new PTypeValue(FloatT))
  n.set("Boolean", new PTypeValue(BooleanT))
  n.set("Struct", new PTypeValue(STRUCT_BASE))
  n.set("Empty", EMPTY)
  n.set(
    "List",
    fn("List", (a) => new PTypeValue(ListOf(asType(a[0], "List"))))
  )
  n.set(
    "Map",
    fn("Map", (a) => {
      if (a.length !== 2) fail("TypeError", "Map() takes a key type and a value type")
      return new PTypeValue(MapOf(asType(a[0], "Map"), asType(a[1], "Map")))
    })
  )
  n.set(
    "Enum",
    fn("Enum", (a) => {
      if (a.length === 2 && typeof a[0] === "string" && (a[1] instanceof PyList || a[1] instanceof PyTuple)) {
        return new PTypeValue(
          EnumOf(
            a[0],
            a[1].items.map((x) => str(x))
          )
        )
      }
      const values = a.map((x) =>
        typeof x === "string" ? x : fail("TypeError", "Enum values must be strings")
      )
      return new PTypeValue(EnumOf(`Enum_${values.join("_")}`, values))
    })
  )
  n.set(
    "Choice",
    fn("Choice", (a) => {
      const [name, list] = a.length === 2 ? [str(a[0]), a[1]] : [undefined, a[0]]
      if (!(list instanceof PyList || list instanceof PyTuple))
        return fail("TypeError", "Choice() expects a list of types")
      return new PTypeValue(
        ChoiceOf(
          list.items.map((x) => asType(x, "Choice")),
          name
        )
      )
    })
  )
  n.set(
    "Required",
    fn("Required", (a) => new TypeSig({ type: asType(a[0], "Required"), required: true, default: undefined }))
  )
  n.set(
    "Default",
    fn("Default", (a) => {
      if (a.length !== 2) fail("TypeError", "Default() takes a type and a value")
      const t = asType(a[0], "Default")
      const d = a[1] === EMPTY ? undefined : coerce(t, a[1], `Default(${t.name})`)
      return new TypeSig({ type: t, required: false, default: d })
    })
  )
  n.set(
    "Environment",
    fn("Environment", (a, kw) => {
      const env = new Env()
      const src = a[0] instanceof PyDict ? a[0] : PyDict.from([...kw.entries()])
      for (const [k, v] of src.entries()) env.set(str(k), v instanceof PObj ? v : str(v))
      return new EnvValue(env)
    })
  )
  return n
}

export { STRUCT_BASE }
