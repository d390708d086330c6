/** Operators, subscripts and membership: Python's semantics on the interpreter's values. */
import { fail } from "./errors.ts"
import { percentFormat } from "./format.ts"
import {
  checkedInt,
  compare,
  equals,
  isInt,
  isNumber,
  iterate,
  MAX_SEQUENCE,
  num,
  PyDict,
  PyFloat,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  repr,
  toIndex,
  typeName,
  type Value
} from "./values.ts"

const MAX_STRING = 10_000_000

export const getitem = (obj: Value, key: Value): Value => {
  if (obj instanceof PyList || obj instanceof PyTuple) {
    const i = toIndex(key, "list indices")
    const j = i < 0 ? i + obj.items.length : i
    if (j < 0 || j >= obj.items.length) fail("IndexError", `${typeName(obj)} index out of range`)
    return obj.items[j]
  }
  if (typeof obj === "string") {
    const i = toIndex(key, "string indices")
    const j = i < 0 ? i + obj.length : i
    if (j < 0 || j >= obj.length) fail("IndexError", "string index out of range")
    return obj[j]
  }
  if (obj instanceof PyDict) {
    const v = obj.get(key)
    if (v === undefined) fail("KeyError", repr(key))
    return v as Value
  }
  if (obj instanceof PyObject) {
    const v = obj.getitem(key)
    if (v !== undefined) return v
  }
  return fail("TypeError", `'${typeName(obj)}' object is not subscriptable`)
}

export const slice = (obj: Value, lo: Value, hi: Value, step: Value): Value => {
  const seq =
    obj instanceof PyList || obj instanceof PyTuple ? obj.items : typeof obj === "string" ? obj : null
  if (seq === null) return fail("TypeError", `'${typeName(obj)}' object is not subscriptable`)
  const len = seq.length
  const st = step === null ? 1 : toIndex(step, "slice indices")
  if (st === 0) fail("ValueError", "slice step cannot be zero")
  const norm = (v: Value, def: number, lowB: number, highB: number) => {
    if (v === null) return def
    let i = toIndex(v, "slice indices")
    if (i < 0) i += len
    return Math.min(Math.max(i, lowB), highB)
  }
  const a = st > 0 ? norm(lo, 0, 0, len) : norm(lo, len - 1, -1, len - 1)
  const b = st > 0 ? norm(hi, len, 0, len) : norm(hi, -1, -1, len - 1)
  const idx: number[] = []
  if (st > 0) for (let i = a; i < b; i += st) idx.push(i)
  else for (let i = a; i > b; i += st) idx.push(i)
  if (typeof seq === "string") return idx.map((i) => seq[i]).join("")
  const items = idx.map((i) => seq[i])
  return obj instanceof PyTuple ? new PyTuple(items) : new PyList(items)
}

export const compareOp = (op: string, l: Value, r: Value): boolean => {
  switch (op) {
    case "==":
      return equals(l, r)
    case "!=":
      return !equals(l, r)
    case "<":
      return compare(l, r) < 0
    case ">":
      return compare(l, r) > 0
    case "<=":
      return compare(l, r) <= 0
    case ">=":
      return compare(l, r) >= 0
    case "is":
      return l === r || (l === null && r === null) || (typeof l !== "object" && l === r)
    case "is not":
      return !(l === r)
    case "in":
      return contains(r, l)
    case "not in":
      return !contains(r, l)
  }
  return fail("SyntaxError", `unknown operator ${op}`)
}

export const contains = (container: Value, item: Value): boolean => {
  if (typeof container === "string") {
    if (typeof item !== "string") fail("TypeError", "'in <string>' requires string as left operand")
    return container.includes(item as string)
  }
  if (container instanceof PyDict) return container.has(item)
  if (container instanceof PySet) return container.has(item)
  return iterate(container).some((x) => equals(x, item))
}

