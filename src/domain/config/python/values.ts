import type { Params, Stmt } from "./ast.ts"
import { fail } from "./errors.ts"

/** Python runtime values. int is a JS number, float is boxed so `1.0` stays a float. */
export type Value =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | PyList
  | PyTuple
  | PyDict
  | PySet
  | PyFunc
  | PyBuiltin
  | PyModule
  | PyFile
  | PyObject

export class PyFloat {
  constructor(readonly v: number) {}
}
export class PyList {
  constructor(public items: Value[]) {}
}
export class PyTuple {
  constructor(readonly items: ReadonlyArray<Value>) {}
}
export class PyDict {
  readonly map = new Map<unknown, [Value, Value]>()
  get(k: Value): Value | undefined {
    return this.map.get(hashKey(k))?.[1]
  }
  set(k: Value, v: Value): void {
    this.map.set(hashKey(k), [k, v])
  }
  has(k: Value): boolean {
    return this.map.has(hashKey(k))
  }
  delete(k: Value): boolean {
    return this.map.delete(hashKey(k))
  }
  keys(): Value[] {
    return [...this.map.values()].map((e) => e[0])
  }
  values(): Value[] {
    return [...this.map.values()].map((e) => e[1])
  }
  entries(): [Value, Value][] {
    return [...this.map.values()]
  }
  static from(entries: Iterable<readonly [Value, Value]>): PyDict {
    const d = new PyDict()
    for (const [k, v] of entries) d.set(k, v)
    return d
  }
}
export class PySet {
  readonly map = new Map<unknown, Value>()
  add(v: Value): void {
    this.map.set(hashKey(v), v)
  }
  has(v: Value): boolean {
    return this.map.has(hashKey(v))
  }
  items(): Value[] {
    return [...this.map.values()]
  }
}

export type Kwargs = Map<string, Value>
export type NativeFn = (args: Value[], kw: Kwargs) => Value

export class PyBuiltin {
  constructor(
    readonly name: string,
    readonly fn: NativeFn
  ) {}
}

/** A `def` or `lambda`; `scope` is the defining scope (closures). */
export class PyFunc {
  constructor(
    readonly name: string,
    readonly params: Params,
    readonly defaults: ReadonlyArray<Value | undefined>,
    readonly body: ReadonlyArray<Stmt> | null,
    readonly expr: import("./ast.ts").Expr | null,
    readonly scope: Scope,
    readonly file: string
  ) {}
}

export class PyModule {
  constructor(
    readonly name: string,
    readonly attrs: Map<string, Value>
  ) {}
}

export class PyFile {
  pos = 0
  constructor(
    readonly path: string,
    readonly content: string,
    readonly binary: boolean
  ) {}
}

/** Objects with their own behaviour (pystachio values and types). */
export abstract class PyObject {
  abstract typeName(): string
  getattr(name: string): Value | undefined {
    void name
    return undefined
  }
  call(args: Value[], kw: Kwargs): Value {
    void args
    void kw
    return fail("TypeError", `'${this.typeName()}' object is not callable`)
  }
  str(): string {
    return this.repr()
  }
  repr(): string {
    return `<${this.typeName()}>`
  }
  iter(): Value[] | undefined {
    return undefined
  }
  len(): number | undefined {
    return undefined
  }
  getitem(key: Value): Value | undefined {
    void key
    return undefined
  }
  equals(other: Value): boolean {
    return this === other
  }
  hashKey(): unknown {
    return this
  }
  add(other: Value): Value | undefined {
    void other
    return undefined
  }
}

/** Variable scope: function locals chain up to module globals, then builtins. */
export class Scope {
  readonly vars = new Map<string, Value>()
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): Value | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const v = s.vars.get(name)
      if (v !== undefined) return v
      if (s.vars.has(name)) return v
    }
    return undefined
  }
}

export const isInt = (v: Value): v is number | boolean => typeof v === "number" || typeof v === "boolean"
export const isNumber = (v: Value): boolean => isInt(v) || v instanceof PyFloat
export const num = (v: Value): number =>
  v instanceof PyFloat ? v.v : typeof v === "boolean" ? (v ? 1 : 0) : (v as number)

