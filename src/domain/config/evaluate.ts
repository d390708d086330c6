/** Runs a `.aurora` file (or reads a JSON config) into Job objects. Pure: the host supplies files and facts. */
import * as Either from "effect/Either"
import { coerce, PStruct } from "./pystachio/objects.ts"
import { makeStructClass } from "./pystachio/python.ts"
import { sameType } from "./pystachio/types.ts"
import { makeBuiltins } from "./python/builtins.ts"
import { formatPyError, PyError } from "./python/errors.ts"
import { DEFAULT_LIMITS, Interpreter, type Limits } from "./python/evaluator.ts"
import { getAttribute } from "./python/methods.ts"
import { type ModuleHost, makeModules, parseJsonText } from "./python/modules.ts"
import { parseModule } from "./python/parser.ts"
import {
  iterate,
  PyBuiltin,
  PyDict,
  PyList,
  type PyModule,
  Scope,
  str,
  typeName,
  type Value
} from "./python/values.ts"
import { Job } from "./schema/aurora.ts"
import { auroraNames } from "./schema/helpers.ts"

export interface ConfigHost extends ModuleHost {
  /** Reads a file by absolute path; undefined when missing or unreadable. */
  readFile(path: string): string | undefined
  /** Directory relative paths of `open()` resolve against. */
  readonly cwd: string
}

export interface Evaluated {
  readonly jobs: ReadonlyArray<PStruct>
  /** The file's `hooks` list (client-config.md §6.1), for the commands that run them. */
  readonly hooks: ReadonlyArray<Value>
  /**
   * Calls `target.method(*args, **kw)` in the file's interpreter with a fresh step budget; `undefined`
   * when the target has no such attribute. Never throws.
   */
  readonly invoke: (
    target: Value,
    method: string,
    args: ReadonlyArray<Value>,
    kw?: ReadonlyMap<string, Value>
  ) => Either.Either<Value | undefined, string>
}

const noInvoke: Evaluated["invoke"] = () => Either.right(undefined)

export const dirname = (p: string): string => {
  const i = p.lastIndexOf("/")
  return i < 0 ? "." : i === 0 ? "/" : p.slice(0, i)
}

export const resolvePath = (base: string, rel: string): string => {
  const joined = rel.startsWith("/") ? rel : `${base}/${rel}`
  const out: string[] = []
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") out.pop()
    else out.push(part)
  }
  return `${joined.startsWith("/") ? "/" : ""}${out.join("/")}`
}

let baseNames: Map<string, Value> | undefined
/** The schema namespace is immutable, so it is built once and copied into each load's globals. */
const schemaNames = (): Map<string, Value> => {
  if (!baseNames) baseNames = auroraNames()
  return baseNames
}

const MAX_INCLUDE_DEPTH = 32

/** Evaluates configuration text. `file` should be absolute so includes can be found. */
export const evaluateConfig = (
  text: string,
  file: string,
  host: ConfigHost,
  limits: Limits = DEFAULT_LIMITS
): Either.Either<Evaluated, string> =>
  Either.flatMap(runProgram(text, file, host, limits), ({ globals, interp, sources }) => {
    try {
      const jobsV = globals.get("jobs")
      const hooksV = globals.get("hooks")
      const jobs = jobsV === undefined ? [] : asJobs(jobsV)
      const hooks = hooksV === undefined ? [] : iterate(hooksV)
      const invoke: Evaluated["invoke"] = (target, method, args, kw = new Map()) => {
        try {
          interp.resetBudget()
          const fn = getAttribute(target, method, interp)
          return Either.right(fn === undefined ? undefined : interp.call(fn, [...args], new Map(kw)))
        } catch (e) {
          return Either.left(describeFailure(e, sources))
        }
      }
      return Either.right({ jobs, hooks, invoke })
    } catch (e) {
      return Either.left(describeFailure(e, sources))
    }
  })

