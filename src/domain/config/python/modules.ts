import { toInt } from "./builtins.ts"
import { fail } from "./errors.ts"
import {
  floatRepr,
  iterate,
  num,
  PyBuiltin,
  PyDict,
  PyFloat,
  PyList,
  PyModule,
  PyObject,
  PyTuple,
  str,
  strRepr,
  typeName,
  type Value
} from "./values.ts"

/** The outside facts an allowed import may reveal: environment, user, clock, hashing. */
export interface ModuleHost {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly user: string
  /** Wall-clock time in milliseconds. */
  readonly now: number
  /** Hex digest of UTF-8 text; undefined for an unknown algorithm. */
  digest(algorithm: string, text: string): string | undefined
}

const fn = (name: string, f: (a: Value[], kw: Map<string, Value>) => Value) => new PyBuiltin(name, f)

const posixJoin = (parts: string[]): string => {
  let out = ""
  for (const p of parts) {
    if (p.startsWith("/")) out = p
    else if (out === "" || out.endsWith("/")) out += p
    else out += `/${p}`
  }
  return out
}

export const jsonDumps = (v: Value, indent: number | null, sortKeys: boolean, depth = 0): string => {
  if (depth > 100) return fail("ValueError", "json.dumps: nesting too deep")
  const nl = indent === null ? "" : `\n${" ".repeat(indent * (depth + 1))}`
  const end = indent === null ? "" : `\n${" ".repeat(indent * depth)}`
  const sep = indent === null ? ", " : ","
  if (v === null) return "null"
  if (typeof v === "boolean") return v ? "true" : "false"
  if (typeof v === "number") return String(v)
  if (v instanceof PyFloat)
    return Number.isFinite(v.v)
      ? floatRepr(v.v)
      : v.v > 0
        ? "Infinity"
        : Number.isNaN(v.v)
          ? "NaN"
          : "-Infinity"
  if (typeof v === "string") return JSON.stringify(v)
  if (v instanceof PyList || v instanceof PyTuple) {
    if (v.items.length === 0) return "[]"
    return `[${nl}${v.items.map((x) => jsonDumps(x, indent, sortKeys, depth + 1)).join(sep + nl)}${end}]`
  }
  if (v instanceof PyDict) {
    let entries = v.entries().map(([k, x]) => [typeof k === "string" ? k : str(k), x] as const)
    if (sortKeys) entries = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    if (entries.length === 0) return "{}"
    return `{${nl}${entries.map(([k, x]) => `${JSON.stringify(k)}: ${jsonDumps(x, indent, sortKeys, depth + 1)}`).join(sep + nl)}${end}}`
  }
  if (v instanceof PyObject) {
    const j = (v as PyObject & { toPython?: () => Value }).toPython
    if (j) return jsonDumps(j.call(v), indent, sortKeys, depth)
  }
  return fail("TypeError", `Object of type ${typeName(v)} is not JSON serializable`)
}

export const fromJson = (x: unknown): Value => {
  if (x === null || typeof x === "boolean" || typeof x === "string") return x
  if (typeof x === "number") return Number.isInteger(x) ? x : new PyFloat(x)
  if (Array.isArray(x)) return new PyList(x.map(fromJson))
  if (typeof x === "object")
    return PyDict.from(Object.entries(x as object).map(([k, v]) => [k, fromJson(v)] as const))
  return null
}

