/** Where something happened in a configuration file (1-based line and column). */
export interface Location {
  readonly file: string
  readonly line: number
  readonly col: number
}

export type PyErrorKind =
  | "SyntaxError"
  | "NameError"
  | "TypeError"
  | "ValueError"
  | "KeyError"
  | "IndexError"
  | "AttributeError"
  | "ZeroDivisionError"
  | "ImportError"
  | "IOError"
  | "RefusedConstruct"
  | "ResourceLimit"
  | "AssertionError"
  | "ConfigError"

/**
 * Raised inside the interpreter and caught at its boundary, where it becomes a typed failure.
 * Never escapes `evaluate`.
 */
export class PyError {
  location: Location | undefined
  constructor(
    readonly kind: PyErrorKind,
    readonly message: string,
    location?: Location
  ) {
    this.location = location
  }
}

export const fail = (kind: PyErrorKind, message: string, location?: Location): never => {
  throw new PyError(kind, message, location)
}

/** `file:line:col: Kind: message` then the offending line and a caret under the column. */
export const formatPyError = (e: PyError, sources: ReadonlyMap<string, string>): string => {
  const head = `${e.kind}: ${e.message}`
  if (!e.location) return head
  const { file, line, col } = e.location
  const src = sources.get(file)
  const lines = src?.split(/\r?\n/)
  const text = lines && line >= 1 && line <= lines.length ? lines[line - 1] : undefined
  const where = `${file}:${line}:${col}: ${head}`
  if (text === undefined) return where
  const shown = text.replace(/\t/g, " ")
  return `${where}\n  ${shown}\n  ${" ".repeat(Math.max(0, col - 1))}^`
}
