import { describe, expect, it } from "vitest"
import { errorOf, reprOf } from "./run.ts"

describe("python subset: expressions", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["7 / 2", "3"],
    ["7 / 2.0", "3.5"],
    ["-7 // 2", "-4"],
    ["-7 % 3", "2"],
    ["2 ** 10", "1024"],
    ["2 ** -1", "0.5"],
    ["1e16", "1e+16"],
    ["0.1 + 0.2", "0.30000000000000004"],
    ["1 < 2 < 3", "True"],
    ["1 < 3 < 2", "False"],
    ["not 0 and 'x' or 'y'", "'x'"],
    ["[1, 2] + [3]", "[1, 2, 3]"],
    ["(1,) * 3", "(1, 1, 1)"],
    ["'ab' * 2", "'abab'"],
    ["'abcdef'[1:5:2]", "'bd'"],
    ["'abcdef'[::-1]", "'fedcba'"],
    ["[1, 2, 3][-1]", "3"],
    ["{'a': 1, 'b': 2}['b']", "2"],
    ["'%s/%d/%05.1f/%-3s|/%r' % ('x', 3.9, 3.14159, 'y', 'z')", "\"x/3/003.1/y  |/'z'\""],
    ["'%(a)s-%(b)03d' % {'a': 'x', 'b': 7}", "'x-007'"],
    [
      "'{} {:>4} {:<4}| {:^5} {:+d} {:,}'.format('a', 'b', 'c', 'd', 5, 1234567)",
      "'a    b c   |   d   +5 1,234,567'"
    ],
    ["'{0.real}'.format(1) if False else '{x[0]}'.format(x=[9])", "'9'"],
    ["f'{1 + 1}-{\"q\"!r}-{3.14159:.2f}-{{x}}'", "\"2-'q'-3.14-{x}\""],
    ["'a,b,,c'.split(',')", "['a', 'b', '', 'c']"],
    ["'  a  b '.split()", "['a', 'b']"],
    ["'x'.join(['1', '2'])", "'1x2'"],
    ["'Hello'.upper().lower().startswith('he')", "True"],
    ["'  pad '.strip()", "'pad'"],
    ["'a-b-c'.rsplit('-', 1)", "['a-b', 'c']"],
    ["'abc'.replace('b', 'B')", "'aBc'"],
    ["'7'.zfill(3)", "'007'"],
    ["len({'a': 1}) + len([1, 2]) + len('abc')", "6"],
    ["sorted([3, 1, 2], reverse=True)", "[3, 2, 1]"],
    ["sorted(['bb', 'a', 'ccc'], key=len)", "['a', 'bb', 'ccc']"],
    ["list(enumerate('ab'))", "[(0, 'a'), (1, 'b')]"],
    ["list(zip([1, 2], 'ab'))", "[(1, 'a'), (2, 'b')]"],
    ["min([3, 1, 2]), max(3, 1, 2), sum([1, 2, 3]), sum([0.5, 0.5])", "(1, 3, 6, 1.0)"],
    ["any([]), all([]), any(x > 2 for x in [1, 3])", "(False, True, True)"],
    ["map(lambda x: x * 2, [1, 2])", "[2, 4]"],
    ["filter(None, [0, 1, '', 'a'])", "[1, 'a']"],
    ["range(2, 10, 3)", "[2, 5, 8]"],
    ["int('42') + int(3.7) + int('-5')", "40"],
    ["float('2.5') + float(1)", "3.5"],
    ["str(1.0) + str(True) + str(None)", "'1.0TrueNone'"],
    [
      "isinstance(1, int), isinstance(1.0, float), isinstance('', str), isinstance([], (dict, list))",
      "(True, True, True, True)"
    ],
    ["dict(a=1, b=2).items()", "[('a', 1), ('b', 2)]"],
    ["{k: v * 2 for k, v in {'a': 1}.items()}", "{'a': 2}"],
    ["[(x, y) for x in range(2) for y in range(x)]", "[(1, 0)]"],
    ["{1, 2} | {3}", "set([1, 2, 3])"],
    ["'yes' if 1 else 'no'", "'yes'"],
    ["(lambda a, b=2, *c, **d: (a, b, c, d))(1, 3, 4, k=5)", "(1, 3, (4,), {'k': 5})"],
    ["'b' in 'abc', 2 in [1, 2], 'k' in {'k': 1}, 3 not in (1, 2)", "(True, True, True, True)"],
    ["round(2.5), round(-2.5), round(1.2345, 2)", "(3.0, -3.0, 1.23)"],
    ["abs(-2), abs(-2.5), divmod(7, 2), hex(255), ord('A'), chr(66)", "(2, 2.5, (3, 1), '0xff', 65, 'B')"]
  ]
  for (const [expr, want] of cases) {
    it(expr, () => expect(reprOf(`result = ${expr}`)).toBe(want))
  }
})

