/** Pystachio's typed values: immutable, lazily interpolated, carrying their binding scopes. */

import { toFloat, toInt } from "../python/builtins.ts"
import { fail } from "../python/errors.ts"
import {
  floatRepr,
  type Kwargs,
  num,
  PyBuiltin,
  PyDict,
  PyFloat,
  PyList,
  PyObject,
  PyTuple,
  repr,
  str,
  type Value
} from "../python/values.ts"
import { coerce, dataToPython, renderJson } from "./coerce.ts"
import { toScopes } from "./env.ts"
import { hasMustache, type Namable, type Ref, type Resolved, resolveString } from "./template.ts"
import { type PType, sameType } from "./types.ts"

export { coerce, dataToPython, renderJson, toPlain } from "./coerce.ts"
export { Env, toScopes } from "./env.ts"

export type Scopes = ReadonlyArray<Namable>

/** `Empty`: an unset field. */
export class EmptyValue extends PyObject {
  typeName() {
    return "Empty"
  }
  override repr() {
    return "Empty"
  }
}
export const EMPTY = new EmptyValue()

let renderDepth = 0
const MAX_RENDER_DEPTH = 200

export interface Interpolated {
  readonly obj: PObj
  readonly unbound: ReadonlyArray<string>
}

export abstract class PObj extends PyObject implements Namable {
  constructor(
    readonly type: PType,
    readonly scopes: Scopes
  ) {
    super()
  }
  typeName(): string {
    return this.type.name
  }
  abstract withScopes(scopes: Scopes): PObj
  /** Interpolates in this object's scopes: fully resolved where possible, plus unbound ref addresses. */
  private memo: Interpolated | undefined
  /** Interpolates in this object's scopes; memoised, since objects and their scopes never change. */
  interpolate(): Interpolated {
    if (!this.memo) this.memo = this.doInterpolate()
    return this.memo
  }
  protected abstract doInterpolate(): Interpolated
  private checked: Map<string, string | null> | undefined
  /** Type check after interpolation; the first problem, naming the path. Memoised like interpolation. */
  checkAt(path: string): string | null {
    if (!this.checked) this.checked = new Map()
    let r = this.checked.get(path)
    if (r === undefined) {
      r = this.doCheckAt(path)
      this.checked.set(path, r)
    }
    return r
  }
  protected abstract doCheckAt(path: string): string | null
  /** Plain JSON-able data (floats boxed as PyFloat for exact rendering). */
  abstract toData(): unknown
  find(ref: Ref, from: number): Resolved | undefined {
    void ref
    void from
    return undefined
  }
  bind(scopes: ReadonlyArray<Namable>): PObj {
    return this.withScopes([...[...scopes].reverse(), ...this.scopes])
  }
  inScope(scopes: Scopes): PObj {
    return scopes.length === 0 ? this : this.withScopes([...this.scopes, ...scopes])
  }
  render(): string {
    if (renderDepth >= MAX_RENDER_DEPTH) {
      return fail("ValueError", "template references are nested too deeply (a reference cycle?)")
    }
    renderDepth++
    try {
      return this.interpolate().obj.str()
    } finally {
      renderDepth--
    }
  }
  override getattr(name: string): Value | undefined {
    switch (name) {
      case "bind":
        return new PyBuiltin("bind", (a, kw) => this.bind(toScopes(a, kw)))
      case "in_scope":
        return new PyBuiltin("in_scope", (a, kw) => this.inScope(toScopes(a, kw)))
      case "interpolate":
        return new PyBuiltin("interpolate", () => {
          const r = this.interpolate()
          return new PyTuple([r.obj, new PyList([...r.unbound])])
        })
      case "check":
        return new PyBuiltin("check", () => new TypeCheck(this.checkAt(this.type.name)))
      case "copy":
        return new PyBuiltin("copy", () => this)
      case "get":
        return new PyBuiltin("get", () => dataToPython(this.interpolate().obj.toData()))
      case "json_dumps":
        return new PyBuiltin("json_dumps", () => renderJson(this.interpolate().obj.toData()))
    }
    return undefined
  }
  override equals(other: Value): boolean {
    if (!(other instanceof PObj) || !sameType(this.type, other.type)) return false
    return renderJson(this.interpolate().obj.toData()) === renderJson(other.interpolate().obj.toData())
  }
  override hashKey(): unknown {
    return `pobj:${this.type.name}:${renderJson(this.interpolate().obj.toData())}`
  }
}

