import { fail } from "./errors.ts"

export type TokKind = "name" | "int" | "float" | "string" | "op" | "newline" | "indent" | "dedent" | "eof"

export interface Token {
  readonly kind: TokKind
  readonly value: string
  readonly line: number
  readonly col: number
  /** For strings: f-string flag; the value is already unescaped (raw body for f-strings). */
  readonly fstring?: boolean
  readonly raw?: boolean
}

const OPERATORS = [
  "**=",
  "//=",
  ">>=",
  "<<=",
  "...",
  "**",
  "//",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "<>",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "->",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "~",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ".",
  ";",
  "@",
  "="
]

const isIdStart = (c: string) => {
  const k = c.charCodeAt(0)
  return (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || k === 95 || k > 127
}
const isIdChar = (c: string) => {
  const k = c.charCodeAt(0)
  return (k >= 97 && k <= 122) || (k >= 65 && k <= 90) || (k >= 48 && k <= 57) || k === 95 || k > 127
}
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9"
const OPS3 = new Set(OPERATORS.filter((o) => o.length === 3))
const OPS2 = new Set(OPERATORS.filter((o) => o.length === 2))
const OPS1 = new Set(OPERATORS.filter((o) => o.length === 1))
const matchOp = (src: string, i: number): string | undefined => {
  const three = src.slice(i, i + 3)
  if (OPS3.has(three)) return three
  const two = three.slice(0, 2)
  if (OPS2.has(two)) return two
  return OPS1.has(three[0]) ? three[0] : undefined
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": ""
}

export const unescapeString = (body: string, file: string, line: number, col: number): string => {
  if (!body.includes("\\")) return body
  let out = ""
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c !== "\\" || i + 1 >= body.length) {
      out += c
      continue
    }
    const n = body[++i]
    if (n in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[n]
    else if (n === "x" || n === "u" || n === "U") {
      const len = n === "x" ? 2 : n === "u" ? 4 : 8
      const hex = body.slice(i + 1, i + 1 + len)
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
        fail("SyntaxError", `invalid \\${n} escape in string`, { file, line, col })
      }
      const cp = Number.parseInt(hex, 16)
      if (cp > 0x10ffff) fail("SyntaxError", "invalid unicode escape in string", { file, line, col })
      out += String.fromCodePoint(cp)
      i += len
    } else if (/[0-7]/.test(n)) {
      let oct = n
      while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? "")) oct += body[++i]
      out += String.fromCharCode(Number.parseInt(oct, 8))
    } else out += `\\${n}`
  }
  return out
}

