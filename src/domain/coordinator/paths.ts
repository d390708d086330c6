// ZooKeeper path rules and the naming of sequential nodes (pure).

/** Width of the counter ZooKeeper appends to sequential nodes (`%010d`). */
export const SEQUENCE_DIGITS = 10

export const formatSequence = (n: number): string => String(n).padStart(SEQUENCE_DIGITS, "0")

/**
 * Why `path` is not a valid ZooKeeper path, or undefined when it is. Rules follow ZooKeeper's
 * PathUtils: absolute, no empty, "." or ".." segments, no trailing slash (except the root), no NUL.
 */
export const pathProblem = (path: string): string | undefined => {
  if (path.length === 0) return "is empty"
  if (!path.startsWith("/")) return "must start with '/'"
  if (path === "/") return undefined
  if (path.endsWith("/")) return "must not end with '/'"
  if (path.includes("\u0000")) return "must not contain NUL characters"
  for (const segment of path.slice(1).split("/")) {
    if (segment.length === 0) return "must not contain empty segments ('//')"
    if (segment === "." || segment === "..") return "must not contain '.' or '..' segments"
  }
  return undefined
}

export const parentOf = (path: string): string => {
  const i = path.lastIndexOf("/")
  return i <= 0 ? "/" : path.slice(0, i)
}

export const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

export const joinPath = (parent: string, child: string): string =>
  parent === "/" ? `/${child}` : `${parent}/${child}`

/** Every proper ancestor of `path` from the top down, excluding "/" and `path` itself. */
export const ancestorsOf = (path: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let i = path.indexOf("/", 1)
  while (i > 0) {
    out.push(path.slice(0, i))
    i = path.indexOf("/", i + 1)
  }
  return out
}

/** The sequence number a sequential node carries in its last ten characters, if any. */
export const sequenceOf = (name: string): number | undefined => {
  if (name.length < SEQUENCE_DIGITS) return undefined
  const tail = name.slice(-SEQUENCE_DIGITS)
  return /^\d{10}$/.test(tail) ? Number(tail) : undefined
}

/** Why a `host:port[,host:port...]` connect string is unusable, or undefined when it is fine. */
export const endpointsProblem = (endpoints: string): string | undefined => {
  const parts = endpoints.split(",").map((p) => p.trim())
  if (endpoints.trim().length === 0) return "no ZooKeeper endpoints given"
  for (const part of parts) {
    if (part.length === 0) return `empty endpoint in ${JSON.stringify(endpoints)}`
    if (part.includes("/"))
      return `endpoint ${JSON.stringify(part)} contains '/' (give the chroot separately)`
    const m = /^(.+?)(?::(\d+))?$/.exec(part)
    if (m === null || m[1].endsWith(":")) return `endpoint ${JSON.stringify(part)} is not host[:port]`
    const port = m[2] === undefined ? 2181 : Number(m[2])
    if (!(port > 0 && port < 65536) || /:[^\d]/.test(part))
      return `endpoint ${JSON.stringify(part)} has a bad port`
  }
  return undefined
}