export const typeName = (v: Value): string => {
  if (v === null) return "NoneType"
  if (typeof v === "boolean") return "bool"
  if (typeof v === "number") return "int"
  if (typeof v === "string") return "str"
  if (v instanceof PyFloat) return "float"
  if (v instanceof PyList) return "list"
  if (v instanceof PyTuple) return "tuple"
  if (v instanceof PyDict) return "dict"
  if (v instanceof PySet) return "set"
  if (v instanceof PyFunc || v instanceof PyBuiltin) return "function"
  if (v instanceof PyModule) return "module"
  if (v instanceof PyFile) return "file"
  return v.typeName()
}

export const hashKey = (v: Value): unknown => {
  if (v === null || typeof v === "string") return v
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (v instanceof PyFloat) return v.v
  if (v instanceof PyTuple) return `(${v.items.map((x) => String(hashKeyStr(x))).join(",")})`
  if (v instanceof PyList || v instanceof PyDict || v instanceof PySet) {
    return fail("TypeError", `unhashable type: '${typeName(v)}'`)
  }
  if (v instanceof PyObject) return v.hashKey()
  return v
}
const hashKeyStr = (v: Value): string => {
  const k = hashKey(v)
  return typeof k === "string" ? `s${JSON.stringify(k)}` : typeof k === "number" ? `n${k}` : String(k)
}

export const floatRepr = (x: number): string => {
  if (Number.isNaN(x)) return "nan"
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf"
  const ax = Math.abs(x)
  if (ax !== 0 && (ax >= 1e16 || ax < 1e-4)) {
    const [m, e] = x.toExponential().split("e")
    const sign = e[0] === "-" ? "-" : "+"
    const digits = e.replace(/^[+-]/, "")
    return `${m}e${sign}${digits.padStart(2, "0")}`
  }
  const s = String(x)
  return s.includes(".") ? s : `${s}.0`
}

export const strRepr = (s: string): string => {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = q
  for (const c of s) {
    if (c === q || c === "\\") out += `\\${c}`
    else if (c === "\n") out += "\\n"
    else if (c === "\t") out += "\\t"
    else if (c === "\r") out += "\\r"
    else if (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)
      out += `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`
    else out += c
  }
  return out + q
}

let reprBudget = 0
const REPR_BUDGET = 1_000_000

export const repr = (v: Value, depth = 0): string => {
  if (depth === 0) reprBudget = 0
  if (++reprBudget > REPR_BUDGET) return fail("ResourceLimit", "value too large to render")
  if (depth > 50) return "..."
  if (v === null) return "None"
  if (typeof v === "boolean") return v ? "True" : "False"
  if (typeof v === "number") return String(v)
  if (typeof v === "string") return strRepr(v)
  if (v instanceof PyFloat) return floatRepr(v.v)
  if (v instanceof PyList) return `[${v.items.map((x) => repr(x, depth + 1)).join(", ")}]`
  if (v instanceof PyTuple) {
    return v.items.length === 1
      ? `(${repr(v.items[0], depth + 1)},)`
      : `(${v.items.map((x) => repr(x, depth + 1)).join(", ")})`
  }
  if (v instanceof PyDict)
    return `{${v
      .entries()
      .map(([k, x]) => `${repr(k, depth + 1)}: ${repr(x, depth + 1)}`)
      .join(", ")}}`
  if (v instanceof PySet)
    return v.map.size === 0
      ? "set()"
      : `set([${v
          .items()
          .map((x) => repr(x, depth + 1))
          .join(", ")}])`
  if (v instanceof PyFunc || v instanceof PyBuiltin) return `<function ${v.name}>`
  if (v instanceof PyModule) return `<module '${v.name}'>`
  if (v instanceof PyFile) return `<open file '${v.path}'>`
  return v.repr()
}

export const str = (v: Value): string => {
  if (typeof v === "string") return v
  if (v instanceof PyObject) return v.str()
  return repr(v)
}

