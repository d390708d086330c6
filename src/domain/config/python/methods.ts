import { fail } from "./errors.ts"
import type { Interpreter } from "./evaluator.ts"
import { formatSpec } from "./format.ts"
import {
  compare,
  equals,
  iterate,
  type Kwargs,
  num,
  PyBuiltin,
  PyDict,
  PyFile,
  PyFloat,
  PyList,
  PyModule,
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

type Method = (self: never, args: Value[], kw: Kwargs, it: Interpreter) => Value

const arity = (name: string, args: Value[], min: number, max: number): void => {
  if (args.length < min || args.length > max) {
    fail(
      "TypeError",
      `${name}() takes ${min === max ? min : `${min} to ${max}`} arguments (${args.length} given)`
    )
  }
}
const strArg = (name: string, v: Value): string =>
  typeof v === "string" ? v : fail("TypeError", `${name}() argument must be str, not ${typeName(v)}`)

const splitWs = (s: string, max: number): string[] => {
  const out: string[] = []
  let rest = s.replace(/^\s+/, "")
  while (rest.length > 0) {
    if (max >= 0 && out.length === max) {
      out.push(rest)
      break
    }
    const m = /\s+/.exec(rest)
    if (!m) {
      out.push(rest)
      break
    }
    out.push(rest.slice(0, m.index))
    rest = rest.slice(m.index + m[0].length)
  }
  return out
}

const stripChars = (s: string, chars: Value, left: boolean, right: boolean): string => {
  const set = chars === null || chars === undefined ? " \t\n\r\f\v" : strArg("strip", chars)
  let a = 0
  let b = s.length
  if (left) while (a < b && set.includes(s[a])) a++
  if (right) while (b > a && set.includes(s[b - 1])) b--
  return s.slice(a, b)
}

/** `str.format`: `{}`, `{0}`, `{name}`, `{name.attr}`, `{x[key]}`, conversions and format specs. */
export const strFormat = (fmt: string, args: Value[], kw: Kwargs, it: Interpreter): string => {
  let auto = 0
  const field = (body: string): string => {
    let conv: string | null = null
    let spec = ""
    let name = body
    const colon = body.indexOf(":")
    if (colon >= 0) {
      spec = body.slice(colon + 1)
      name = body.slice(0, colon)
    }
    const bang = name.indexOf("!")
    if (bang >= 0) {
      conv = name.slice(bang + 1)
      name = name.slice(0, bang)
    }
    spec = spec.replace(/\{([^{}]*)\}/g, (_, inner: string) => field(inner))
    const m = /^([^.[]*)(.*)$/s.exec(name)!
    const head = m[1]
    let v: Value
    if (head === "") {
      if (auto >= args.length) fail("IndexError", "Replacement index out of range for positional args tuple")
      v = args[auto++]
    } else if (/^\d+$/.test(head)) {
      const i = Number(head)
      if (i >= args.length)
        fail("IndexError", `Replacement index ${i} out of range for positional args tuple`)
      v = args[i]
    } else {
      const got = kw.get(head)
      if (got === undefined) fail("KeyError", repr(head))
      v = got as Value
    }
    let rest = m[2]
    while (rest.length > 0) {
      const a = /^\.([A-Za-z_]\w*)/.exec(rest)
      if (a) {
        const got = getAttribute(v, a[1], it)
        if (got === undefined) fail("AttributeError", `'${typeName(v)}' object has no attribute '${a[1]}'`)
        v = got as Value
        rest = rest.slice(a[0].length)
        continue
      }
      const b = /^\[([^\]]+)\]/.exec(rest)
      if (!b) fail("ValueError", `invalid format field '${name}'`)
      const key = /^\d+$/.test(b![1]) ? Number(b![1]) : b![1]
      v = it.getitem(v, key)
      rest = rest.slice(b![0].length)
    }
    if (conv === "r") v = repr(v)
    else if (conv === "s") v = str(v)
    else if (conv !== null) fail("ValueError", `Unknown conversion specifier ${conv}`)
    return formatSpec(v, spec)
  }
  let out = ""
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]
    if (c === "{") {
      if (fmt[i + 1] === "{") {
        out += "{"
        i++
        continue
      }
      let depth = 1
      let j = i + 1
      for (; j < fmt.length && depth > 0; j++) {
        if (fmt[j] === "{") depth++
        else if (fmt[j] === "}") depth--
      }
      if (depth > 0) fail("ValueError", "Single '{' encountered in format string")
      out += field(fmt.slice(i + 1, j - 1))
      i = j - 1
    } else if (c === "}") {
      if (fmt[i + 1] !== "}") fail("ValueError", "Single '}' encountered in format string")
      out += "}"
      i++
    } else out += c
  }
  return out
}