export class TypeCheck extends PyObject {
  constructor(readonly error: string | null) {
    super()
  }
  typeName() {
    return "TypeCheck"
  }
  override getattr(name: string): Value | undefined {
    if (name === "ok") return new PyBuiltin("ok", () => this.error === null)
    if (name === "message") return new PyBuiltin("message", () => this.error ?? "")
    return undefined
  }
}

/** Bindings: `.bind(a=1)` / `.bind({'a.b': 2})`; keys are refs, values strings or objects. */

// ---------------------------------------------------------------- simple values

type Raw = string | number | boolean | PyFloat

/** Coerces an interpolated raw value; a string message when impossible. */
export const coerceSimple = (t: PType & { k: "simple" }, raw: Raw): Raw | { error: string } => {
  try {
    switch (t.kind) {
      case "String":
        return typeof raw === "string" ? raw : str(raw)
      case "Integer":
        if (typeof raw === "string" && !/^\s*[+-]?\d+\s*$/.test(raw))
          return { error: `${repr(raw)} not an integer` }
        return toInt(raw)
      case "Float":
        return new PyFloat(toFloat(raw))
      case "Boolean": {
        if (typeof raw === "boolean") return raw
        if (typeof raw === "string") {
          const l = raw.toLowerCase()
          if (l === "true" || l === "1") return true
          if (l === "false" || l === "0") return false
          return { error: `${repr(raw)} not a boolean` }
        }
        return num(raw) !== 0
      }
      case "Enum":
        if (typeof raw !== "string" || !t.values!.includes(raw)) {
          return { error: `${repr(raw)} is not one of ${t.values!.join(", ")}` }
        }
        return raw
    }
  } catch {
    return { error: `${repr(raw)} not ${t.kind === "Integer" ? "an integer" : `a ${t.kind.toLowerCase()}`}` }
  }
}

export class PSimple extends PObj {
  constructor(
    type: PType,
    readonly raw: Raw,
    scopes: Scopes = []
  ) {
    super(type, scopes)
  }
  withScopes(scopes: Scopes): PObj {
    return new PSimple(this.type, this.raw, scopes)
  }
  protected doInterpolate(): Interpolated {
    const t = this.type as PType & { k: "simple" }
    if (typeof this.raw === "string" && hasMustache(this.raw)) {
      const r = resolveString(this.raw, this.scopes)
      if (r.unbound.length > 0) return { obj: new PSimple(t, r.text), unbound: r.unbound }
      const c = coerceSimple(t, r.text)
      return { obj: new PSimple(t, typeof c === "object" && "error" in c ? r.text : c), unbound: [] }
    }
    const c = coerceSimple(t, this.raw)
    return { obj: typeof c === "object" && "error" in c ? this : new PSimple(t, c), unbound: [] }
  }
  protected doCheckAt(path: string): string | null {
    const t = this.type as PType & { k: "simple" }
    const { obj, unbound } = this.interpolate()
    const raw = (obj as PSimple).raw
    if (unbound.length > 0) {
      return t.kind === "String"
        ? null
        : `${path}: expected ${t.name}, got ${repr(str(raw))} (unbound ${unbound.map((u) => `{{${u}}}`).join(", ")})`
    }
    const c = coerceSimple(t, raw)
    return typeof c === "object" && "error" in c ? `${path}: expected ${t.name}, got ${reprRaw(raw)}` : null
  }
  toData(): unknown {
    return this.raw
  }
  override str(): string {
    const r = this.interpolate().obj as PSimple
    return typeof r.raw === "string" ? r.raw : str(r.raw)
  }
  override repr(): string {
    return `${this.type.name}(${this.str()})`
  }
}

const reprRaw = (raw: Raw): string => (raw instanceof PyFloat ? floatRepr(raw.v) : repr(raw))

// ---------------------------------------------------------------- containers