/** Python's tokenizer: INDENT/DEDENT from leading whitespace, implicit joining inside brackets. */
export const tokenize = (input: string, file: string): Token[] => {
  // a UTF-8 byte order mark is not part of the program
  const src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const toks: Token[] = []
  const indents = [0]
  let depth = 0
  let i = 0
  let line = 1
  let lineStart = 0
  let atLineStart = true
  const n = src.length
  const push = (kind: TokKind, value: string, start: number, extra?: Partial<Token>) =>
    toks.push({ kind, value, line, col: start - lineStart + 1, ...extra })

  while (i < n) {
    if (atLineStart && depth === 0) {
      // measure indentation; blank and comment-only lines do not count
      let col = 0
      let j = i
      while (j < n && (src[j] === " " || src[j] === "\t" || src[j] === "\f")) {
        col = src[j] === "\t" ? (Math.floor(col / 8) + 1) * 8 : col + 1
        j++
      }
      if (j >= n) break
      const c = src[j]
      if (c === "\n" || c === "\r" || c === "#") {
        while (j < n && src[j] !== "\n") j++
        i = j + 1
        line++
        lineStart = i
        continue
      }
      if (c === "\\" && (src[j + 1] === "\n" || (src[j + 1] === "\r" && src[j + 2] === "\n"))) {
        i = j
        atLineStart = false
        continue
      }
      i = j
      atLineStart = false
      const top = indents[indents.length - 1]
      if (col > top) {
        indents.push(col)
        push("indent", "", i)
      } else if (col < top) {
        while (indents[indents.length - 1] > col) {
          indents.pop()
          push("dedent", "", i)
        }
        if (indents[indents.length - 1] !== col) {
          fail("SyntaxError", "unindent does not match any outer indentation level", {
            file,
            line,
            col: col + 1
          })
        }
      }
      continue
    }
    const c = src[i]
    if (c === " " || c === "\t" || c === "\f" || c === "\r") {
      i++
      continue
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++
      continue
    }
    if (c === "\\") {
      let j = i + 1
      if (src[j] === "\r") j++
      if (src[j] === "\n") {
        i = j + 1
        line++
        lineStart = i
        continue
      }
      fail("SyntaxError", "unexpected character after line continuation character", {
        file,
        line,
        col: i - lineStart + 1
      })
    }
    if (c === "\n") {
      if (depth === 0 && toks.length > 0 && toks[toks.length - 1].kind !== "newline") push("newline", "", i)
      i++
      line++
      lineStart = i
      atLineStart = depth === 0
      continue
    }
    // string literal, with optional prefix
    let p = i
    while (p < n && p - i < 2 && "rRuUbBfF".includes(src[p])) p++
    if ((src[p] === "'" || src[p] === '"') && (p === i || /^(r|u|b|f|rb|br|fr|rf)$/i.test(src.slice(i, p)))) {
      const prefix = src.slice(i, p).toLowerCase()
      const q = src[p]
      const triple = src[p + 1] === q && src[p + 2] === q
      const start = i
      const startLine = line
      const startCol = i - lineStart + 1
      let j = p + (triple ? 3 : 1)
      const bodyStart = j
      let closed = false
      while (j < n) {
        const d = src[j]
        if (d === "\\") {
          if (src[j + 1] === "\n") {
            line++
            lineStart = j + 2
          }
          j += 2
          continue
        }
        if (d === "\n") {
          if (!triple) break
          line++
          lineStart = j + 1
        }
        if (d === q && (!triple || (src[j + 1] === q && src[j + 2] === q))) {
          closed = true
          break
        }
        j++
      }
      if (!closed) {
        fail(
          "SyntaxError",
          triple ? "EOF while scanning triple-quoted string literal" : "EOL while scanning string literal",
          { file, line: startLine, col: startCol }
        )
      }
      const body = src.slice(bodyStart, j).replace(/\r\n/g, "\n")
      const raw = prefix.includes("r")
      const fstring = prefix.includes("f")
      const value = raw || fstring ? body : unescapeString(body, file, startLine, startCol)
      toks.push({ kind: "string", value, line: startLine, col: startCol, fstring, raw })
      void start
      i = j + (triple ? 3 : 1)
      continue
    }
    if (isIdStart(c)) {
      let j = i + 1
      while (j < n && isIdChar(src[j])) j++
      push("name", src.slice(i, j), i)
      i = j
      continue
    }
    if (isDigit(c) || (c === "." && isDigit(src[i + 1]))) {
      const m =
        /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)([lLjJ]?)/.exec(
          src.slice(i, i + 400)
        )
      const text = m ? m[1] : c
      if (m?.[2] === "j" || m?.[2] === "J") {
        fail("RefusedConstruct", "complex numbers are not supported", { file, line, col: i - lineStart + 1 })
      }
      const isFloat = !/^0[xXoObB]/.test(text) && /[.eE]/.test(text)
      push(isFloat ? "float" : "int", text.replace(/_/g, ""), i)
      i += text.length + (m?.[2] ? 1 : 0)
      continue
    }
    const op = matchOp(src, i)
    if (op) {
      if (op === "(" || op === "[" || op === "{") depth++
      else if (op === ")" || op === "]" || op === "}") depth = Math.max(0, depth - 1)
      push("op", op, i)
      i += op.length
      continue
    }
    fail("SyntaxError", `invalid character ${JSON.stringify(c)}`, { file, line, col: i - lineStart + 1 })
  }
  if (toks.length > 0 && toks[toks.length - 1].kind !== "newline") push("newline", "", i)
  while (indents.length > 1) {
    indents.pop()
    push("dedent", "", i)
  }
  push("eof", "", i)
  return toks
}