describe("python subset: statements", () => {
  it("runs assignments, unpacking, augmented assignment and control flow", () => {
    const src = `
a, (b, c) = 1, [2, 3]
head, *tail = 'xyz'
a += 10
lst = [1]
lst += [2]
d = {}
d['k'] = 1
d['k'] += 1
total = 0
for i in range(10):
  if i == 2:
    continue
  elif i > 5:
    break
  else:
    total += i
else:
  total = -1
n = 0
while True:
  n += 1
  if n >= 4: break
def f(x, y=2, *args, **kw):
  return x * y + len(args) + len(kw)
g = lambda: f(1, y=3, z=1)
with open('hello_world.py') as fh:
  first = fh.readline().strip()
result = (a, b, c, head, tail, lst, d, total, n, f(2), f(1, 1, 1, 1), g(), first)
`
    expect(reprOf(src)).toBe("(11, 2, 3, 'x', ['y', 'z'], [1, 2], {'k': 2}, 13, 4, 4, 3, 4, 'import time')")
  })

  it("reads Python 2 spellings, a byte order mark and CRLF line endings", () => {
    expect(reprOf("\ufeffx = 10L + 0755\r\nif x <> 1:\r\n  result = (x, u'u', b'b')\r\n")).toBe(
      "(503, 'u', 'b')"
    )
  })

  it("keeps closures and recursion within limits", () => {
    expect(reprOf("def fib(n):\n  return n if n < 2 else fib(n - 1) + fib(n - 2)\nresult = fib(15)")).toBe(
      "610"
    )
    expect(reprOf("def mk(k):\n  return lambda v: v + k\nadd = mk(3)\nresult = add(4)")).toBe("7")
  })

  it("imports only the allow-list", () => {
    expect(
      reprOf(
        "import os, getpass, json, time, hashlib\nfrom os import getenv\nresult = (getpass.getuser(), getenv('NOPE', 'd'), os.environ['AURORA_TEST_HOME'], json.loads('[1, 2.0]'), hashlib.md5('a').hexdigest(), time.time() > 0)"
      )
    ).toBe("('tester', 'd', '/home/tester', [1, 2.0], '0cc175b9c0f1b6a831c399e269772661', True)")
    expect(errorOf("import subprocess")).toMatch(/ImportError: import of 'subprocess' is not allowed/)
    expect(errorOf("import socket as s")).toMatch(/not allowed/)
    expect(errorOf("from os import system")).toMatch(/cannot import name 'system' from 'os'/)
  })

  it("supports plain classes for hook objects", () => {
    const src = `
class Base(object):
  greeting = 'hi'
  def __init__(self, name):
    self.name = name
  def greet(self, punct = '!'):
    return '%s %s%s' % (self.greeting, self.name, punct)
class Loud(Base):
  def greet(self):
    return Base.greet(self, '!!').upper()
b = Loud('bob')
result = (Base('ann').greet(), b.greet(), isinstance(b, Base), isinstance(Base('x'), Loud), b.name)
`
    expect(reprOf(src)).toBe("('hi ann!', 'HI BOB!!', True, False, 'bob')")
  })

  it("includes files relative to the including file, in the same namespace", () => {
    expect(reprOf("include('common.aurora')\nresult = shell('x', 'a', 'b').cmdline().get()")).toBe("'a && b'")
    expect(errorOf("include('nope.aurora')")).toMatch(/Could not load resource .*nope\.aurora/)
  })
})

