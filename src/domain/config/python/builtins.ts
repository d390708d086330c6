import { fail } from "./errors.ts"
import type { Interpreter } from "./evaluator.ts"
import { formatSpec } from "./format.ts"
import { dictUpdate, getAttribute, sortValues } from "./methods.ts"
import {
  charge,
  compare,
  floatRepr,
  isInt,
  isNumber,
  iterate,
  type Kwargs,
  kwOnly,
  MAX_SEQUENCE,
  num,
  PyBuiltin,
  PyDict,
  PyFile,
  PyFloat,
  PyFunc,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  repr,
  str,
  toIndex,
  truthy,
  typeName,
  type Value
} from "./values.ts"

/** What the interpreter may ask of the outside world: reading files, nothing else. */
export interface FileReader {
  /** Reads a file given as written in the configuration; undefined when it cannot be read. */
  readFile(path: string): string | undefined
}

const parseIntStr = (s: string, base: number): number => {
  const t = s.trim().replace(/_/g, "")
  const re =
    base === 16
      ? /^[+-]?(0[xX])?[0-9a-fA-F]+$/
      : base === 8
        ? /^[+-]?(0[oO])?[0-7]+$/
        : base === 2
          ? /^[+-]?(0[bB])?[01]+$/
          : /^[+-]?\d+$/
  if (base === 10 && !re.test(t))
    return fail("ValueError", `invalid literal for int() with base 10: ${repr(s)}`)
  if (!re.test(t)) return fail("ValueError", `invalid literal for int() with base ${base}: ${repr(s)}`)
  const neg = t.startsWith("-")
  const digits = t.replace(/^[+-]/, "").replace(/^0[xXoObB]/, "")
  const v = Number.parseInt(digits, base)
  if (!Number.isSafeInteger(v)) return fail("ValueError", "integer literal too large")
  return neg ? -v : v
}

export const toInt = (v: Value, base = 10): number => {
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.v)) return fail("ValueError", "cannot convert float infinity or NaN to integer")
    return Math.trunc(v.v)
  }
  if (typeof v === "string") return parseIntStr(v, base)
  if (v instanceof PyObject) return toInt(str(v))
  return fail("TypeError", `int() argument must be a string or a number, not '${typeName(v)}'`)
}

export const toFloat = (v: Value): number => {
  if (isNumber(v)) return num(v)
  if (typeof v === "string" || v instanceof PyObject) {
    const t = str(v).trim().toLowerCase()
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity
    if (/^[+-]?nan$/.test(t)) return Number.NaN
    if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(t)) {
      return fail("ValueError", `could not convert string to float: ${repr(str(v))}`)
    }
    return Number(t.replace(/_/g, ""))
  }
  return fail("TypeError", `float() argument must be a string or a number, not '${typeName(v)}'`)
}

const TYPE_CHECKS: Record<string, (v: Value) => boolean> = {
  str: (v) => typeof v === "string",
  basestring: (v) => typeof v === "string",
  unicode: (v) => typeof v === "string",
  int: (v) => typeof v === "number" || typeof v === "boolean",
  long: (v) => typeof v === "number",
  float: (v) => v instanceof PyFloat,
  bool: (v) => typeof v === "boolean",
  list: (v) => v instanceof PyList,
  tuple: (v) => v instanceof PyTuple,
  dict: (v) => v instanceof PyDict,
  set: (v) => v instanceof PySet
}

const isInstance = (v: Value, cls: Value): boolean => {
  if (cls instanceof PyTuple) return cls.items.some((c) => isInstance(v, c))
  if (cls instanceof PyBuiltin && cls.name in TYPE_CHECKS) return TYPE_CHECKS[cls.name](v)
  if (cls instanceof PyObject) {
    const check = (cls as PyObject & { instanceCheck?: (x: Value) => boolean }).instanceCheck
    if (check) return check.call(cls, v)
  }
  return fail("TypeError", "isinstance() arg 2 must be a type or tuple of types")
}

const minMax = (name: string, args: Value[], kw: Kwargs, it: Interpreter, sign: number): Value => {
  kwOnly(kw, name, ["key", "default"])
  const items = args.length === 1 ? iterate(args[0]) : args
  if (items.length === 0) {
    const d = kw.get("default")
    return d !== undefined ? d : fail("ValueError", `${name}() arg is an empty sequence`)
  }
  const key = kw.get("key")
  let best = items[0]
  let bestK = key ? it.call(key, [best], new Map()) : best
  for (const x of items.slice(1)) {
    const k = key ? it.call(key, [x], new Map()) : x
    if (compare(k, bestK) * sign > 0) {
      best = x
      bestK = k
    }
  }
  return best
}

