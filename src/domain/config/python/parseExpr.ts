/** Expressions of the Python subset (precedence climbing by recursive descent). */
import type { Arg, CompClause, Expr, FPart, Param, Params, Pos } from "./ast.ts"
import { AUG_OPS, KEYWORDS, REFUSED, TokenCursor } from "./cursor.ts"
import { fail } from "./errors.ts"
import { parseFString } from "./fstring.ts"
import { type Token, tokenize } from "./lexer.ts"

export class ExprParser extends TokenCursor {
  protected checkTarget(e: Expr, allowTuple: boolean): void {
    if (e.t === "name" || e.t === "attr" || e.t === "index") return
    if (allowTuple && (e.t === "tuple" || e.t === "list")) {
      for (const x of e.items) this.checkTarget(x.t === "starred" ? x.e : x, true)
      return
    }
    fail("SyntaxError", "cannot assign to this expression", { file: this.file, line: e.line, col: e.col })
  }

  protected atStmtEnd(): boolean {
    return this.tok.kind === "newline" || this.tok.kind === "eof" || this.isOp(";")
  }

  protected params(close: string): Params {
    const params: Param[] = []
    let star: string | null = null
    let dstar: string | null = null
    while (!this.isOp(close)) {
      if (this.eatOp("**")) dstar = this.ident()
      else if (this.eatOp("*")) star = this.ident()
      else {
        const name = this.ident()
        if (close === ")" && this.eatOp(":")) this.test()
        const def = this.eatOp("=") ? this.test() : null
        if (def === null && params.some((q) => q.def !== null)) {
          this.err("non-default argument follows default argument")
        }
        params.push({ name, def })
      }
      if (!this.eatOp(",")) break
    }
    return { params, star, dstar }
  }

  protected targetList(): Expr {
    const p = this.pos()
    const first = this.expr()
    if (!this.isOp(",")) {
      this.checkTarget(first, true)
      return first
    }
    const items = [first]
    while (this.eatOp(",")) {
      if (this.isKw("in") || this.isOp("=") || this.isOp(":")) break
      items.push(this.expr())
    }
    const e: Expr = { t: "tuple", items, ...p }
    this.checkTarget(e, true)
    return e
  }

  // ---- expressions ----

  protected testList(): Expr {
    const p = this.pos()
    const first = this.test()
    if (!this.isOp(",")) return first
    const items = [first]
    while (this.eatOp(",")) {
      if (this.atStmtEnd() || this.isOp("=") || this.isOp(")")) break
      items.push(this.test())
    }
    return { t: "tuple", items, ...p }
  }

  protected testListStar(): Expr {
    const p = this.pos()
    const one = () => (this.isOp("*") ? this.starred() : this.test())
    const first = one()
    if (!this.isOp(",")) return first
    const items = [first]
    while (this.eatOp(",")) {
      if (this.atStmtEnd() || this.isOp("=") || (this.tok.kind === "op" && AUG_OPS.has(this.tok.value))) break
      items.push(one())
    }
    return { t: "tuple", items, ...p }
  }

  protected starred(): Expr {
    const p = this.pos()
    this.expectOp("*")
    return { t: "starred", e: this.expr(), ...p }
  }

  test(): Expr {
    this.enter()
    const p = this.pos()
    let e: Expr
    if (this.isKw("lambda")) {
      this.i++
      const params = this.params(":")
      this.expectOp(":")
      e = { t: "lambda", params, body: this.test(), ...p }
    } else {
      e = this.orTest()
      if (this.isKw("if")) {
        this.i++
        const cond = this.orTest()
        this.expectKw("else")
        const else_ = this.test()
        e = { t: "ifexp", cond, body: e, else_, ...p }
      }
    }
    this.nesting--
    return e
  }

  protected testNoCond(): Expr {
    return this.orTest()
  }

  protected orTest(): Expr {
    let l = this.andTest()
    while (this.isKw("or")) {
      const p = this.pos()
      this.i++
      l = { t: "bool", op: "or", l, r: this.andTest(), ...p }
    }
    return l
  }

  protected andTest(): Expr {
    let l = this.notTest()
    while (this.isKw("and")) {
      const p = this.pos()
      this.i++
      l = { t: "bool", op: "and", l, r: this.notTest(), ...p }
    }
    return l
  }

  protected notTest(): Expr {
    if (this.isKw("not")) {
      const p = this.pos()
      this.i++
      this.enter()
      const e: Expr = { t: "unary", op: "not", e: this.notTest(), ...p }
      this.nesting--
      return e
    }
    return this.comparison()
  }

  protected compOp(): string | null {
    const t = this.tok
    if (t.kind === "op" && ["<", ">", "==", ">=", "<=", "!=", "<>"].includes(t.value)) {
      this.i++
      return t.value === "<>" ? "!=" : t.value
    }
    if (this.isKw("in")) {
      this.i++
      return "in"
    }
    if (this.isKw("not") && this.toks[this.i + 1]?.kind === "name" && this.toks[this.i + 1].value === "in") {
      this.i += 2
      return "not in"
    }
    if (this.isKw("is")) {
      this.i++
      return this.eatKw("not") ? "is not" : "is"
    }
    return null
  }

