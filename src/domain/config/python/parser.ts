/** Statements of the Python subset; anything outside it is refused by name. */
import type { Expr, Stmt } from "./ast.ts"
import { AUG_OPS, REFUSED } from "./cursor.ts"
import { fail } from "./errors.ts"
import { type Token, tokenize } from "./lexer.ts"
import { ExprParser } from "./parseExpr.ts"

class Parser extends ExprParser {
  module(): Stmt[] {
    const out: Stmt[] = []
    while (this.tok.kind !== "eof") {
      if (this.tok.kind === "newline") {
        this.i++
        continue
      }
      if (this.tok.kind === "indent") this.err("unexpected indent")
      out.push(...this.statement())
    }
    return out
  }

  protected block(): Stmt[] {
    this.expectOp(":")
    this.enter()
    let body: Stmt[]
    if (this.tok.kind !== "newline") body = this.simpleLine()
    else {
      this.i++
      if ((this.tok as Token).kind !== "indent") this.err("expected an indented block")
      this.i++
      body = []
      const kind = (): string => this.tok.kind
      while (kind() !== "dedent" && kind() !== "eof") {
        if (kind() === "newline") {
          this.i++
          continue
        }
        body.push(...this.statement())
      }
      if (kind() === "dedent") this.i++
    }
    this.nesting--
    return body
  }

  protected statement(): Stmt[] {
    const t = this.tok
    if (t.kind === "op" && t.value === "@") this.err("decorators are not supported")
    if (t.kind === "name") {
      if (t.value in REFUSED) {
        fail("RefusedConstruct", `${REFUSED[t.value]} are not allowed in configuration files`, this.loc())
      }
      switch (t.value) {
        case "def":
          return [this.def()]
        case "class":
          return [this.classDef()]
        case "if":
          return [this.ifStmt()]
        case "for":
          return [this.forStmt()]
        case "while": {
          this.i++
          const cond = this.test()
          const body = this.block()
          const orelse = this.eatKw("else") ? this.block() : []
          return [{ t: "while", cond, body, orelse, ...this.pos(t) }]
        }
        case "with":
          return [this.withStmt()]
      }
    }
    return this.simpleLine()
  }

  protected simpleLine(): Stmt[] {
    const out = [this.simple()]
    while (this.eatOp(";")) {
      if (this.tok.kind === "newline" || this.tok.kind === "eof") break
      out.push(this.simple())
    }
    if (this.tok.kind !== "newline" && this.tok.kind !== "eof")
      this.err(`invalid syntax at ${this.describe()}`)
    if (this.tok.kind === "newline") this.i++
    return out
  }

  protected simple(): Stmt {
    const t = this.tok
    const p = this.pos(t)
    if (t.kind === "name") {
      if (t.value in REFUSED) {
        fail("RefusedConstruct", `${REFUSED[t.value]} are not allowed in configuration files`, this.loc())
      }
      switch (t.value) {
        case "pass":
          this.i++
          return { t: "pass", ...p }
        case "break":
          this.i++
          return { t: "break", ...p }
        case "continue":
          this.i++
          return { t: "continue", ...p }
        case "return": {
          this.i++
          const value = this.atStmtEnd() ? null : this.testList()
          return { t: "return", value, ...p }
        }
        case "import":
          return this.importStmt()
        case "from":
          return this.fromStmt()
        case "assert": {
          this.i++
          const cond = this.test()
          const msg = this.eatOp(",") ? this.test() : null
          return { t: "assert", cond, msg, ...p }
        }
        case "del": {
          this.i++
          const targets = [this.expr()]
          while (this.eatOp(",")) targets.push(this.expr())
          return { t: "del", targets, ...p }
        }
        case "print":
          if (this.toks[this.i + 1]?.kind === "string" || this.toks[this.i + 1]?.kind === "name") {
            fail(
              "RefusedConstruct",
              "the Python 2 print statement is not supported; use print(...)",
              this.loc()
            )
          }
      }
    }
    const first = this.testListStar()
    if (this.tok.kind === "op" && AUG_OPS.has(this.tok.value)) {
      const op = this.tok.value.slice(0, -1)
      this.i++
      this.checkTarget(first, false)
      return { t: "augassign", target: first, op, value: this.testList(), ...p }
    }
    if (this.isOp("=")) {
      const targets = [first]
      let value: Expr = first
      while (this.eatOp("=")) {
        value = this.testListStar()
        targets.push(value)
      }
      targets.pop()
      for (const tg of targets) this.checkTarget(tg, true)
      return { t: "assign", targets, value, ...p }
    }
    return { t: "expr", e: first, ...p }
  }

  protected dotted(): string {
    let name = this.ident()
    while (this.eatOp(".")) name += `.${this.ident()}`
    return name
  }

  protected importStmt(): Stmt {
    const p = this.pos()
    this.i++
    const names: { module: string; as: string | null }[] = []
    do {
      const module = this.dotted()
      names.push({ module, as: this.eatKw("as") ? this.ident() : null })
    } while (this.eatOp(","))
    return { t: "import", names, ...p }
  }

  protected fromStmt(): Stmt {
    const p = this.pos()
    this.i++
    if (this.isOp(".")) fail("RefusedConstruct", "relative imports are not allowed", this.loc())
    const module = this.dotted()
    this.expectKw("import")
    if (this.isOp("*")) fail("RefusedConstruct", "'from ... import *' is not allowed", this.loc())
    const paren = this.eatOp("(")
    const names: { name: string; as: string | null }[] = []
    do {
      if (paren && this.isOp(")")) break
      const name = this.ident()
      names.push({ name, as: this.eatKw("as") ? this.ident() : null })
    } while (this.eatOp(","))
    if (paren) this.expectOp(")")
    return { t: "from", module, names, ...p }
  }

  protected def(): Stmt {
    const p = this.pos()
    this.i++
    const name = this.ident()
    this.expectOp("(")
    const params = this.params(")")
    this.expectOp(")")
    if (this.eatOp("->")) this.test()
    return { t: "def", name, params, body: this.block(), ...p }
  }

  protected classDef(): Stmt {
    const p = this.pos()
    this.i++
    const name = this.ident()
    const bases: Expr[] = []
    if (this.eatOp("(")) {
      while (!this.isOp(")")) {
        bases.push(this.test())
        if (!this.eatOp(",")) break
      }
      this.expectOp(")")
    }
    return { t: "class", name, bases, body: this.block(), ...p }
  }

  protected ifStmt(): Stmt {
    const p = this.pos()
    this.i++
    const cond = this.test()
    const body = this.block()
    let orelse: Stmt[] = []
    if (this.isKw("elif")) orelse = [this.ifStmt()]
    else if (this.eatKw("else")) orelse = this.block()
    return { t: "if", cond, body, orelse, ...p }
  }

  protected forStmt(): Stmt {
    const p = this.pos()
    this.i++
    const target = this.targetList()
    this.expectKw("in")
    const iter = this.testList()
    const body = this.block()
    const orelse = this.eatKw("else") ? this.block() : []
    return { t: "for", target, iter, body, orelse, ...p }
  }

  protected withStmt(): Stmt {
    const p = this.pos()
    this.i++
    const ctx = this.test()
    const as = this.eatKw("as") ? this.targetList() : null
    if (this.isOp(","))
      fail("RefusedConstruct", "only one context manager per 'with' is supported", this.loc())
    return { t: "with", ctx, as, body: this.block(), ...p }
  }
}

/** Parses a whole file into statements; throws PyError (caught by the evaluator's boundary). */
export const parseModule = (src: string, file: string): Stmt[] =>
  new Parser(tokenize(src, file), file).module()
