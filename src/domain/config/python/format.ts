import { fail } from "./errors.ts"
import {
  floatRepr,
  isInt,
  isNumber,
  num,
  PyDict,
  PyFloat,
  PyObject,
  PyTuple,
  repr,
  str,
  typeName,
  type Value
} from "./values.ts"

const pad = (s: string, width: number, align: string, fill: string): string => {
  if (s.length >= width) return s
  const n = width - s.length
  if (align === "<") return s + fill.repeat(n)
  if (align === "^") return fill.repeat(Math.floor(n / 2)) + s + fill.repeat(Math.ceil(n / 2))
  if (align === "=") {
    const sign = /^[+\- ]/.test(s) ? s[0] : ""
    return sign + fill.repeat(n) + s.slice(sign.length)
  }
  return fill.repeat(n) + s
}

const fixed = (x: number, prec: number): string => {
  if (!Number.isFinite(x)) return floatRepr(x)
  return x.toFixed(Math.min(prec, 100))
}

const expo = (x: number, prec: number): string => {
  if (!Number.isFinite(x)) return floatRepr(x)
  const [m, e] = x.toExponential(Math.min(prec, 100)).split("e")
  return `${m}e${e[0] === "-" ? "-" : "+"}${e.replace(/^[+-]/, "").padStart(2, "0")}`
}

const general = (x: number, prec: number, alt: boolean): string => {
  if (!Number.isFinite(x)) return floatRepr(x)
  const p = prec === 0 ? 1 : prec
  if (x === 0) return "0"
  const exp = Math.floor(Math.log10(Math.abs(x)))
  let s = exp < -4 || exp >= p ? expo(x, p - 1) : fixed(x, Math.max(0, p - 1 - exp))
  if (!alt) s = s.replace(/\.?0+(?=e|$)/, "").replace(/\.(?=e)/, "")
  return s
}

const intDigits = (v: number, type: string): string => {
  const a = Math.abs(Math.trunc(v))
  switch (type) {
    case "x":
      return a.toString(16)
    case "X":
      return a.toString(16).toUpperCase()
    case "o":
      return a.toString(8)
    case "b":
      return a.toString(2)
    default:
      return a.toString()
  }
}

/** Applies a format-spec (`format()`, `str.format`, f-strings). */
export const formatSpec = (v: Value, spec: string): string => {
  if (spec === "") return str(v)
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec)
  if (!m) return fail("ValueError", `invalid format specifier '${spec}'`)
  const [, fillC, alignC, sign = "-", alt, zero, widthS, group, precS, type = ""] = m
  const width = widthS ? Number(widthS) : 0
  const prec = precS === undefined ? -1 : Number(precS)
  let fill = fillC ?? " "
  let align = alignC ?? ""
  if (zero && !alignC) {
    fill = "0"
    align = "="
  }
  let body: string
  let negative = false
  if (typeof v === "string" || (!isNumber(v) && !(v instanceof PyObject))) {
    if (type && type !== "s")
      return fail("ValueError", `Unknown format code '${type}' for object of type '${typeName(v)}'`)
    body = str(v)
    if (prec >= 0) body = body.slice(0, prec)
    return pad(body, width, align || "<", fill)
  }
  if (v instanceof PyObject) return pad(str(v), width, align || "<", fill)
  const x = num(v)
  const isFloatV = v instanceof PyFloat
  negative = x < 0 || Object.is(x, -0)
  const ax = Math.abs(x)
  switch (type) {
    case "d":
    case "n":
    case "x":
    case "X":
    case "o":
    case "b":
      if (isFloatV) return fail("ValueError", `Unknown format code '${type}' for object of type 'float'`)
      body = intDigits(x, type)
      if (alt && type !== "d" && type !== "n") body = `0${type === "X" ? "X" : type}${body}`
      break
    case "c":
      body = String.fromCodePoint(ax)
      break
    case "e":
    case "E":
      body = expo(ax, prec < 0 ? 6 : prec)
      if (type === "E") body = body.toUpperCase()
      break
    case "f":
    case "F":
      body = fixed(ax, prec < 0 ? 6 : prec)
      break
    case "%":
      body = `${fixed(ax * 100, prec < 0 ? 6 : prec)}%`
      break
    case "g":
    case "G":
      body = general(ax, prec < 0 ? 6 : prec, !!alt)
      if (type === "G") body = body.toUpperCase()
      break
    case "s":
      return fail("ValueError", `Unknown format code 's' for object of type '${typeName(v)}'`)
    default:
      body = isFloatV ? (prec >= 0 ? general(ax, prec, false) : floatRepr(ax)) : String(Math.trunc(ax))
  }
  if (group) {
    const [ip, fp] = body.split(".")
    const grouped = ip.replace(/\B(?=(\d{3})+(?!\d))/g, group)
    body = fp === undefined ? grouped : `${grouped}.${fp}`
  }
  const signStr = negative ? "-" : sign === "+" ? "+" : sign === " " ? " " : ""
  return pad(signStr + body, width, align || ">", fill)
}