  protected comparison(): Expr {
    const p = this.pos()
    const first = this.expr()
    const ops: string[] = []
    const rest: Expr[] = []
    for (let op = this.compOp(); op !== null; op = this.compOp()) {
      ops.push(op)
      rest.push(this.expr())
    }
    return ops.length === 0 ? first : { t: "cmp", first, ops, rest, ...p }
  }

  protected binary(next: () => Expr, ops: ReadonlyArray<string>): Expr {
    let l = next()
    while (this.tok.kind === "op" && ops.includes(this.tok.value)) {
      const p = this.pos()
      const op = this.tok.value
      this.i++
      l = { t: "bin", op, l, r: next(), ...p }
    }
    return l
  }

  expr(): Expr {
    return this.binary(() => this.xorExpr(), ["|"])
  }
  protected xorExpr(): Expr {
    return this.binary(() => this.andExpr(), ["^"])
  }
  protected andExpr(): Expr {
    return this.binary(() => this.shiftExpr(), ["&"])
  }
  protected shiftExpr(): Expr {
    return this.binary(() => this.arith(), ["<<", ">>"])
  }
  protected arith(): Expr {
    return this.binary(() => this.term(), ["+", "-"])
  }
  protected term(): Expr {
    return this.binary(() => this.factor(), ["*", "/", "//", "%", "@"])
  }
  protected factor(): Expr {
    const t = this.tok
    if (t.kind === "op" && (t.value === "-" || t.value === "+" || t.value === "~")) {
      this.i++
      this.enter()
      const e: Expr = { t: "unary", op: t.value, e: this.factor(), ...this.pos(t) }
      this.nesting--
      return e
    }
    return this.power()
  }
  protected power(): Expr {
    const base = this.trailers(this.atom())
    if (this.isOp("**")) {
      const p = this.pos()
      this.i++
      this.enter()
      const e: Expr = { t: "bin", op: "**", l: base, r: this.factor(), ...p }
      this.nesting--
      return e
    }
    return base
  }

  protected trailers(e: Expr): Expr {
    for (;;) {
      const p = this.pos()
      if (this.eatOp("(")) e = { t: "call", fn: e, args: this.callArgs(), ...p }
      else if (this.eatOp("[")) {
        const index = this.subscript()
        this.expectOp("]")
        e = { t: "index", obj: e, index, ...p }
      } else if (this.eatOp(".")) e = { t: "attr", obj: e, name: this.ident(), ...p }
      else return e
    }
  }

  protected callArgs(): Arg[] {
    const args: Arg[] = []
    this.enter()
    while (!this.isOp(")")) {
      if (this.eatOp("**")) args.push({ kind: "dstar", value: this.test() })
      else if (this.eatOp("*")) args.push({ kind: "star", value: this.test() })
      else if (
        this.tok.kind === "name" &&
        this.toks[this.i + 1]?.kind === "op" &&
        this.toks[this.i + 1].value === "="
      ) {
        const name = this.ident()
        this.i++
        args.push({ kind: "kw", name, value: this.test() })
      } else {
        const v = this.test()
        if (this.isKw("for")) {
          args.push({ kind: "pos", value: this.comprehension("gen", v, null, v) })
        } else args.push({ kind: "pos", value: v })
      }
      if (!this.eatOp(",")) break
    }
    this.expectOp(")")
    this.nesting--
    return args
  }

  protected subscript(): Expr {
    const p = this.pos()
    const one = (): Expr => {
      const sp = this.pos()
      let lo: Expr | null = null
      if (!this.isOp(":")) {
        lo = this.test()
        if (!this.isOp(":")) return lo
      }
      this.expectOp(":")
      const hi = this.isOp("]") || this.isOp(":") || this.isOp(",") ? null : this.test()
      let step: Expr | null = null
      if (this.eatOp(":")) step = this.isOp("]") || this.isOp(",") ? null : this.test()
      return { t: "slice", lo, hi, step, ...sp }
    }
    const first = one()
    if (!this.isOp(",")) return first
    const items = [first]
    while (this.eatOp(",") && !this.isOp("]")) items.push(one())
    return { t: "tuple", items, ...p }
  }

  protected comprehension(
    kind: "list" | "gen" | "set" | "dict",
    elt: Expr,
    value: Expr | null,
    at: Pos
  ): Expr {
    const clauses: CompClause[] = []
    while (this.eatKw("for")) {
      const target = this.targetList()
      this.expectKw("in")
      const iter = this.orTest()
      const ifs: Expr[] = []
      while (this.eatKw("if")) ifs.push(this.testNoCond())
      clauses.push({ target, iter, ifs })
    }
    return { t: "comp", kind, elt, value, clauses, line: at.line, col: at.col }
  }