const STR_METHODS: Record<string, Method> = {
  format: (s: string, a, kw, it) => strFormat(s, a, kw, it),
  join: (s: string, a) => {
    arity("join", a, 1, 1)
    return iterate(a[0])
      .map((x) =>
        typeof x === "string"
          ? x
          : fail("TypeError", `sequence item: expected str instance, ${typeName(x)} found`)
      )
      .join(s)
  },
  split: (s: string, a, kw) => {
    const sep = a[0] ?? kw.get("sep") ?? null
    const max = num(a[1] ?? kw.get("maxsplit") ?? -1)
    if (sep === null) return new PyList(splitWs(s, max))
    const d = strArg("split", sep)
    if (d === "") fail("ValueError", "empty separator")
    const parts = s.split(d)
    if (max >= 0 && parts.length > max + 1)
      return new PyList([...parts.slice(0, max), parts.slice(max).join(d)])
    return new PyList(parts)
  },
  rsplit: (s: string, a, kw) => {
    const sep = a[0] ?? kw.get("sep") ?? null
    const max = num(a[1] ?? kw.get("maxsplit") ?? -1)
    if (sep === null && max < 0) return new PyList(splitWs(s, -1))
    const d = sep === null ? " " : strArg("rsplit", sep)
    const parts = s.split(d)
    if (max >= 0 && parts.length > max + 1) {
      return new PyList([parts.slice(0, parts.length - max).join(d), ...parts.slice(parts.length - max)])
    }
    return new PyList(parts)
  },
  splitlines: (s: string) =>
    new PyList(s.split(/\r\n|\r|\n/).filter((x, i, arr) => i < arr.length - 1 || x !== "")),
  strip: (s: string, a) => stripChars(s, a[0] ?? null, true, true),
  lstrip: (s: string, a) => stripChars(s, a[0] ?? null, true, false),
  rstrip: (s: string, a) => stripChars(s, a[0] ?? null, false, true),
  upper: (s: string) => s.toUpperCase(),
  lower: (s: string) => s.toLowerCase(),
  title: (s: string) =>
    s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase()),
  capitalize: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  swapcase: (s: string) =>
    [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(""),
  replace: (s: string, a) => {
    arity("replace", a, 2, 3)
    const from = strArg("replace", a[0])
    const to = strArg("replace", a[1])
    const count = a[2] === undefined ? -1 : num(a[2])
    if (count < 0) return s.split(from).join(to)
    let out = s
    let idx = 0
    for (let i = 0; i < count; i++) {
      const at = out.indexOf(from, idx)
      if (at < 0) break
      out = out.slice(0, at) + to + out.slice(at + from.length)
      idx = at + to.length + (from === "" ? 1 : 0)
    }
    return out
  },
  startswith: (s: string, a) => {
    const p = a[0]
    if (p instanceof PyTuple) return p.items.some((x) => s.startsWith(strArg("startswith", x)))
    return s.startsWith(strArg("startswith", p))
  },
  endswith: (s: string, a) => {
    const p = a[0]
    if (p instanceof PyTuple) return p.items.some((x) => s.endsWith(strArg("endswith", x)))
    return s.endsWith(strArg("endswith", p))
  },
  find: (s: string, a) => s.indexOf(strArg("find", a[0]), a[1] === undefined ? 0 : num(a[1])),
  rfind: (s: string, a) => s.lastIndexOf(strArg("rfind", a[0])),
  index: (s: string, a) => {
    const i = s.indexOf(strArg("index", a[0]))
    return i < 0 ? fail("ValueError", "substring not found") : i
  },
  count: (s: string, a) => {
    const sub = strArg("count", a[0])
    return sub === "" ? s.length + 1 : s.split(sub).length - 1
  },
  isdigit: (s: string) => /^\d+$/.test(s),
  isalpha: (s: string) => /^[A-Za-z]+$/.test(s),
  isalnum: (s: string) => /^[A-Za-z0-9]+$/.test(s),
  isspace: (s: string) => /^\s+$/.test(s),
  isupper: (s: string) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  islower: (s: string) => /[a-z]/.test(s) && s === s.toLowerCase(),
  zfill: (s: string, a) => {
    const w = num(a[0])
    const sign = /^[+-]/.test(s) ? s[0] : ""
    return sign + s.slice(sign.length).padStart(w - sign.length, "0")
  },
  ljust: (s: string, a) => s.padEnd(num(a[0]), a[1] === undefined ? " " : strArg("ljust", a[1])),
  rjust: (s: string, a) => s.padStart(num(a[0]), a[1] === undefined ? " " : strArg("rjust", a[1])),
  center: (s: string, a) =>
    formatSpec(s, `${a[1] === undefined ? " " : strArg("center", a[1])}^${num(a[0])}`),
  partition: (s: string, a) => {
    const sep = strArg("partition", a[0])
    const i = s.indexOf(sep)
    return new PyTuple(i < 0 ? [s, "", ""] : [s.slice(0, i), sep, s.slice(i + sep.length)])
  },
  rpartition: (s: string, a) => {
    const sep = strArg("rpartition", a[0])
    const i = s.lastIndexOf(sep)
    return new PyTuple(i < 0 ? ["", "", s] : [s.slice(0, i), sep, s.slice(i + sep.length)])
  },
  encode: (s: string) => s,
  decode: (s: string) => s
}