export class PList extends PObj {
  constructor(
    type: PType,
    readonly items: ReadonlyArray<PObj>,
    scopes: Scopes = []
  ) {
    super(type, scopes)
  }
  withScopes(scopes: Scopes): PObj {
    return new PList(this.type, this.items, scopes)
  }
  override find(ref: Ref, from: number): Resolved | undefined {
    const c = ref.comps[from]
    if (!c.index || !/^\d+$/.test(c.name)) return undefined
    const item = this.items[Number(c.name)]
    if (!item) return undefined
    const scoped = item.inScope(this.scopes)
    return from + 1 === ref.comps.length ? scoped : scoped.find(ref, from + 1)
  }
  protected doInterpolate(): Interpolated {
    const unbound = new Set<string>()
    const items = this.items.map((x) => {
      const r = x.inScope(this.scopes).interpolate()
      for (const u of r.unbound) unbound.add(u)
      return r.obj
    })
    return { obj: new PList(this.type, items), unbound: [...unbound] }
  }
  protected doCheckAt(path: string): string | null {
    for (let i = 0; i < this.items.length; i++) {
      const e = this.items[i].inScope(this.scopes).checkAt(`${path}[${i}]`)
      if (e) return e
    }
    return null
  }
  toData(): unknown {
    return this.items.map((x) => x.toData())
  }
  private scoped: PObj[] | undefined
  override iter(): Value[] {
    if (!this.scoped) this.scoped = this.items.map((x) => x.inScope(this.scopes))
    return [...this.scoped]
  }
  override len(): number {
    return this.items.length
  }
  override getitem(key: Value): Value | undefined {
    if (typeof key !== "number") return undefined
    const i = key < 0 ? key + this.items.length : key
    if (i < 0 || i >= this.items.length) return fail("IndexError", "list index out of range")
    return this.items[i].inScope(this.scopes)
  }
  override add(other: Value): Value | undefined {
    if (other instanceof PList || other instanceof PyList || other instanceof PyTuple) {
      const more = other instanceof PList ? other.iter() : other.items
      return coerce(this.type, new PyList([...this.iter(), ...more]), this.type.name)
    }
    return undefined
  }
  override repr(): string {
    return `${this.type.name}(${this.items.map((x) => x.repr()).join(", ")})`
  }
}

export class PMap extends PObj {
  constructor(
    type: PType,
    readonly entries: ReadonlyArray<readonly [PObj, PObj]>,
    scopes: Scopes = []
  ) {
    super(type, scopes)
  }
  withScopes(scopes: Scopes): PObj {
    return new PMap(this.type, this.entries, scopes)
  }
  private lookup(key: string): PObj | undefined {
    for (const [k, v] of this.entries) if (k.inScope(this.scopes).str() === key) return v.inScope(this.scopes)
    return undefined
  }
  override find(ref: Ref, from: number): Resolved | undefined {
    const c = ref.comps[from]
    if (!c.index) return undefined
    const v = this.lookup(c.name)
    if (!v) return undefined
    return from + 1 === ref.comps.length ? v : v.find(ref, from + 1)
  }
  protected doInterpolate(): Interpolated {
    const unbound = new Set<string>()
    const entries = this.entries.map(([k, v]) => {
      const rk = k.inScope(this.scopes).interpolate()
      const rv = v.inScope(this.scopes).interpolate()
      for (const u of [...rk.unbound, ...rv.unbound]) unbound.add(u)
      return [rk.obj, rv.obj] as const
    })
    return { obj: new PMap(this.type, entries), unbound: [...unbound] }
  }
  protected doCheckAt(path: string): string | null {
    for (const [k, v] of this.entries) {
      const ks = k.inScope(this.scopes)
      const e = ks.checkAt(`${path}[key]`) ?? v.inScope(this.scopes).checkAt(`${path}[${ks.str()}]`)
      if (e) return e
    }
    return null
  }
  toData(): unknown {
    return new Map(this.entries.map(([k, v]) => [k.str(), v.toData()]))
  }
  override iter(): Value[] {
    return this.entries.map(([k]) => k.inScope(this.scopes))
  }
  override len(): number {
    return this.entries.length
  }
  override getitem(key: Value): Value | undefined {
    const v = this.lookup(key instanceof PObj ? key.str() : str(key))
    return v ?? fail("KeyError", repr(key))
  }
  override repr(): string {
    return `${this.type.name}(${this.entries.map(([k, v]) => `${k.str()} => ${v.repr()}`).join(", ")})`
  }
}

// ---------------------------------------------------------------- structs

/** A stand-in for self scope: `{{self.x}}` resolves to the struct's own field. */
class SelfEnv implements Namable {
  constructor(readonly s: PStruct) {}
  find(ref: Ref, from: number): Resolved | undefined {
    const c = ref.comps[from]
    if (c.index || c.name !== "self" || from + 1 >= ref.comps.length) return undefined
    return this.s.find(ref, from + 1)
  }
}

/** `{{super.x}}`: skip this struct and look outward (pystachio's fourth scope rule). */
class SuperEnv implements Namable {
  constructor(readonly s: PStruct) {}
  find(ref: Ref, from: number): Resolved | undefined {
    const c = ref.comps[from]
    if (c.index || c.name !== "super" || from + 1 >= ref.comps.length) return undefined
    for (const scope of this.s.scopes) {
      const found = scope.find(ref, from + 1)
      if (found !== undefined) return found
    }
    return undefined
  }
}

