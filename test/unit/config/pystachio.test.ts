import { describe, expect, it } from "vitest"
import { errorOf, reprOf, strOf } from "./run.ts"

describe("pystachio templating", () => {
  it("binds values into mustaches and coerces after interpolation", () => {
    expect(reprOf("result = Float('{{x}}.5')")).toBe("Float({{x}}.5)")
    expect(reprOf("result = Float('{{x}}.5').bind(x = 1)")).toBe("Float(1.5)")
    expect(reprOf("result = Float('{{x}}.5').bind(x = 1) == Float(1.5)")).toBe("True")
    expect(reprOf("result = Integer('{{n}}').bind(n = '3').get() + 1")).toBe("4")
    expect(reprOf("result = Boolean('{{b}}').bind(b = 'TRUE').get()")).toBe("True")
    expect(reprOf("result = String(5).get()")).toBe("'5'")
  })

  it("resolves innermost mustaches first", () => {
    const src = "c = String('{{metavar{{number}}}}').bind(metavar1 = 'first', metavar2 = 'second')\n"
    expect(strOf(`${src}result = c`)).toBe("{{metavar{{number}}}}")
    expect(strOf(`${src}result = c.bind(number = 1)`)).toBe("first")
    expect(strOf(`${src}result = c.bind(number = 2)`)).toBe("second")
  })

  it("binds lists, maps and structs and indexes into them", () => {
    expect(
      strOf("fib = List(Integer)([1, 1, 2, 3, 5, 8, 13])\nresult = String('{{fib[4]}}').bind(fib = fib)")
    ).toBe("5")
    expect(
      strOf(
        "m = Map(String, String)({'Kent': 'Clark', 'Wayne': 'Bruce'})\nresult = String('{{first[Kent]}}').bind(first = m)"
      )
    ).toBe("Clark")
    expect(strOf("result = String('{{p.cmdline}}').bind(p = Process(cmdline = 'echo hello world'))")).toBe(
      "echo hello world"
    )
    expect(strOf("result = String('{{a.b.c}}').bind({'a': {'b': {'c': 'deep'}}})")).toBe("deep")
  })

  it("lets closer bindings win and a struct's own fields win over bindings", () => {
    const src = `
p = Process(name = '{{context}}_process', cmdline = 'echo {{name}} {{self.name}}')
t = Task().bind(context = 'global')
t2 = t(processes = [p, p.bind(context = 'local')])
result = [x.name().get() for x in t2.processes()] + [t2.processes()[1].cmdline().get()]
`
    expect(reprOf(src)).toBe("['global_process', 'local_process', 'echo local_process local_process']")
    // a binding cannot override the struct's own field
    expect(
      strOf("result = Process(name = 'real', cmdline = '{{name}}').bind(name = 'bound').cmdline()")
    ).toBe("real")
    // a dotted binding is newer than, and overrides, a whole-struct binding
    expect(
      strOf(
        "class P(Struct):\n  v = Default(String, 'old')\nresult = String('{{p.v}}').bind(p = P()).bind({'p.v': 'new'})"
      )
    ).toBe("new")
  })

  it("leaves unbound refs literal and reports them", () => {
    expect(reprOf("result = String('a {{x}} b {{y.z}}').interpolate()[1]")).toBe("['x', 'y.z']")
    expect(strOf("result = String('a {{&x}} b')")).toBe("a {{x}} b")
    expect(errorOf("p = Process(name = '{{name}}', cmdline = 'x')\nx = p.name().get()")).toMatch(
      /nested too deeply/
    )
  })

  it("copies structs by calling them and keeps them immutable", () => {
    const src = `
base = Process(name = 'a', cmdline = 'x')
other = base(name = 'b')
result = (base.name().get(), other.name().get(), other.cmdline().get(), other.has_logger(), other.has_max_failures())
`
    expect(reprOf(src)).toBe("('a', 'b', 'x', False, True)")
    expect(errorOf("Process(nme = 'a')")).toMatch(/AttributeError: Unknown schema attribute nme/)
  })

  it("type checks with the failing path", () => {
    expect(strOf("result = Resources(cpu = 1, ram = 'lots', disk = 1).check().message()")).toBe(
      "Resources.ram: expected Integer, got 'lots'"
    )
    expect(reprOf("result = Resources(cpu = 1, ram = 1, disk = 1).check().ok()")).toBe("True")
    expect(strOf("result = Resources(cpu = 1, ram = 1).check().message()")).toBe("Resources.disk is required")
    expect(errorOf("Logger(destination = 'printer')")).toMatch(
      /only accepts the following values: file, console, both, none/
    )
    expect(errorOf("Task(processes = 'not a list')")).toMatch(
      /TypeError: Task.processes: expected ProcessList, got str/
    )
  })

  it("declares structs with Required, Default, inheritance, Enum and Choice", () => {
    const src = `
class Base(Struct):
  a = Required(String)
  b = Default(Integer, 2)
class Child(Base):
  c = Default(List(String), ['x'])
  e = Default(Enum('Color', ('red', 'blue')), 'red')
  f = Choice([Integer, String])
c = Child(a = 'A', f = 'str')
result = (c.a().get(), c.b().get(), c.c().get(), c.e().get(), c.f().get(), Child(f = 3).f().get(), Child().check().ok())
`
    expect(reprOf(src)).toBe("('A', 2, ['x'], 'red', 'str', 3, False)")
  })
})

describe("pystachio scopes: super and Environment", () => {
  it("resolves {{super.x}} in the enclosing scope, skipping the struct's own field", () => {
    const src = `
p = Process(name = 'inner', cmdline = 'echo {{name}} {{super.name}}')
t = Task(name = 'outer', processes = [p])
result = t.processes()[0].cmdline()
`
    expect(strOf(src)).toBe("echo inner outer")
  })

  it("binds Environment objects like dicts", () => {
    expect(strOf("result = String('{{a.b}}').bind(Environment({'a.b': 'x'}))")).toBe("x")
  })
})

describe("pystachio scopes inside a Job (spec §3.4)", () => {
  const job = (cmd: string, bind = "") => `
p = Process(name = 'proc', cmdline = '${cmd}')
t = Task(processes = [p], resources = Resources(cpu = 1, ram = 1, disk = 1))
j = Job(cluster = 'cl', role = 'ro', environment = 'en', instances = 3, task = t)${bind}
result = j.task().processes()[0].cmdline()
`
  it("resolves job fields from a process, the process's own name first", () => {
    expect(strOf(job("{{name}} {{role}} {{cluster}} {{environment}} {{instances}} {{task.name}}"))).toBe(
      "proc ro cl en 3 proc"
    )
  })

  it("evaluates a bound value containing mustaches where it is used", () => {
    expect(strOf(job("{{job_name}}", ".bind(job_name = '{{name}}')"))).toBe("proc")
  })
})
