/** Plain classes (`class Hook(object): def pre_create_job(self, ...)`): enough for client hook objects. */
import { fail } from "./errors.ts"
import { type Kwargs, PyBuiltin, PyFunc, PyObject, type Value } from "./values.ts"

/** Calls a function value; supplied by the interpreter so methods run with its budget and scoping. */
export type Caller = (fn: Value, args: Value[], kw: Kwargs) => Value

export class PyClass extends PyObject {
  constructor(
    readonly name: string,
    readonly base: PyClass | null,
    readonly attrs: ReadonlyMap<string, Value>,
    readonly caller: Caller
  ) {
    super()
  }
  typeName() {
    return "type"
  }
  override repr() {
    return `<class '${this.name}'>`
  }
  lookup(name: string): Value | undefined {
    for (let c: PyClass | null = this; c; c = c.base) {
      if (c.attrs.has(name)) return c.attrs.get(name)
    }
    return undefined
  }
  override getattr(name: string): Value | undefined {
    return name === "__name__" ? this.name : this.lookup(name)
  }
  override call(args: Value[], kw: Kwargs): Value {
    const self = new PyInstance(this)
    const init = this.lookup("__init__")
    if (init !== undefined) this.caller(init, [self, ...args], kw)
    else if (args.length > 0 || kw.size > 0) fail("TypeError", `${this.name}() takes no arguments`)
    return self
  }
  instanceCheck(v: Value): boolean {
    if (!(v instanceof PyInstance)) return false
    for (let c: PyClass | null = v.cls; c; c = c.base) if (c === this) return true
    return false
  }
}

export class PyInstance extends PyObject {
  readonly attrs = new Map<string, Value>()
  constructor(readonly cls: PyClass) {
    super()
  }
  typeName() {
    return this.cls.name
  }
  override repr() {
    return `<${this.cls.name} object>`
  }
  override getattr(name: string): Value | undefined {
    if (this.attrs.has(name)) return this.attrs.get(name)
    const v = this.cls.lookup(name)
    if (v instanceof PyFunc || v instanceof PyBuiltin) {
      return new PyBuiltin(name, (args, kw) => this.cls.caller(v, [this, ...args], kw))
    }
    return v
  }
  setattr(name: string, v: Value): void {
    this.attrs.set(name, v)
  }
}