export class PStruct extends PObj {
  private cachedScopes: Scopes | undefined
  constructor(
    type: PType & { k: "struct" },
    /** Explicitly set fields; EMPTY marks a field unset on purpose. */
    readonly data: ReadonlyMap<string, PObj | EmptyValue>,
    scopes: Scopes = []
  ) {
    super(type, scopes)
  }
  get stype(): PType & { k: "struct" } {
    return this.type as PType & { k: "struct" }
  }
  withScopes(scopes: Scopes): PObj {
    return new PStruct(this.stype, this.data, scopes)
  }
  /** The field's value (set or default), without scope; undefined when Empty. */
  raw(name: string): PObj | undefined {
    const v = this.data.get(name)
    if (v !== undefined) return v instanceof PObj ? v : undefined
    return this.stype.fields.get(name)?.default
  }
  /** The field as seen from inside this struct (self first, then bindings, then enclosing scopes). */
  private fields: Map<string, PObj | undefined> | undefined
  field(name: string): PObj | undefined {
    if (!this.fields) this.fields = new Map()
    if (this.fields.has(name)) return this.fields.get(name)
    const v = this.raw(name)?.inScope(this.fullScopes())
    this.fields.set(name, v)
    return v
  }
  fullScopes(): Scopes {
    if (!this.cachedScopes) this.cachedScopes = [new SelfEnv(this), this, ...this.scopes, new SuperEnv(this)]
    return this.cachedScopes
  }
  has(name: string): boolean {
    return this.raw(name) !== undefined
  }
  override find(ref: Ref, from: number): Resolved | undefined {
    const c = ref.comps[from]
    if (c.index) return undefined
    const v = this.field(c.name)
    if (!v) return undefined
    return from + 1 === ref.comps.length ? v : v.find(ref, from + 1)
  }
  protected doInterpolate(): Interpolated {
    const unbound = new Set<string>()
    const data = new Map<string, PObj | EmptyValue>()
    const scopes = this.fullScopes()
    for (const name of this.stype.order) {
      const v = this.raw(name)
      if (!v) continue
      const r = v.inScope(scopes).interpolate()
      for (const u of r.unbound) unbound.add(u)
      data.set(name, r.obj)
    }
    return { obj: new PStruct(this.stype, data), unbound: [...unbound] }
  }
  protected doCheckAt(path: string): string | null {
    const scopes = this.fullScopes()
    for (const name of this.stype.order) {
      const sig = this.stype.fields.get(name)!
      const v = this.raw(name)
      if (!v) {
        if (sig.required) return `${path}.${name} is required`
        continue
      }
      const e = v.inScope(scopes).checkAt(`${path}.${name}`)
      if (e) return e
    }
    return null
  }
  toData(): unknown {
    const out = new Map<string, unknown>()
    for (const name of this.stype.order) {
      const v = this.raw(name)
      if (v) out.set(name, v.toData())
    }
    return out
  }
  /** Copy with fields replaced; keeps bindings. */
  update(kw: Kwargs | ReadonlyArray<readonly [string, Value]>): PStruct {
    const data = new Map(this.data)
    for (const [k, v] of kw) {
      const sig = this.stype.fields.get(k)
      if (!sig) fail("AttributeError", `Unknown schema attribute ${k}`)
      data.set(
        k,
        v instanceof EmptyValue || v === null ? EMPTY : coerce(sig!.type, v, `${this.type.name}.${k}`)
      )
    }
    return new PStruct(this.stype, data, this.scopes)
  }
  override call(args: Value[], kw: Kwargs): Value {
    let s: PStruct = this
    for (const a of args) {
      if (!(a instanceof PyDict)) fail("TypeError", `${this.type.name}() positional arguments must be dicts`)
      s = s.update((a as PyDict).entries().map(([k, v]) => [str(k), v] as const))
    }
    return s.update(kw)
  }
  override getattr(name: string): Value | undefined {
    const base = super.getattr(name)
    if (base !== undefined) return base
    if (this.stype.fields.has(name)) return new PyBuiltin(name, () => this.field(name) ?? EMPTY)
    if (name.startsWith("has_") && this.stype.fields.has(name.slice(4))) {
      return new PyBuiltin(name, () => this.has(name.slice(4)))
    }
    return undefined
  }
  override str(): string {
    return this.repr()
  }
  override repr(): string {
    const i = this.interpolate().obj as PStruct
    const parts = this.stype.order.flatMap((n) => {
      const v = i.raw(n)
      return v ? [`${n}=${v.repr()}`] : []
    })
    return `${this.type.name}(${parts.join(", ")})`
  }
}
