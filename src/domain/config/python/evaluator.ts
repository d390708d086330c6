import type { Arg, CompClause, Expr, Params, Stmt } from "./ast.ts"
import { PyClass, PyInstance } from "./classes.ts"
import { fail, PyError } from "./errors.ts"
import { formatSpec } from "./format.ts"
import { getAttribute } from "./methods.ts"
import { binop, compareOp, contains, getitem, slice } from "./operators.ts"
import {
  charge,
  hashKey,
  isNumber,
  iterate,
  type Kwargs,
  MAX_SEQUENCE,
  meter,
  num,
  PyBuiltin,
  PyDict,
  PyFloat,
  PyFunc,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  repr,
  Scope,
  str,
  toIndex,
  truthy,
  typeName,
  type Value
} from "./values.ts"

type Signal =
  | undefined
  | { readonly k: "break" }
  | { readonly k: "continue" }
  | { readonly k: "return"; readonly v: Value }
const BREAK = { k: "break" } as const
const _MAX_STRING = 10_000_000
const CONTINUE = { k: "continue" } as const

export interface Limits {
  readonly maxSteps: number
  readonly maxDepth: number
}
export const DEFAULT_LIMITS: Limits = { maxSteps: 5_000_000, maxDepth: 120 }

/** Hooks the interpreter needs from its embedder (imports, class bodies, with-statements). */
export interface EvalHooks {
  importModule(name: string): Value | undefined
  makeClass(name: string, bases: Value[], attrs: Map<string, Value>): Value
}

/** Walks the tree. One instance per configuration load; not re-entrant across loads. */
export class Interpreter {
  depth = 0
  file = "<config>"
  constructor(
    readonly globals: Scope,
    readonly hooks: EvalHooks,
    readonly limits: Limits = DEFAULT_LIMITS
  ) {
    meter.used = 0
    meter.limit = limits.maxSteps
  }

  private tick(): void {
    charge(1)
  }

  private at<T>(e: { line: number; col: number }, f: () => T): T {
    try {
      return f()
    } catch (err) {
      if (err instanceof PyError && !err.location)
        err.location = { file: this.file, line: e.line, col: e.col }
      throw err
    }
  }

  /** Starts a fresh step budget (for calls made after the file ran, such as client hooks). */
  resetBudget(): void {
    meter.used = 0
    meter.limit = this.limits.maxSteps
  }

  execModule(body: ReadonlyArray<Stmt>, file: string): void {
    const prev = this.file
    this.file = file
    try {
      const sig = this.block(body, this.globals)
      if (sig) fail("SyntaxError", `'${sig.k}' outside ${sig.k === "return" ? "function" : "loop"}`)
    } finally {
      this.file = prev
    }
  }

  block(body: ReadonlyArray<Stmt>, scope: Scope): Signal {
    for (const s of body) {
      const sig = this.at(s, () => this.stmt(s, scope))
      if (sig) return sig
    }
    return undefined
  }