describe("python subset: refused constructs and errors", () => {
  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    ["try:\n  x = 1\nexcept:\n  pass", /RefusedConstruct: try\/except statements are not allowed/],
    ["raise ValueError('x')", /RefusedConstruct: raise statements/],
    ["global x", /RefusedConstruct: global declarations/],
    ["def g():\n  yield 1", /RefusedConstruct: generators \(yield\)/],
    ["eval('1')", /RefusedConstruct: eval\(\) is not allowed/],
    ["exec('x = 1')", /RefusedConstruct: exec/],
    ["__import__('os')", /RefusedConstruct: __import__\(\) is not allowed/],
    ["open('hello_world.py', 'w')", /RefusedConstruct: open\(\) with mode 'w'/],
    ["class A(String):\n  pass", /RefusedConstruct: class A: only Struct subclasses/],
    [
      "class A(Struct):\n  def m(self):\n    pass",
      /RefusedConstruct: Struct class bodies may only declare fields/
    ],
    ["@decorator\ndef f(): pass", /SyntaxError: decorators are not supported/],
    ["x = [1]\nx.y = 2", /RefusedConstruct: cannot set attribute 'y'/],
    ["print 'hello'", /RefusedConstruct: the Python 2 print statement/],
    ["x = 1j", /RefusedConstruct: complex numbers/]
  ]
  for (const [src, re] of refused) it(src.split("\n")[0], () => expect(errorOf(src)).toMatch(re))

  it("shows file, line, column and a caret for syntax errors", () => {
    const e = errorOf("x = 1\ny = (2 +\n")
    expect(e).toMatch(/snippet\.aurora:\d+:\d+: SyntaxError: /)
    const bad = errorOf("a = 1\nb = a +* 2\n")
    expect(bad).toContain("snippet.aurora:2:8: SyntaxError: invalid syntax: unexpected '*'")
    expect(bad).toContain("\n  b = a +* 2\n         ^")
  })

  it("reports runtime errors at their location", () => {
    expect(errorOf("x = 1\ny = undefined_name + 1")).toContain(
      "snippet.aurora:2:5: NameError: name 'undefined_name' is not defined"
    )
    expect(errorOf("x = {'a': 1}\ny = x['b']")).toContain("2:6: KeyError: 'b'")
    expect(errorOf("x = 1 + 'a'")).toMatch(/TypeError: unsupported operand type\(s\) for \+: 'int' and 'str'/)
    expect(errorOf("x = 1 / 0")).toMatch(/ZeroDivisionError/)
    expect(errorOf("if True:\n  x = 1\n y = 2")).toMatch(/SyntaxError: unindent does not match/)
    expect(errorOf("x = 'abc")).toMatch(/1:5: SyntaxError: EOL while scanning string literal/)
  })

  it("stops runaway loops, recursion, huge values and deep nesting cleanly", () => {
    expect(errorOf("while True:\n  pass")).toMatch(/ResourceLimit: evaluation exceeded \d+ steps/)
    expect(errorOf("def f(n):\n  return f(n + 1)\nf(0)")).toMatch(
      /ResourceLimit: maximum recursion depth exceeded/
    )
    expect(errorOf("x = [0] * (10 ** 8)")).toMatch(/ResourceLimit: sequence repetition result too large/)
    expect(errorOf("x = range(10 ** 9)")).toMatch(/ResourceLimit: range of \d+ items is too large/)
    expect(errorOf(`x = ${"(".repeat(2000)}1${")".repeat(2000)}`)).toMatch(/nested too deeply/)
    expect(errorOf(`x = ${"-".repeat(5000)}1`)).toMatch(/nested too deeply/)
  })
})
