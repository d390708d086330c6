import * as Either from "effect/Either"
import { runPython } from "../../../src/domain/config/evaluate.ts"
import { repr, str, type Value } from "../../../src/domain/config/python/values.ts"
import { CORPUS, corpusHost } from "./corpusHost.ts"

/** Runs a snippet; returns its globals or throws the formatted error (tests only). */
export const globalsOf = (src: string): ReadonlyMap<string, Value> => {
  const r = runPython(src, `${CORPUS}/snippet.aurora`, corpusHost())
  if (Either.isLeft(r)) throw new Error(r.left)
  return r.right
}

/** `repr()` of the global `result` after running `src`. */
export const reprOf = (src: string): string => repr(globalsOf(src).get("result") as Value)
export const strOf = (src: string): string => str(globalsOf(src).get("result") as Value)

/** The formatted error a snippet produces, or "" when it runs. */
export const errorOf = (src: string): string => {
  const r = runPython(src, `${CORPUS}/snippet.aurora`, corpusHost())
  return Either.isLeft(r) ? r.left : ""
}
