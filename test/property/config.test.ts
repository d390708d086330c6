import * as Either from "effect/Either"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { evaluateConfig, evaluateJson, runPython } from "../../src/domain/config/evaluate.ts"
import { corpusHost } from "../unit/config/corpusHost.ts"

const LIMITS = { maxSteps: 20_000, maxDepth: 40 }
const host = corpusHost()

/** Never throws; a failure is a formatted message naming a Python-level error, not an internal one. */
const clean = (src: string) => {
  let r: ReturnType<typeof runPython> | undefined
  expect(() => {
    r = runPython(src, "/prop/x.aurora", host, LIMITS)
  }).not.toThrow()
  if (r && Either.isLeft(r)) expect(r.left).not.toMatch(/^InternalError/)
  return r!
}

const ATOMS = [
  "x",
  "y",
  "0",
  "1",
  "2.5",
  "'s'",
  "'{{a}}'",
  "None",
  "True",
  "[]",
  "{}",
  "()",
  "MB",
  "Process",
  "Resources",
  "String"
]
const OPS = [
  " + ",
  " - ",
  " * ",
  " / ",
  " // ",
  " % ",
  " ** ",
  " and ",
  " or ",
  " == ",
  " < ",
  " in ",
  " if x else "
]
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...ATOMS),
    fc.tuple(tie("e"), fc.constantFrom(...OPS), tie("e")).map(([a, o, b]) => `(${a}${o}${b})`),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `{${a}: ${b}}`),
    fc
      .tuple(
        fc.constantFrom(
          "len",
          "str",
          "int",
          "sorted",
          "list",
          "Process",
          "String",
          "Integer",
          "range",
          "max"
        ),
        tie("e")
      )
      .map(([f, a]) => `${f}(${a})`),
    fc
      .tuple(
        tie("e"),
        fc.constantFrom(".bind(a=1)", ".name()", "[0]", "[1:]", ".upper()", ".get()", "(name='n')")
      )
      .map(([a, s]) => `${a}${s}`),
    tie("e").map((a) => `[v for v in ${a} if v]`),
    tie("e").map((a) => `(lambda q: q)(${a})`),
    tie("e").map((a) => `'%s' % (${a},)`),
    tie("e").map((a) => `not ${a}`)
  )
})).e

const stmt = fc.oneof(
  expr.map((e) => `x = ${e}`),
  expr.map((e) => `y = ${e}`),
  expr.map((e) => `if ${e}:\n  x = 1\nelse:\n  y = 2`),
  expr.map((e) => `for v in ${e}:\n  x = v`),
  expr.map((e) => `while ${e}:\n  x = 0`),
  expr.map((e) => `def f(a, b=${e}):\n  return a\nx = f(1)`),
  expr.map((e) => `jobs = [${e}]`),
  expr.map((e) => `x += ${e}`)
)

describe("config interpreter never crashes", () => {
  it("on random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        clean(Buffer.from(bytes).toString("latin1"))
      }),
      { numRuns: 400 }
    )
  })

  it("on random unicode text and token soup", () => {
    const token = fc.constantFrom(
      "x",
      "=",
      "(",
      ")",
      "[",
      "]",
      "{",
      "}",
      ":",
      ",",
      ".",
      "'",
      '"',
      '"""',
      "\n",
      "  ",
      "\t",
      "\\",
      "#",
      "if",
      "else",
      "for",
      "in",
      "def",
      "class",
      "lambda",
      "return",
      "1",
      "1.5e3",
      "0x1f",
      "f'{x}'",
      "+",
      "*",
      "**",
      "%",
      "@",
      "import",
      "from",
      "with",
      "as",
      "yield",
      "try",
      "not",
      "and",
      "Struct",
      "{{",
      "}}"
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.array(token, { maxLength: 60 }).map((t) => t.join(" "))
        ),
        (src) => {
          clean(src)
        }
      ),
      { numRuns: 600 }
    )
  })

  it("on random well-formed programs", () => {
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), (stmts) => {
        const src = `x = 1\ny = [1, 2]\n${stmts.join("\n")}\n`
        const r = clean(src)
        // the same program evaluates to the same outcome (determinism)
        const again = runPython(src, "/prop/x.aurora", host, LIMITS)
        expect(Either.isLeft(again)).toBe(Either.isLeft(r))
      }),
      { numRuns: 300 }
    )
  })

  it("evaluateConfig and evaluateJson return values, never exceptions", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 80 })), (text) => {
        expect(() => evaluateJson(text)).not.toThrow()
        expect(() => evaluateConfig(text, "/prop/y.aurora", host, LIMITS)).not.toThrow()
      }),
      { numRuns: 300 }
    )
  })

  it("on random mustache templates", () => {
    const piece = fc.constantFrom(
      "{{",
      "}}",
      "a",
      "b",
      ".",
      "[",
      "]",
      "0",
      "&",
      "{{a}}",
      "{{b.c}}",
      "{{d[0]}}",
      "{{self.x}}",
      " "
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const tpl = parts.join("").replace(/'/g, "")
        clean(
          `class S(Struct):\n  x = Default(String, '${tpl}')\nl = List(String)(['${tpl}'])\nr = String('${tpl}').bind(a='{{b.c}}', b={'c': '${tpl}'}, d=l).bind(s=S())\nv = (str(r), r.check().ok(), S().x().get())`
        )
      }),
      { numRuns: 300 }
    )
  })
})