const makeRange = (args: Value[]): number[] => {
  if (args.length < 1 || args.length > 3) fail("TypeError", "range expected 1 to 3 arguments")
  const [a, b, s] =
    args.length === 1
      ? [0, toIndex(args[0]), 1]
      : [toIndex(args[0]), toIndex(args[1]), args[2] === undefined ? 1 : toIndex(args[2])]
  if (s === 0) fail("ValueError", "range() arg 3 must not be zero")
  const n = Math.max(0, Math.ceil((b - a) / s))
  if (n > MAX_SEQUENCE) fail("ResourceLimit", `range of ${n} items is too large`)
  charge(n >> 4)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = a + i * s
  return out
}

export const makeBuiltins = (it: () => Interpreter, files: FileReader): Map<string, Value> => {
  const b = new Map<string, Value>()
  const def = (name: string, fn: (args: Value[], kw: Kwargs) => Value) => b.set(name, new PyBuiltin(name, fn))
  const noKw = (name: string, kw: Kwargs) => kwOnly(kw, name, [])

  def("len", (a, kw) => {
    noKw("len", kw)
    if (a.length !== 1) fail("TypeError", `len() takes exactly one argument (${a.length} given)`)
    const v = a[0]
    if (typeof v === "string") return v.length
    if (v instanceof PyList || v instanceof PyTuple) return v.items.length
    if (v instanceof PyDict || v instanceof PySet) return v.map.size
    if (v instanceof PyObject) {
      const n = v.len()
      if (n !== undefined) return n
    }
    return fail("TypeError", `object of type '${typeName(v)}' has no len()`)
  })
  def("range", (a, kw) => {
    noKw("range", kw)
    return new PyList(makeRange(a))
  })
  b.set("xrange", b.get("range")!)
  def("str", (a) => (a.length === 0 ? "" : str(a[0])))
  b.set("unicode", b.get("str")!)
  b.set(
    "basestring",
    new PyBuiltin("basestring", () => fail("TypeError", "basestring cannot be instantiated"))
  )
  def("repr", (a) => repr(a[0]))
  def("int", (a) => (a.length === 0 ? 0 : toInt(a[0], a[1] === undefined ? 10 : toIndex(a[1]))))
  b.set("long", b.get("int")!)
  def("float", (a) => new PyFloat(a.length === 0 ? 0 : toFloat(a[0])))
  def("bool", (a) => (a.length === 0 ? false : truthy(a[0])))
  def("list", (a) => new PyList(a.length === 0 ? [] : iterate(a[0])))
  def("tuple", (a) => new PyTuple(a.length === 0 ? [] : iterate(a[0])))
  def("set", (a) => {
    const s = new PySet()
    if (a.length > 0) for (const x of iterate(a[0])) s.add(x)
    return s
  })
  b.set("frozenset", b.get("set")!)
  def("dict", (a, kw) => {
    const d = new PyDict()
    dictUpdate(d, a[0], kw)
    return d
  })
  def("sorted", (a, kw) => {
    kwOnly(kw, "sorted", ["key", "reverse", "cmp"])
    if (kw.has("cmp")) fail("RefusedConstruct", "sorted(cmp=...) is not supported; use key=")
    const items = iterate(a[0])
    charge(items.length * Math.ceil(Math.log2(items.length + 1)))
    return new PyList(sortValues(items, kw, it()))
  })
  def("reversed", (a) => new PyList(iterate(a[0]).reverse()))
  def("enumerate", (a, kw) => {
    const start = toIndex(a[1] ?? kw.get("start") ?? 0)
    return new PyList(iterate(a[0]).map((v, i) => new PyTuple([i + start, v])))
  })
  def("zip", (a) => {
    const lists = a.map((x) => iterate(x))
    const n = lists.length === 0 ? 0 : Math.min(...lists.map((l) => l.length))
    const out: Value[] = []
    for (let i = 0; i < n; i++) out.push(new PyTuple(lists.map((l) => l[i])))
    return new PyList(out)
  })
  def("min", (a, kw) => minMax("min", a, kw, it(), -1))
  def("max", (a, kw) => minMax("max", a, kw, it(), 1))
  def("sum", (a) => {
    let acc: Value = a[1] ?? 0
    for (const x of iterate(a[0])) acc = it().binop("+", acc, x)
    return acc
  })
  def("any", (a) => iterate(a[0]).some(truthy))
  def("all", (a) => iterate(a[0]).every(truthy))
  def("map", (a) => {
    if (a.length < 2) fail("TypeError", "map() requires at least two args")
    const fn = a[0]
    const lists = a.slice(1).map((x) => iterate(x))
    const n = Math.max(...lists.map((l) => l.length))
    const out: Value[] = []
    for (let i = 0; i < n; i++) {
      const args = lists.map((l) => (i < l.length ? l[i] : null))
      out.push(
        fn === null ? (args.length === 1 ? args[0] : new PyTuple(args)) : it().call(fn, args, new Map())
      )
    }
    return new PyList(out)
  })
  def("filter", (a) => {
    const fn = a[0]
    const items = iterate(a[1])
    const kept = items.filter((x) => truthy(fn === null ? x : it().call(fn, [x], new Map())))
    return typeof a[1] === "string" ? kept.join("") : new PyList(kept)
  })
  def("isinstance", (a) => {
    if (a.length !== 2) fail("TypeError", "isinstance expected 2 arguments")
    return isInstance(a[0], a[1])
  })
  def("callable", (a) => a[0] instanceof PyFunc || a[0] instanceof PyBuiltin || a[0] instanceof PyObject)
  def("abs", (a) => (a[0] instanceof PyFloat ? new PyFloat(Math.abs(a[0].v)) : Math.abs(num(a[0]))))
  // Python 2: always a float, halves away from zero
  def("round", (a) => {
    const x = num(a[0])
    const nd = a[1] === undefined || a[1] === null ? 0 : toIndex(a[1])
    const f = 10 ** nd
    const r = Math.round(Math.abs(x) * f) / f
    return new PyFloat(x < 0 ? -r : r)
  })
  def("divmod", (a) => new PyTuple([it().binop("//", a[0], a[1]), it().binop("%", a[0], a[1])]))
  def("pow", (a) => it().binop("**", a[0], a[1]))
  def("hasattr", (a) => getAttribute(a[0], String(a[1]), it()) !== undefined)
  def("getattr", (a) => {
    const v = getAttribute(a[0], str(a[1]), it())
    if (v !== undefined) return v
    if (a.length > 2) return a[2]
    return fail("AttributeError", `'${typeName(a[0])}' object has no attribute '${str(a[1])}'`)
  })
  def("format", (a) => formatSpec(a[0], a[1] === undefined ? "" : str(a[1])))
  def("ord", (a) => {
    const s = a[0]
    if (typeof s !== "string" || [...s].length !== 1) fail("TypeError", "ord() expected a character")
    return (s as string).codePointAt(0)!
  })
  def("chr", (a) => {
    const n = toIndex(a[0])
    if (n < 0 || n > 0x10ffff) fail("ValueError", "chr() arg not in range")
    return String.fromCodePoint(n)
  })
  b.set("unichr", b.get("chr")!)
  def("hex", (a) => {
    const n = toIndex(a[0])
    return `${n < 0 ? "-" : ""}0x${Math.abs(n).toString(16)}`
  })
  def("oct", (a) => {
    const n = toIndex(a[0])
    return `${n < 0 ? "-" : ""}0o${Math.abs(n).toString(8)}`
  })
  def("print", () => null)
  def("open", (a, kw) => {
    kwOnly(kw, "open", ["mode"])
    const path = a[0]
    if (typeof path !== "string") return fail("TypeError", "open() path must be a string")
    const mode = str(a[1] ?? kw.get("mode") ?? "r")
    if (/[wax+]/.test(mode))
      return fail("RefusedConstruct", `open() with mode '${mode}': configuration files may only read files`)
    const content = files.readFile(path)
    if (content === undefined) return fail("IOError", `No such file or directory: ${repr(path)}`)
    return new PyFile(path, content, mode.includes("b"))
  })
  for (const name of [
    "eval",
    "exec",
    "compile",
    "__import__",
    "globals",
    "locals",
    "vars",
    "input",
    "raw_input",
    "exit",
    "quit",
    "setattr",
    "delattr",
    "type",
    "super",
    "object",
    "memoryview",
    "execfile",
    "reload",
    "dir",
    "id",
    "help",
    "breakpoint"
  ]) {
    def(name, () => fail("RefusedConstruct", `${name}() is not allowed in configuration files`))
  }
  void isInt
  void floatRepr
  return b
}
