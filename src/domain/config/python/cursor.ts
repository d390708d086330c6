/** Token cursor shared by the expression and statement parsers. */
import type { Pos } from "./ast.ts"
import { fail } from "./errors.ts"
import type { Token } from "./lexer.ts"

export const KEYWORDS = new Set([
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "exec",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
  "None",
  "True",
  "False"
])

/** Statements Python has that configuration files have no business using. */
export const REFUSED: Record<string, string> = {
  try: "try/except statements",
  raise: "raise statements",
  global: "global declarations",
  nonlocal: "nonlocal declarations",
  yield: "generators (yield)",
  async: "async code",
  await: "async code",
  exec: "exec",
  except: "try/except statements",
  finally: "try/finally statements"
}

export const AUG_OPS = new Set(["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>="])
export const MAX_NESTING = 150

export abstract class TokenCursor {
  protected i = 0
  protected nesting = 0
  constructor(
    protected readonly toks: Token[],
    protected readonly file: string
  ) {}

  protected get tok(): Token {
    return this.toks[this.i]
  }
  protected loc(t: Token = this.tok) {
    return { file: this.file, line: t.line, col: t.col }
  }
  protected err(msg: string, t: Token = this.tok): never {
    return fail("SyntaxError", msg, this.loc(t))
  }
  protected isOp(v: string): boolean {
    return this.tok.kind === "op" && this.tok.value === v
  }
  protected isKw(v: string): boolean {
    return this.tok.kind === "name" && this.tok.value === v
  }
  protected eatOp(v: string): boolean {
    if (this.isOp(v)) {
      this.i++
      return true
    }
    return false
  }
  protected eatKw(v: string): boolean {
    if (this.isKw(v)) {
      this.i++
      return true
    }
    return false
  }
  protected expectOp(v: string): Token {
    if (!this.isOp(v)) this.err(`expected '${v}' but found ${this.describe()}`)
    return this.toks[this.i++]
  }
  protected expectKw(v: string): void {
    if (!this.isKw(v)) this.err(`expected '${v}' but found ${this.describe()}`)
    this.i++
  }
  protected describe(t: Token = this.tok): string {
    switch (t.kind) {
      case "eof":
        return "end of file"
      case "newline":
        return "end of line"
      case "indent":
        return "unexpected indent"
      case "dedent":
        return "unexpected dedent"
      case "string":
        return "a string"
      default:
        return `'${t.value}'`
    }
  }
  protected ident(): string {
    const t = this.tok
    if (t.kind !== "name" || KEYWORDS.has(t.value)) this.err(`expected a name but found ${this.describe()}`)
    this.i++
    return t.value
  }
  protected pos(t: Token = this.tok): Pos {
    return { line: t.line, col: t.col }
  }
  protected enter(): void {
    if (++this.nesting > MAX_NESTING) this.err("expression or block nested too deeply")
  }
}