export const binop = (op: string, a: Value, b: Value): Value => {
  if (isNumber(a) && isNumber(b)) return arith(op, a, b)
  switch (op) {
    case "+":
      if (typeof a === "string" && typeof b === "string") {
        if (a.length + b.length > MAX_STRING) fail("ResourceLimit", "string result too large")
        return a + b
      }
      if (a instanceof PyList && b instanceof PyList) {
        if (a.items.length + b.items.length > MAX_SEQUENCE) fail("ResourceLimit", "list result too large")
        return new PyList([...a.items, ...b.items])
      }
      if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items])
      if (a instanceof PyObject) {
        const r = a.add(b)
        if (r !== undefined) return r
      }
      break
    case "*": {
      const [seq, n] = isInt(b) ? [a, num(b)] : isInt(a) ? [b, num(a)] : [null, 0]
      if (seq !== null) {
        const count = Math.max(0, n)
        const len =
          typeof seq === "string"
            ? seq.length
            : seq instanceof PyList || seq instanceof PyTuple
              ? seq.items.length
              : -1
        if (len >= 0) {
          if (len * count > MAX_SEQUENCE) fail("ResourceLimit", "sequence repetition result too large")
          if (typeof seq === "string") return seq.repeat(count)
          const items: Value[] = []
          for (let i = 0; i < count; i++) items.push(...(seq as PyList).items)
          return seq instanceof PyTuple ? new PyTuple(items) : new PyList(items)
        }
      }
      break
    }
    case "%":
      if (typeof a === "string") {
        const r = percentFormat(a, b)
        if (r.length > MAX_STRING) fail("ResourceLimit", "string result too large")
        return r
      }
      break
    case "|":
      if (a instanceof PyDict && b instanceof PyDict) return PyDict.from([...a.entries(), ...b.entries()])
      if (a instanceof PySet && b instanceof PySet) {
        const s = new PySet()
        for (const x of [...a.items(), ...b.items()]) s.add(x)
        return s
      }
      break
    case "&":
      if (a instanceof PySet && b instanceof PySet) {
        const s = new PySet()
        for (const x of a.items()) if (b.has(x)) s.add(x)
        return s
      }
      break
    case "-":
      if (a instanceof PySet && b instanceof PySet) {
        const s = new PySet()
        for (const x of a.items()) if (!b.has(x)) s.add(x)
        return s
      }
      break
  }
  return fail("TypeError", `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`)
}

export const arith = (op: string, a: Value, b: Value): Value => {
  const x = num(a)
  const y = num(b)
  const flt = a instanceof PyFloat || b instanceof PyFloat
  const out = (v: number) => (flt ? new PyFloat(v) : checkedInt(v))
  switch (op) {
    case "+":
      return out(x + y)
    case "-":
      return out(x - y)
    case "*":
      return out(x * y)
    case "/":
      if (y === 0) fail("ZeroDivisionError", "division by zero")
      // Python 2 semantics: int / int floors
      return flt ? new PyFloat(x / y) : Math.floor(x / y)
    case "//":
      if (y === 0) fail("ZeroDivisionError", "integer division or modulo by zero")
      return out(Math.floor(x / y))
    case "%": {
      if (y === 0) fail("ZeroDivisionError", "integer division or modulo by zero")
      const m = x - Math.floor(x / y) * y
      return out(m)
    }
    case "**":
      if (!flt && y < 0) return new PyFloat(x ** y)
      return out(x ** y)
    case "<<":
    case ">>":
    case "&":
    case "|":
    case "^": {
      if (flt) fail("TypeError", `unsupported operand type(s) for ${op}: 'float'`)
      const bx = BigInt(x)
      const by = BigInt(y)
      if (by < 0n && (op === "<<" || op === ">>")) fail("ValueError", "negative shift count")
      if (op === "<<" && y > 64) fail("ValueError", "shift count too large")
      const r =
        op === "<<"
          ? bx << by
          : op === ">>"
            ? bx >> by
            : op === "&"
              ? bx & by
              : op === "|"
                ? bx | by
                : bx ^ by
      return checkedInt(Number(r))
    }
    case "@":
      break
  }
  return fail("TypeError", `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`)
}
