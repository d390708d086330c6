/** f-strings: literal text and `{expr!conv:spec}` holes, parsed at the literal's position. */
import type { Expr, FPart } from "./ast.ts"
import { fail } from "./errors.ts"
import { type Token, unescapeString } from "./lexer.ts"

export const parseFString = (
  t: Token,
  file: string,
  parseExpression: (src: string) => Expr
): (string | FPart)[] => {
  const loc = { file, line: t.line, col: t.col }
  const body = t.value
  const parseParts = (s: string, nested: boolean): (string | FPart)[] => {
    const out: (string | FPart)[] = []
    let lit = ""
    let k = 0
    while (k < s.length) {
      const c = s[k]
      if (c === "{" && s[k + 1] === "{" && !nested) {
        lit += "{"
        k += 2
      } else if (c === "}" && s[k + 1] === "}" && !nested) {
        lit += "}"
        k += 2
      } else if (c === "}") {
        fail("SyntaxError", "f-string: single '}' is not allowed", loc)
      } else if (c === "{") {
        // find the matching close brace, honouring nesting and quotes
        let d = 0
        let j = k + 1
        let quote: string | null = null
        let exprEnd = -1
        let convAt = -1
        let specAt = -1
        for (; j < s.length; j++) {
          const ch = s[j]
          if (quote) {
            if (ch === quote) quote = null
            continue
          }
          if (ch === "'" || ch === '"') quote = ch
          else if (ch === "[" || ch === "(" || ch === "{") d++
          else if ((ch === "]" || ch === ")" || (ch === "}" && d > 0)) && d > 0) d--
          else if (d === 0 && ch === "!" && s[j + 1] !== "=" && convAt < 0 && specAt < 0) convAt = j
          else if (d === 0 && ch === ":" && specAt < 0) specAt = j
          else if (d === 0 && ch === "}") {
            exprEnd = j
            break
          }
        }
        if (exprEnd < 0) fail("SyntaxError", "f-string: expecting '}'", loc)
        const stop = convAt >= 0 ? convAt : specAt >= 0 ? specAt : exprEnd
        const src = s.slice(k + 1, stop)
        if (src.trim() === "") fail("SyntaxError", "f-string: empty expression not allowed", loc)
        const conv = convAt >= 0 ? s.slice(convAt + 1, specAt >= 0 ? specAt : exprEnd) : null
        const spec = specAt >= 0 ? parseParts(s.slice(specAt + 1, exprEnd), true) : null
        if (lit) out.push(unescapeLit(lit))
        lit = ""
        out.push({ expr: parseExpression(`(${src})`), conv, spec })
        k = exprEnd + 1
      } else {
        lit += c
        k++
      }
    }
    if (lit) out.push(unescapeLit(lit))
    return out
  }
  const unescapeLit = (s: string) => (t.raw ? s : unescapeString(s, file, t.line, t.col))
  return parseParts(body, false)
}