  private stmt(s: Stmt, scope: Scope): Signal {
    this.tick()
    switch (s.t) {
      case "expr":
        this.expr(s.e, scope)
        return undefined
      case "assign": {
        const v = this.expr(s.value, scope)
        for (const tg of s.targets) this.assign(tg, v, scope)
        return undefined
      }
      case "augassign": {
        const cur = this.expr(s.target, scope)
        const rhs = this.expr(s.value, scope)
        let v: Value
        if (s.op === "+" && cur instanceof PyList) {
          const more = iterate(rhs)
          if (cur.items.length + more.length > MAX_SEQUENCE) fail("ResourceLimit", "list result too large")
          cur.items.push(...more)
          v = cur
        } else v = this.binop(s.op, cur, rhs)
        this.assign(s.target, v, scope)
        return undefined
      }
      case "def":
        scope.vars.set(s.name, this.makeFunc(s.name, s.params, s.body, null, scope))
        return undefined
      case "class": {
        const bases = s.bases.map((b) => this.expr(b, scope))
        const cls = new Scope(scope)
        const plain = bases.every(
          (b) => b instanceof PyClass || (b instanceof PyBuiltin && b.name === "object")
        )
        if (!plain) {
          for (const st of s.body) {
            if (st.t !== "assign" && st.t !== "pass" && !(st.t === "expr" && st.e.t === "const")) {
              fail("RefusedConstruct", "Struct class bodies may only declare fields (name = Type)", {
                file: this.file,
                line: st.line,
                col: st.col
              })
            }
          }
        }
        this.block(s.body, cls)
        if (plain) {
          const base = bases.find((b) => b instanceof PyClass) as PyClass | undefined
          if (bases.filter((b) => b instanceof PyClass).length > 1) {
            fail("RefusedConstruct", `class ${s.name}: multiple inheritance is not supported`)
          }
          scope.vars.set(
            s.name,
            new PyClass(s.name, base ?? null, cls.vars, (fn, a, kw) => this.call(fn, a, kw))
          )
        } else scope.vars.set(s.name, this.hooks.makeClass(s.name, bases, cls.vars))
        return undefined
      }
      case "if":
        return truthy(this.expr(s.cond, scope)) ? this.block(s.body, scope) : this.block(s.orelse, scope)
      case "for": {
        const items = iterate(this.expr(s.iter, scope))
        for (const item of items) {
          this.tick()
          this.assign(s.target, item, scope)
          const sig = this.block(s.body, scope)
          if (sig === BREAK) return undefined
          if (sig && sig !== CONTINUE) return sig
        }
        return this.block(s.orelse, scope)
      }
      case "while": {
        while (truthy(this.expr(s.cond, scope))) {
          this.tick()
          const sig = this.block(s.body, scope)
          if (sig === BREAK) return undefined
          if (sig && sig !== CONTINUE) return sig
        }
        return this.block(s.orelse, scope)
      }
      case "with": {
        const ctx = this.expr(s.ctx, scope)
        if (!(ctx instanceof Object) || typeName(ctx) !== "file") {
          fail("RefusedConstruct", `'with' is only supported for open(...) files, got ${typeName(ctx)}`)
        }
        if (s.as) this.assign(s.as, ctx, scope)
        return this.block(s.body, scope)
      }
      case "return":
        return { k: "return", v: s.value ? this.expr(s.value, scope) : null }
      case "pass":
        return undefined
      case "break":
        return BREAK
      case "continue":
        return CONTINUE
      case "import":
        for (const { module, as } of s.names) {
          const m = this.hooks.importModule(module)
          if (m === undefined)
            fail("ImportError", `import of '${module}' is not allowed in configuration files`)
          const top = module.split(".")[0]
          scope.vars.set(as ?? top, as ? (m as Value) : (this.hooks.importModule(top) as Value))
        }
        return undefined
      case "from": {
        const m = this.hooks.importModule(s.module)
        if (m === undefined)
          fail("ImportError", `import of '${s.module}' is not allowed in configuration files`)
        for (const { name, as } of s.names) {
          const v = getAttribute(m as Value, name, this)
          if (v === undefined) fail("ImportError", `cannot import name '${name}' from '${s.module}'`)
          scope.vars.set(as ?? name, v as Value)
        }
        return undefined
      }
      case "assert":
        if (!truthy(this.expr(s.cond, scope))) {
          fail("AssertionError", s.msg ? str(this.expr(s.msg, scope)) : "assertion failed")
        }
        return undefined
      case "del":
        for (const tg of s.targets) this.del(tg, scope)
        return undefined
    }
  }

  private del(tg: Expr, scope: Scope): void {
    if (tg.t === "name") {
      if (!scope.vars.delete(tg.id)) fail("NameError", `name '${tg.id}' is not defined`)
    } else if (tg.t === "index") {
      const obj = this.expr(tg.obj, scope)
      const key = this.expr(tg.index, scope)
      if (obj instanceof PyDict) {
        if (!obj.delete(key)) fail("KeyError", repr(key))
      } else if (obj instanceof PyList) {
        const i = this.normIndex(toIndex(key), obj.items.length)
        obj.items.splice(i, 1)
      } else fail("TypeError", `'${typeName(obj)}' object does not support item deletion`)
    } else if (tg.t === "tuple" || tg.t === "list") for (const x of tg.items) this.del(x, scope)
    else fail("RefusedConstruct", "cannot delete this expression")
  }