/** Runs a file and returns its global namespace; a formatted error otherwise. Never throws. */
export const runPython = (
  text: string,
  file: string,
  host: ConfigHost,
  limits: Limits = DEFAULT_LIMITS
): Either.Either<ReadonlyMap<string, Value>, string> =>
  Either.map(runProgram(text, file, host, limits), (r) => r.globals)

interface Program {
  readonly globals: ReadonlyMap<string, Value>
  readonly interp: Interpreter
  readonly sources: ReadonlyMap<string, string>
}

const runProgram = (
  text: string,
  file: string,
  host: ConfigHost,
  limits: Limits
): Either.Either<Program, string> => {
  const sources = new Map<string, string>([[file, text]])
  try {
    const builtins = new Scope(null)
    const globals = new Scope(builtins)
    let interp: Interpreter | undefined
    const modules = makeModules(host)
    for (const [k, v] of makeBuiltins(() => interp!, {
      readFile: (p) => host.readFile(resolvePath(host.cwd, p))
    })) {
      builtins.vars.set(k, v)
    }
    for (const [k, v] of schemaNames()) builtins.vars.set(k, v)
    interp = new Interpreter(
      globals,
      {
        importModule: (name) => modules.get(name) as PyModule | undefined,
        makeClass: makeStructClass
      },
      limits
    )
    let includeDepth = 0
    builtins.vars.set(
      "include",
      new PyBuiltin("include", (a) => {
        if (a.length !== 1 || typeof a[0] !== "string")
          throw new PyError("TypeError", "include() takes one path")
        const path = resolvePath(dirname(interp!.file), a[0] as string)
        const src = host.readFile(path)
        if (src === undefined) throw new PyError("IOError", `Could not load resource ${path}`)
        if (++includeDepth > MAX_INCLUDE_DEPTH)
          throw new PyError("ResourceLimit", "include() nested too deeply")
        sources.set(path, src)
        try {
          interp!.execModule(parseModule(src, path), path)
        } finally {
          includeDepth--
        }
        return null
      })
    )
    interp.execModule(parseModule(text, file), file)
    return Either.right({ globals: globals.vars, interp, sources })
  } catch (e) {
    return Either.left(describeFailure(e, sources))
  }
}

const asJobs = (v: Value): PStruct[] => {
  if (!(v instanceof PyList) && !(v instanceof PyDict) && typeName(v) !== "tuple") {
    throw new PyError("TypeError", `'jobs' must be a list of Job objects, got ${typeName(v)}`)
  }
  return iterate(v).map((j, i) => {
    if (j instanceof PStruct && sameType(j.type, Job)) return j
    throw new PyError(
      "TypeError",
      `jobs[${i}] is not a Job (got ${j instanceof PStruct ? j.type.name : typeName(j)})`
    )
  })
}

export const describeFailure = (e: unknown, sources: ReadonlyMap<string, string>): string => {
  if (e instanceof PyError) return formatPyError(e, sources)
  if (e instanceof RangeError)
    return "ResourceLimit: evaluation nested too deeply (maximum recursion depth exceeded)"
  return `InternalError: ${e instanceof Error ? e.message : String(e)}`
}

/** `--read-json`: `{"jobs": [...]}` or one job object; unknown keys are errors. */
export const evaluateJson = (text: string): Either.Either<Evaluated, string> => {
  try {
    const doc = parseJsonText(text)
    if (!(doc instanceof PyDict)) throw new PyError("ValueError", "JSON configuration must be an object")
    const list = doc.has("jobs") ? doc.get("jobs")! : new PyList([doc])
    const jobs = iterate(list).map((d, i) => {
      if (!(d instanceof PyDict)) throw new PyError("TypeError", `jobs[${i}] must be an object`)
      return coerce(Job, d, "Job") as PStruct
    })
    return Either.right({ jobs, hooks: [], invoke: noInvoke })
  } catch (e) {
    return Either.left(describeFailure(e, new Map()))
  }
}

export { str }