/** JSON.parse loses the difference between `1` and `1.0`; keep floats as floats. */
export const parseJsonText = (text: string): Value => {
  const marked = text.replace(
    /("(?:[^"\\]|\\.)*")|(-?\d+\.\d+(?:[eE][+-]?\d+)?|-?\d+[eE][+-]?\d+)/g,
    (m, s) => (s ? s : `{"__float__":${m}}`)
  )
  const revive = (x: unknown): Value => {
    if (x !== null && typeof x === "object" && !Array.isArray(x)) {
      const keys = Object.keys(x as object)
      if (keys.length === 1 && keys[0] === "__float__")
        return new PyFloat((x as { __float__: number }).__float__)
    }
    if (Array.isArray(x)) return new PyList(x.map(revive))
    if (x !== null && typeof x === "object") {
      return PyDict.from(Object.entries(x as object).map(([k, v]) => [k, revive(v)] as const))
    }
    return fromJson(x)
  }
  try {
    return revive(JSON.parse(marked))
  } catch (e) {
    return fail("ValueError", `invalid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const hashObject = (host: ModuleHost, algo: string, initial: string): PyModule => {
  let data = initial
  const attrs = new Map<string, Value>()
  const self = new PyModule(`hashlib.${algo}`, attrs)
  attrs.set(
    "update",
    fn("update", (a) => {
      data += str(a[0])
      return null
    })
  )
  attrs.set(
    "hexdigest",
    fn("hexdigest", () => host.digest(algo, data) ?? fail("ValueError", `unsupported hash type ${algo}`))
  )
  attrs.set("name", algo)
  return self
}

/** The allow-list of importable modules. */
export const makeModules = (host: ModuleHost): Map<string, PyModule> => {
  const mods = new Map<string, PyModule>()
  const environ = PyDict.from(
    Object.entries(host.env).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const]))
  )
  const path = new PyModule(
    "os.path",
    new Map<string, Value>([
      ["join", fn("join", (a) => posixJoin(a.map((x) => str(x))))],
      ["basename", fn("basename", (a) => str(a[0]).slice(str(a[0]).lastIndexOf("/") + 1))],
      [
        "dirname",
        fn("dirname", (a) => {
          const s = str(a[0])
          const i = s.lastIndexOf("/")
          return i < 0 ? "" : i === 0 ? "/" : s.slice(0, i)
        })
      ],
      [
        "splitext",
        fn("splitext", (a) => {
          const s = str(a[0])
          const m = /^(.*?)(\.[^./]*)?$/.exec(s)!
          return new PyTuple([m[1], m[2] ?? ""])
        })
      ]
    ])
  )
  mods.set("os.path", path)
  mods.set(
    "os",
    new PyModule(
      "os",
      new Map<string, Value>([
        ["getenv", fn("getenv", (a) => environ.get(str(a[0])) ?? a[1] ?? null)],
        ["environ", environ],
        ["path", path],
        ["sep", "/"]
      ])
    )
  )
  mods.set(
    "getpass",
    new PyModule("getpass", new Map<string, Value>([["getuser", fn("getuser", () => host.user)]]))
  )
  const hashlib = new Map<string, Value>()
  for (const algo of ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]) {
    hashlib.set(
      algo,
      fn(algo, (a) => hashObject(host, algo, a[0] === undefined ? "" : str(a[0])))
    )
  }
  hashlib.set(
    "new",
    fn("new", (a) => hashObject(host, str(a[0]), a[1] === undefined ? "" : str(a[1])))
  )
  mods.set("hashlib", new PyModule("hashlib", hashlib))
  mods.set(
    "json",
    new PyModule(
      "json",
      new Map<string, Value>([
        [
          "dumps",
          fn("dumps", (a, kw) => {
            const ind = kw.get("indent")
            return jsonDumps(
              a[0],
              ind === undefined || ind === null ? null : toInt(ind),
              kw.get("sort_keys") === true
            )
          })
        ],
        ["loads", fn("loads", (a) => parseJsonText(str(a[0])))]
      ])
    )
  )
  const t = host.now
  mods.set(
    "time",
    new PyModule(
      "time",
      new Map<string, Value>([
        ["time", fn("time", () => new PyFloat(t / 1000))],
        [
          "strftime",
          fn("strftime", (a) => {
            const d = new Date(a[1] === undefined ? t : num(a[1]) * 1000)
            const p = (n: number, w = 2) => String(n).padStart(w, "0")
            const map: Record<string, string> = {
              Y: String(d.getUTCFullYear()),
              m: p(d.getUTCMonth() + 1),
              d: p(d.getUTCDate()),
              H: p(d.getUTCHours()),
              M: p(d.getUTCMinutes()),
              S: p(d.getUTCSeconds()),
              "%": "%"
            }
            return str(a[0]).replace(/%(.)/g, (m, c: string) => map[c] ?? m)
          })
        ]
      ])
    )
  )
  void iterate
  void strRepr
  return mods
}