  assign(tg: Expr, v: Value, scope: Scope): void {
    switch (tg.t) {
      case "name":
        scope.vars.set(tg.id, v)
        return
      case "tuple":
      case "list": {
        const items = iterate(v)
        const starAt = tg.items.findIndex((x) => x.t === "starred")
        if (starAt < 0) {
          if (items.length !== tg.items.length) {
            fail(
              "ValueError",
              items.length > tg.items.length
                ? `too many values to unpack (expected ${tg.items.length})`
                : `not enough values to unpack (expected ${tg.items.length}, got ${items.length})`
            )
          }
          for (let i = 0; i < tg.items.length; i++) this.assign(tg.items[i], items[i], scope)
          return
        }
        const after = tg.items.length - starAt - 1
        if (items.length < tg.items.length - 1) fail("ValueError", "not enough values to unpack")
        for (let i = 0; i < starAt; i++) this.assign(tg.items[i], items[i], scope)
        const star = tg.items[starAt]
        if (star.t === "starred")
          this.assign(star.e, new PyList(items.slice(starAt, items.length - after)), scope)
        for (let i = 0; i < after; i++)
          this.assign(tg.items[starAt + 1 + i], items[items.length - after + i], scope)
        return
      }
      case "index": {
        const obj = this.expr(tg.obj, scope)
        const key = this.expr(tg.index, scope)
        if (obj instanceof PyDict) obj.set(key, v)
        else if (obj instanceof PyList) {
          if (
            key instanceof PyTuple ||
            (key !== null && typeof key === "object" && "lo" in (key as object))
          ) {
            fail("RefusedConstruct", "slice assignment is not supported")
          }
          obj.items[this.normIndex(toIndex(key), obj.items.length)] = v
        } else fail("TypeError", `'${typeName(obj)}' object does not support item assignment`)
        return
      }
      case "attr": {
        const obj = this.expr(tg.obj, scope)
        if (!(obj instanceof PyInstance)) {
          fail("RefusedConstruct", `cannot set attribute '${tg.name}': configuration values are immutable`)
        }
        ;(obj as PyInstance).setattr(tg.name, v)
        return
      }
      default:
        fail("SyntaxError", "cannot assign to this expression")
    }
  }

  private normIndex(i: number, len: number): number {
    const j = i < 0 ? i + len : i
    if (j < 0 || j >= len) fail("IndexError", "list index out of range")
    return j
  }

  makeFunc(
    name: string,
    params: Params,
    body: ReadonlyArray<Stmt> | null,
    expr: Expr | null,
    scope: Scope
  ): PyFunc {
    const defaults = params.params.map((p) => (p.def ? this.expr(p.def, scope) : undefined))
    return new PyFunc(name, params, defaults, body, expr, scope, this.file)
  }

  call(fn: Value, args: Value[], kw: Kwargs): Value {
    this.tick()
    if (fn instanceof PyBuiltin) return fn.fn(args, kw)
    if (fn instanceof PyFunc) return this.callFunc(fn, args, kw)
    if (fn instanceof PyObject) return fn.call(args, kw)
    return fail("TypeError", `'${typeName(fn)}' object is not callable`)
  }