/** `fmt % args`, Python's printf-style formatting. */
export const percentFormat = (fmt: string, args: Value): string => {
  const positional = args instanceof PyTuple ? args.items : [args]
  const mapping = args instanceof PyDict || args instanceof PyObject ? args : null
  let k = 0
  let out = ""
  const re = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrs%])/g
  let last = 0
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index)
    last = re.lastIndex
    const [, key, flags, widthS, precS, conv] = m
    if (conv === "%") {
      out += "%"
      continue
    }
    const next = (): Value => {
      if (k >= positional.length) return fail("TypeError", "not enough arguments for format string")
      return positional[k++]
    }
    const width = widthS === "*" ? num(next()) : widthS ? Number(widthS) : 0
    const prec = precS === "*" ? num(next()) : precS !== undefined ? Number(precS) : -1
    let v: Value
    if (key !== undefined) {
      if (!mapping) return fail("TypeError", "format requires a mapping")
      const got = mapping instanceof PyDict ? mapping.get(key) : mapping.getitem(key)
      if (got === undefined) return fail("KeyError", repr(key))
      v = got
    } else v = next()
    let s: string
    switch (conv) {
      case "s":
        s = str(v)
        if (prec >= 0) s = s.slice(0, prec)
        break
      case "r":
        s = repr(v)
        break
      case "c":
        s = typeof v === "string" ? v : String.fromCodePoint(num(v))
        break
      default: {
        let x: Value = v
        if (typeof x === "string" || (!isNumber(x) && !(x instanceof PyObject))) {
          return fail("TypeError", `%${conv} format: a number is required, not ${typeName(v)}`)
        }
        if (x instanceof PyObject) {
          const n = Number(str(x))
          if (Number.isNaN(n))
            return fail("TypeError", `%${conv} format: a number is required, not ${typeName(v)}`)
          x = n
        }
        const spec = `${flags.includes("+") ? "+" : flags.includes(" ") ? " " : ""}${flags.includes("#") ? "#" : ""}${prec >= 0 ? `.${prec}` : ""}`
        const t = conv === "i" || conv === "u" ? "d" : conv
        const val: Value = "dioxXu".includes(conv) && !isInt(x) ? Math.trunc(num(x)) : x
        s = formatSpec(val, spec + t)
      }
    }
    if (width > 0) {
      if (flags.includes("-")) s = s.padEnd(width)
      else if (flags.includes("0") && !"sr".includes(conv)) {
        const sign = /^[+\- ]/.test(s) ? s[0] : ""
        s = sign + s.slice(sign.length).padStart(width - sign.length, "0")
      } else s = s.padStart(width)
    }
    out += s
  }
  out += fmt.slice(last)
  if (!mapping && k < positional.length && args instanceof PyTuple) {
    return fail("TypeError", "not all arguments converted during string formatting")
  }
  if (
    !mapping &&
    k === 0 &&
    !(args instanceof PyTuple) &&
    positional.length === 1 &&
    !/%/.test(fmt.replace(/%%/g, ""))
  ) {
    return fail("TypeError", "not all arguments converted during string formatting")
  }
  return out
}