const LIST_METHODS: Record<string, Method> = {
  append: (l: PyList, a) => {
    arity("append", a, 1, 1)
    l.items.push(a[0])
    return null
  },
  extend: (l: PyList, a) => {
    arity("extend", a, 1, 1)
    l.items.push(...iterate(a[0]))
    return null
  },
  insert: (l: PyList, a) => {
    arity("insert", a, 2, 2)
    let i = toIndex(a[0])
    if (i < 0) i = Math.max(0, i + l.items.length)
    l.items.splice(Math.min(i, l.items.length), 0, a[1])
    return null
  },
  pop: (l: PyList, a) => {
    if (l.items.length === 0) fail("IndexError", "pop from empty list")
    let i = a[0] === undefined ? l.items.length - 1 : toIndex(a[0])
    if (i < 0) i += l.items.length
    if (i < 0 || i >= l.items.length) fail("IndexError", "pop index out of range")
    return l.items.splice(i, 1)[0]
  },
  remove: (l: PyList, a) => {
    const i = l.items.findIndex((x) => equals(x, a[0]))
    if (i < 0) fail("ValueError", "list.remove(x): x not in list")
    l.items.splice(i, 1)
    return null
  },
  index: (l: PyList | PyTuple, a) => {
    const i = l.items.findIndex((x) => equals(x, a[0]))
    return i < 0 ? fail("ValueError", `${repr(a[0])} is not in list`) : i
  },
  count: (l: PyList | PyTuple, a) => l.items.filter((x) => equals(x, a[0])).length,
  reverse: (l: PyList) => {
    l.items.reverse()
    return null
  },
  sort: (l: PyList, _a, kw, it) => {
    l.items = sortValues(l.items, kw, it)
    return null
  },
  copy: (l: PyList) => new PyList([...l.items])
}

/** `d.update(src, **kw)`, also behind `dict(src, **kw)`: a mapping or an iterable of pairs. */
export const dictUpdate = (d: PyDict, src: Value | undefined, kw: Kwargs): void => {
  if (src !== undefined) {
    if (src instanceof PyDict) for (const [k, v] of src.entries()) d.set(k, v)
    else
      for (const pair of iterate(src)) {
        const kv = iterate(pair)
        if (kv.length !== 2) fail("ValueError", "dictionary update sequence element has wrong length")
        d.set(kv[0], kv[1])
      }
  }
  for (const [k, v] of kw) d.set(k, v)
}

export const sortValues = (items: Value[], kw: Kwargs, it: Interpreter): Value[] => {
  const key = kw.get("key") ?? null
  const rev = truthy(kw.get("reverse") ?? false)
  const keyed = items.map((v) => [key === null ? v : it.call(key, [v], new Map()), v] as const)
  keyed.sort((x, y) => compare(x[0], y[0]))
  if (rev) keyed.reverse()
  return keyed.map((x) => x[1])
}