  private callFunc(fn: PyFunc, args: Value[], kw: Kwargs): Value {
    if (this.depth >= this.limits.maxDepth) fail("ResourceLimit", "maximum recursion depth exceeded")
    const local = new Scope(fn.scope)
    const ps = fn.params.params
    if (args.length > ps.length && !fn.params.star) {
      fail("TypeError", `${fn.name}() takes ${ps.length} positional arguments but ${args.length} were given`)
    }
    for (let i = 0; i < ps.length; i++) {
      if (i < args.length) local.vars.set(ps[i].name, args[i])
    }
    if (fn.params.star) local.vars.set(fn.params.star, new PyTuple(args.slice(ps.length)))
    const extra = fn.params.dstar ? new PyDict() : null
    for (const [k, v] of kw) {
      const idx = ps.findIndex((p) => p.name === k)
      if (idx >= 0) {
        if (idx < args.length) fail("TypeError", `${fn.name}() got multiple values for argument '${k}'`)
        local.vars.set(k, v)
      } else if (extra) extra.set(k, v)
      else fail("TypeError", `${fn.name}() got an unexpected keyword argument '${k}'`)
    }
    if (extra && fn.params.dstar) local.vars.set(fn.params.dstar, extra)
    for (let i = 0; i < ps.length; i++) {
      if (!local.vars.has(ps[i].name)) {
        const d = fn.defaults[i]
        if (d === undefined) fail("TypeError", `${fn.name}() missing required argument '${ps[i].name}'`)
        local.vars.set(ps[i].name, d as Value)
      }
    }
    const prevFile = this.file
    this.file = fn.file
    this.depth++
    try {
      if (fn.expr) return this.expr(fn.expr, local)
      const sig = this.block(fn.body ?? [], local)
      if (sig && sig.k === "return") return sig.v
      if (sig) fail("SyntaxError", `'${sig.k}' outside loop`)
      return null
    } finally {
      this.depth--
      this.file = prevFile
    }
  }

  private args(args: ReadonlyArray<Arg>, scope: Scope): [Value[], Kwargs] {
    const pos: Value[] = []
    const kw: Kwargs = new Map()
    for (const a of args) {
      const v = this.expr(a.value, scope)
      if (a.kind === "pos") pos.push(v)
      else if (a.kind === "kw") {
        if (kw.has(a.name!)) fail("SyntaxError", `keyword argument repeated: ${a.name}`)
        kw.set(a.name!, v)
      } else if (a.kind === "star") pos.push(...iterate(v))
      else {
        if (!(v instanceof PyDict))
          fail("TypeError", `argument after ** must be a mapping, not ${typeName(v)}`)
        for (const [k, x] of (v as PyDict).entries()) {
          if (typeof k !== "string") fail("TypeError", "keywords must be strings")
          kw.set(k as string, x)
        }
      }
    }
    return [pos, kw]
  }

  expr(e: Expr, scope: Scope): Value {
    switch (e.t) {
      case "const":
        return e.float ? new PyFloat(e.value as number) : e.value
      case "name": {
        const v = scope.lookup(e.id)
        if (v === undefined) {
          return this.at(e, () => fail("NameError", `name '${e.id}' is not defined`))
        }
        return v
      }
      case "fstr": {
        let out = ""
        for (const p of e.parts) out += typeof p === "string" ? p : this.fpart(p, scope)
        return out
      }
      case "attr": {
        const obj = this.expr(e.obj, scope)
        return this.at(e, () => {
          const v = getAttribute(obj, e.name, this)
          if (v === undefined)
            fail("AttributeError", `'${typeName(obj)}' object has no attribute '${e.name}'`)
          return v as Value
        })
      }
      case "index": {
        const obj = this.expr(e.obj, scope)
        const key = e.index.t === "slice" ? null : this.expr(e.index, scope)
        return this.at(e, () => {
          if (e.index.t === "slice") {
            const sl = e.index
            const lo = sl.lo ? this.expr(sl.lo, scope) : null
            const hi = sl.hi ? this.expr(sl.hi, scope) : null
            const step = sl.step ? this.expr(sl.step, scope) : null
            return slice(obj, lo, hi, step)
          }
          return this.getitem(obj, key)
        })
      }
      case "slice":
        return this.at(e, () => fail("SyntaxError", "slice outside of subscript"))
      case "call": {
        const fn = this.expr(e.fn, scope)
        const [args, kw] = this.args(e.args, scope)
        return this.at(e, () => this.call(fn, args, kw))
      }
      case "bin": {
        const l = this.expr(e.l, scope)
        const r = this.expr(e.r, scope)
        return this.at(e, () => this.binop(e.op, l, r))
      }
      case "unary": {
        const v = this.expr(e.e, scope)
        return this.at(e, () => {
          if (e.op === "not") return !truthy(v)
          if (!isNumber(v)) fail("TypeError", `bad operand type for unary ${e.op}: '${typeName(v)}'`)
          if (e.op === "-") return v instanceof PyFloat ? new PyFloat(-v.v) : -num(v)
          if (e.op === "+") return v instanceof PyFloat ? v : num(v)
          if (v instanceof PyFloat) fail("TypeError", "bad operand type for unary ~: 'float'")
          return ~num(v)
        })
      }
      case "bool": {
        const l = this.expr(e.l, scope)
        if (e.op === "and") return truthy(l) ? this.expr(e.r, scope) : l
        return truthy(l) ? l : this.expr(e.r, scope)
      }
      case "cmp": {
        let l = this.expr(e.first, scope)
        for (let i = 0; i < e.ops.length; i++) {
          const r = this.expr(e.rest[i], scope)
          const ok = this.at(e, () => compareOp(e.ops[i], l, r))
          if (!ok) return false
          l = r
        }
        return true
      }
      case "ifexp":
        return truthy(this.expr(e.cond, scope)) ? this.expr(e.body, scope) : this.expr(e.else_, scope)
      case "lambda":
        return this.makeFunc("<lambda>", e.params, null, e.body, scope)
      case "list":
        return new PyList(this.items(e.items, scope))
      case "tuple":
        return new PyTuple(this.items(e.items, scope))
      case "set": {
        const s = new PySet()
        for (const v of this.items(e.items, scope)) s.add(v)
        return s
      }
      case "dict": {
        const d = new PyDict()
        for (const [k, v] of e.items) {
          if (k === null) {
            const src = this.expr(v, scope)
            if (!(src instanceof PyDict)) this.at(e, () => fail("TypeError", "'**' needs a mapping"))
            for (const [kk, vv] of (src as PyDict).entries()) d.set(kk, vv)
          } else {
            const kv = this.expr(k, scope)
            d.set(kv, this.expr(v, scope))
          }
        }
        return d
      }
      case "comp":
        return this.at(e, () => this.comprehension(e, scope))
      case "starred":
        return this.at(e, () => fail("SyntaxError", "can't use starred expression here"))
    }
  }