export const truthy = (v: Value): boolean => {
  if (v === null) return false
  if (typeof v === "boolean") return v
  if (typeof v === "number") return v !== 0
  if (typeof v === "string") return v.length > 0
  if (v instanceof PyFloat) return v.v !== 0
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length > 0
  if (v instanceof PyDict || v instanceof PySet) return v.map.size > 0
  if (v instanceof PyObject) {
    const n = v.len()
    return n === undefined ? true : n > 0
  }
  return true
}

let eqBudget = 0
export const equals = (a: Value, b: Value, depth = 0): boolean => {
  if (depth === 0) eqBudget = 0
  if (++eqBudget > REPR_BUDGET) return fail("ResourceLimit", "comparison too large")
  if (depth > 100) return fail("ResourceLimit", "comparison nested too deeply")
  if (a === b) return true
  if (isNumber(a) && isNumber(b)) return num(a) === num(b)
  if (a instanceof PyList && b instanceof PyList) return seqEq(a.items, b.items, depth)
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEq(a.items, b.items, depth)
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.map.size !== b.map.size) return false
    for (const [k, v] of a.entries()) {
      if (!b.has(k) || !equals(v, b.get(k) as Value, depth + 1)) return false
    }
    return true
  }
  if (a instanceof PySet && b instanceof PySet)
    return a.map.size === b.map.size && a.items().every((x) => b.has(x))
  if (a instanceof PyObject) return a.equals(b)
  if (b instanceof PyObject) return b.equals(a)
  return false
}
const seqEq = (a: ReadonlyArray<Value>, b: ReadonlyArray<Value>, depth: number) =>
  a.length === b.length && a.every((x, i) => equals(x, b[i], depth + 1))

export const compare = (a: Value, b: Value): number => {
  if (isNumber(a) && isNumber(b)) return num(a) < num(b) ? -1 : num(a) > num(b) ? 1 : 0
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const n = Math.min(a.items.length, b.items.length)
    for (let i = 0; i < n; i++) {
      if (!equals(a.items[i], b.items[i])) return compare(a.items[i], b.items[i])
    }
    return a.items.length - b.items.length
  }
  return fail("TypeError", `'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`)
}

export const MAX_SEQUENCE = 5_000_000

/** Materialises any iterable value (strings yield characters, dicts their keys). */
export const iterate = (v: Value): Value[] => {
  if (v instanceof PyList || v instanceof PyTuple) {
    charge(v.items.length >> 4)
    return [...v.items]
  }
  if (typeof v === "string") {
    charge(v.length >> 4)
    return [...v]
  }
  if (v instanceof PyDict) return v.keys()
  if (v instanceof PySet) return v.items()
  if (v instanceof PyFile) {
    const rest = v.content.slice(v.pos)
    v.pos = v.content.length
    return rest.split(/(?<=\n)/).filter((l) => l.length > 0)
  }
  if (v instanceof PyObject) {
    const items = v.iter()
    if (items) return items
  }
  return fail("TypeError", `'${typeName(v)}' object is not iterable`)
}

export const toIndex = (v: Value, what = "index"): number => {
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  return fail("TypeError", `${what} must be an integer, not ${typeName(v)}`)
}

export const checkedInt = (x: number): number => {
  if (!Number.isSafeInteger(x)) {
    return Number.isFinite(x) ? fail("ValueError", "integer result is too large (beyond 2**53)") : x
  }
  return x
}

export const kwOnly = (kw: Kwargs, fn: string, allowed: ReadonlyArray<string>): void => {
  for (const k of kw.keys()) {
    if (!allowed.includes(k)) fail("TypeError", `${fn}() got an unexpected keyword argument '${k}'`)
  }
}

/**
 * The evaluation budget, shared by the interpreter and the builtins that do work proportional to
 * their input (ranges, repetition, sorting...). Evaluation is synchronous, so one meter suffices.
 */
export const meter = { used: 0, limit: Number.POSITIVE_INFINITY }

export const charge = (n: number): void => {
  meter.used += n
  if (meter.used > meter.limit)
    fail("ResourceLimit", `evaluation exceeded ${meter.limit} steps (runaway loop?)`)
}