const DICT_METHODS: Record<string, Method> = {
  keys: (d: PyDict) => new PyList(d.keys()),
  values: (d: PyDict) => new PyList(d.values()),
  items: (d: PyDict) => new PyList(d.entries().map(([k, v]) => new PyTuple([k, v]))),
  iterkeys: (d: PyDict) => new PyList(d.keys()),
  itervalues: (d: PyDict) => new PyList(d.values()),
  iteritems: (d: PyDict) => new PyList(d.entries().map(([k, v]) => new PyTuple([k, v]))),
  get: (d: PyDict, a) => {
    arity("get", a, 1, 2)
    return d.get(a[0]) ?? a[1] ?? null
  },
  has_key: (d: PyDict, a) => d.has(a[0]),
  setdefault: (d: PyDict, a) => {
    if (!d.has(a[0])) d.set(a[0], a[1] ?? null)
    return d.get(a[0]) as Value
  },
  pop: (d: PyDict, a) => {
    const v = d.get(a[0])
    if (v === undefined) {
      if (a.length > 1) return a[1]
      fail("KeyError", repr(a[0]))
    }
    d.delete(a[0])
    return v as Value
  },
  update: (d: PyDict, a, kw) => {
    dictUpdate(d, a[0], kw)
    return null
  },
  copy: (d: PyDict) => PyDict.from(d.entries()),
  clear: (d: PyDict) => {
    d.map.clear()
    return null
  }
}

const SET_METHODS: Record<string, Method> = {
  add: (s: PySet, a) => {
    s.add(a[0])
    return null
  },
  union: (s: PySet, a) => {
    const out = new PySet()
    for (const x of [...s.items(), ...a.flatMap((v) => iterate(v))]) out.add(x)
    return out
  }
}

const FILE_METHODS: Record<string, Method> = {
  read: (f: PyFile, a) => {
    const n = a[0] === undefined || a[0] === null ? -1 : num(a[0])
    const end = n < 0 ? f.content.length : Math.min(f.content.length, f.pos + n)
    const out = f.content.slice(f.pos, end)
    f.pos = end
    return out
  },
  readline: (f: PyFile) => {
    const nl = f.content.indexOf("\n", f.pos)
    const end = nl < 0 ? f.content.length : nl + 1
    const out = f.content.slice(f.pos, end)
    f.pos = end
    return out
  },
  readlines: (f: PyFile) => new PyList(iterate(f)),
  close: () => null,
  write: () => fail("RefusedConstruct", "writing files is not allowed in configuration files")
}

const bind = (name: string, self: Value, m: Method, it: Interpreter) =>
  new PyBuiltin(name, (args, kw) =>
    (m as (s: Value, a: Value[], k: Kwargs, i: Interpreter) => Value)(self, args, kw, it)
  )

/** Attribute lookup for every value kind; undefined when there is no such attribute. */
export const getAttribute = (obj: Value, name: string, it: Interpreter): Value | undefined => {
  if (typeof obj === "string") {
    return Object.hasOwn(STR_METHODS, name) ? bind(name, obj, STR_METHODS[name], it) : undefined
  }
  if (obj instanceof PyList) {
    return Object.hasOwn(LIST_METHODS, name) ? bind(name, obj, LIST_METHODS[name], it) : undefined
  }
  if (obj instanceof PyTuple) {
    return name === "index" || name === "count" ? bind(name, obj, LIST_METHODS[name], it) : undefined
  }
  if (obj instanceof PyDict) {
    return Object.hasOwn(DICT_METHODS, name) ? bind(name, obj, DICT_METHODS[name], it) : undefined
  }
  if (obj instanceof PySet) {
    return Object.hasOwn(SET_METHODS, name) ? bind(name, obj, SET_METHODS[name], it) : undefined
  }
  if (obj instanceof PyFile) {
    return Object.hasOwn(FILE_METHODS, name) ? bind(name, obj, FILE_METHODS[name], it) : undefined
  }
  if (obj instanceof PyModule) return obj.attrs.get(name)
  if (obj instanceof PyFloat) {
    if (name === "is_integer") return new PyBuiltin(name, () => Number.isInteger(obj.v))
    return undefined
  }
  if (obj instanceof PyObject) return obj.getattr(name)
  return undefined
}