  private items(es: ReadonlyArray<Expr>, scope: Scope): Value[] {
    const out: Value[] = []
    for (const x of es) {
      if (x.t === "starred") out.push(...iterate(this.expr(x.e, scope)))
      else out.push(this.expr(x, scope))
    }
    return out
  }

  private fpart(p: import("./ast.ts").FPart, scope: Scope): string {
    let v = this.expr(p.expr, scope)
    if (p.conv === "r") v = repr(v)
    else if (p.conv === "s") v = str(v)
    else if (p.conv !== null) fail("SyntaxError", `f-string: invalid conversion character '${p.conv}'`)
    const spec = p.spec ? p.spec.map((x) => (typeof x === "string" ? x : this.fpart(x, scope))).join("") : ""
    return formatSpec(v, spec)
  }

  private comprehension(e: Expr & { t: "comp" }, scope: Scope): Value {
    const local = new Scope(scope)
    const out: Value[] = []
    const dict = e.kind === "dict" ? new PyDict() : null
    const run = (i: number) => {
      if (i === e.clauses.length) {
        this.tick()
        if (dict) dict.set(this.expr(e.elt, local), this.expr(e.value!, local))
        else out.push(this.expr(e.elt, local))
        if (out.length > MAX_SEQUENCE) fail("ResourceLimit", "comprehension result too large")
        return
      }
      const c: CompClause = e.clauses[i]
      for (const item of iterate(this.expr(c.iter, i === 0 ? scope : local))) {
        this.tick()
        this.assign(c.target, item, local)
        if (c.ifs.every((f) => truthy(this.expr(f, local)))) run(i + 1)
      }
    }
    run(0)
    if (dict) return dict
    if (e.kind === "set") {
      const s = new PySet()
      for (const v of out) s.add(v)
      return s
    }
    return new PyList(out)
  }

  getitem(obj: Value, key: Value): Value {
    return getitem(obj, key)
  }

  contains(container: Value, item: Value): boolean {
    return contains(container, item)
  }

  binop(op: string, a: Value, b: Value): Value {
    return binop(op, a, b)
  }

  hash(v: Value): unknown {
    return hashKey(v)
  }
}