  protected atom(): Expr {
    const t = this.tok
    const p = this.pos(t)
    switch (t.kind) {
      case "int": {
        this.i++
        const v = /^0[xX]/.test(t.value)
          ? Number.parseInt(t.value.slice(2), 16)
          : /^0[oO]/.test(t.value)
            ? Number.parseInt(t.value.slice(2), 8)
            : /^0[bB]/.test(t.value)
              ? Number.parseInt(t.value.slice(2), 2)
              : /^0[0-7]+$/.test(t.value)
                ? Number.parseInt(t.value, 8)
                : Number(t.value)
        return { t: "const", value: v, ...p }
      }
      case "float":
        this.i++
        return { t: "const", value: Number(t.value), float: true, ...p }
      case "string":
        return this.strings()
      case "name": {
        if (t.value === "None" || t.value === "True" || t.value === "False") {
          this.i++
          return { t: "const", value: t.value === "None" ? null : t.value === "True", ...p }
        }
        if (t.value in REFUSED) {
          fail("RefusedConstruct", `${REFUSED[t.value]} are not allowed in configuration files`, this.loc())
        }
        if (KEYWORDS.has(t.value)) this.err(`invalid syntax at '${t.value}'`)
        this.i++
        return { t: "name", id: t.value, ...p }
      }
      case "op":
        break
      default:
        this.err(`invalid syntax: unexpected ${this.describe()}`)
    }
    this.enter()
    let e: Expr
    if (this.eatOp("(")) {
      if (this.eatOp(")")) e = { t: "tuple", items: [], ...p }
      else {
        const first = this.isOp("*") ? this.starred() : this.test()
        if (this.isKw("for")) e = this.comprehension("gen", first, null, p)
        else if (this.isOp(",")) {
          const items = [first]
          while (this.eatOp(",") && !this.isOp(")")) items.push(this.isOp("*") ? this.starred() : this.test())
          e = { t: "tuple", items, ...p }
        } else e = first
        this.expectOp(")")
        this.nesting--
        return e
      }
    } else if (this.eatOp("[")) {
      const items: Expr[] = []
      if (!this.isOp("]")) {
        const first = this.isOp("*") ? this.starred() : this.test()
        if (this.isKw("for")) {
          e = this.comprehension("list", first, null, p)
          this.expectOp("]")
          this.nesting--
          return e
        }
        items.push(first)
        while (this.eatOp(",") && !this.isOp("]")) items.push(this.isOp("*") ? this.starred() : this.test())
      }
      this.expectOp("]")
      e = { t: "list", items, ...p }
    } else if (this.eatOp("{")) {
      e = this.braces(p)
    } else {
      this.err(`invalid syntax: unexpected ${this.describe()}`)
    }
    this.nesting--
    return e
  }

  protected braces(p: Pos): Expr {
    if (this.eatOp("}")) return { t: "dict", items: [], ...p }
    if (this.eatOp("**")) {
      const items: [Expr | null, Expr][] = [[null, this.expr()]]
      return this.dictRest(items, p)
    }
    const first = this.test()
    if (this.eatOp(":")) {
      const v = this.test()
      if (this.isKw("for")) {
        const e = this.comprehension("dict", first, v, p)
        this.expectOp("}")
        return e
      }
      return this.dictRest([[first, v]], p)
    }
    if (this.isKw("for")) {
      const e = this.comprehension("set", first, null, p)
      this.expectOp("}")
      return e
    }
    const items = [first]
    while (this.eatOp(",") && !this.isOp("}")) items.push(this.test())
    this.expectOp("}")
    return { t: "set", items, ...p }
  }

  protected dictRest(items: [Expr | null, Expr][], p: Pos): Expr {
    while (this.eatOp(",") && !this.isOp("}")) {
      if (this.eatOp("**")) items.push([null, this.expr()])
      else {
        const k = this.test()
        this.expectOp(":")
        items.push([k, this.test()])
      }
    }
    this.expectOp("}")
    return { t: "dict", items, ...p }
  }

  /** Adjacent literals concatenate; f-strings among them are parsed into parts. */
  protected strings(): Expr {
    const first = this.tok
    const parts: (string | FPart)[] = []
    let anyF = false
    while (this.tok.kind === "string") {
      const t = this.tok
      this.i++
      if (t.fstring) {
        anyF = true
        parts.push(...this.fstring(t))
      } else parts.push(t.value)
    }
    if (!anyF) return { t: "const", value: parts.join(""), ...this.pos(first) }
    return { t: "fstr", parts, ...this.pos(first) }
  }

  protected fstring(t: Token): (string | FPart)[] {
    return parseFString(t, this.file, (src) => parseExpression(src, this.file, t.line, t.col))
  }
}

/** Parses one expression (f-string holes); positions are reported at the enclosing literal. */
const parseExpression = (src: string, file: string, line: number, col: number): Expr => {
  const toks = tokenize(src, file).map((tk) => ({ ...tk, line, col }))
  return new ExprParser(toks, file).test()
}
