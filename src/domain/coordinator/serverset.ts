// Serverset member JSON (Aurora's Encoding / ServiceInstance, and the executor's announcer) and the
// choice of a leader from the members of a serverset path. Pure.

import { Either, ParseResult, Schema } from "effect"

export const MEMBER_PREFIX = "member_"

export const Endpoint = Schema.Struct({
  host: Schema.String,
  port: Schema.optionalWith(Schema.Int, { default: () => 0 })
})
export type Endpoint = { readonly host: string; readonly port: number }

/** Aurora's thrift `Status`; the scheduler and the announcer always write ALIVE. */
export const MemberStatus = Schema.Literal("DEAD", "STARTING", "ALIVE", "STOPPING", "STOPPED", "WARNING")
export type MemberStatus = typeof MemberStatus.Type

export interface ServiceInstance {
  readonly serviceEndpoint: Endpoint
  readonly additionalEndpoints: Readonly<Record<string, Endpoint>>
  readonly status: MemberStatus
  /** The announcer writes the instance id; the scheduler never sets it. */
  readonly shard?: number
}

const ServiceInstanceJson = Schema.Struct({
  serviceEndpoint: Schema.Struct({
    host: Schema.String.pipe(Schema.minLength(1)),
    port: Endpoint.fields.port
  }),
  additionalEndpoints: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Endpoint }), {
    default: () => ({})
  }),
  status: Schema.optionalWith(MemberStatus, { default: () => "ALIVE" as const }),
  shard: Schema.optional(Schema.Int)
})

const endpointJson = (e: Endpoint): Endpoint => ({ host: e.host, port: e.port })

/**
 * The member JSON with the exact field order Aurora writes:
 * `{"serviceEndpoint":{"host":..,"port":..},"additionalEndpoints":{..},"status":"ALIVE"}` (+ `"shard"`).
 */
export const encodeMember = (member: ServiceInstance): string => {
  const additional: Record<string, Endpoint> = {}
  for (const [name, e] of Object.entries(member.additionalEndpoints)) additional[name] = endpointJson(e)
  const json: Record<string, unknown> = {
    serviceEndpoint: endpointJson(member.serviceEndpoint),
    additionalEndpoints: additional,
    status: member.status
  }
  if (member.shard !== undefined) json.shard = member.shard
  return JSON.stringify(json)
}

/** The scheduler's advertisement: both endpoints are its HTTP address (§3.2). */
export const schedulerMember = (host: string, port: number, endpointName = "http"): ServiceInstance => ({
  serviceEndpoint: { host, port },
  additionalEndpoints: { [endpointName]: { host, port } },
  status: "ALIVE"
})

export class MemberUndecodable {
  readonly _tag = "MemberUndecodable"
  constructor(readonly message: string) {}
}

const decodeJson = Schema.decodeUnknownEither(ServiceInstanceJson)

/** Parses member data; requires `serviceEndpoint.host`, everything else has Aurora's defaults. */
export const decodeMember = (data: string): Either.Either<ServiceInstance, MemberUndecodable> => {
  let raw: unknown
  try {
    raw = JSON.parse(data)
  } catch (e) {
    return Either.left(new MemberUndecodable(`not JSON: ${(e as Error).message}`))
  }
  return Either.mapLeft(
    decodeJson(raw),
    (err) => new MemberUndecodable(ParseResult.TreeFormatter.formatErrorSync(err))
  )
}

export const isMemberNode = (name: string): boolean => name.startsWith(MEMBER_PREFIX)

/** A member node as read: its child name and its decoded data, or why it could not be decoded. */
export interface MemberNode {
  readonly name: string
  readonly member: Either.Either<ServiceInstance, MemberUndecodable>
}

export type LeaderView =
  | { readonly _tag: "Leader"; readonly node: string; readonly member: ServiceInstance }
  | { readonly _tag: "NoLeader" }
  /** More than one member: treated as no leader, and worth an error in the log. */
  | { readonly _tag: "Ambiguous"; readonly nodes: ReadonlyArray<string> }

/** Leader = the single decodable member; undecodable nodes are ignored (§3.2). */
export const selectLeader = (nodes: ReadonlyArray<MemberNode>): LeaderView => {
  const valid = nodes
    .filter((n) => isMemberNode(n.name) && Either.isRight(n.member))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  if (valid.length === 0) return { _tag: "NoLeader" }
  if (valid.length > 1) return { _tag: "Ambiguous", nodes: valid.map((n) => n.name) }
  const only = valid[0]
  return {
    _tag: "Leader",
    node: only.name,
    member: (only.member as Either.Right<never, ServiceInstance>).right
  }
}

/**
 * The client's scheduler URL from a serverset (client-config §0.3): the first member, its additional
 * endpoint `https` if present, else `http`, else the service endpoint over http.
 */
export const schedulerBaseUrl = (nodes: ReadonlyArray<MemberNode>): string | undefined => {
  const first = nodes
    .filter((n) => isMemberNode(n.name) && Either.isRight(n.member))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0]
  if (first === undefined) return undefined
  const m = (first.member as Either.Right<never, ServiceInstance>).right
  const https = m.additionalEndpoints.https
  if (https !== undefined) return `https://${hostForUrl(https.host)}:${https.port}`
  const e = m.additionalEndpoints.http ?? m.serviceEndpoint
  return `http://${hostForUrl(e.host)}:${e.port}`
}

const hostForUrl = (host: string): string =>
  host.includes(":") && !host.startsWith("[") ? `[${host}]` : host

/** The redirect filter's view (§4.2): serve locally, 307 to the leader, or 503. */
export type LeaderStatus =
  | { readonly _tag: "Leading" }
  | { readonly _tag: "NotLeading"; readonly leader: Endpoint }
  | { readonly _tag: "NoLeader" }

/** LEADING when the leader's service endpoint is this scheduler's own advertised host:port. */
export const leaderStatus = (view: LeaderView, self: Endpoint): LeaderStatus => {
  if (view._tag !== "Leader") return { _tag: "NoLeader" }
  const e = view.member.serviceEndpoint
  return e.host === self.host && e.port === self.port
    ? { _tag: "Leading" }
    : { _tag: "NotLeading", leader: { host: e.host, port: e.port } }
}

/** clusters.json `zk` (comma-separated hosts) + `zk_port` as a connect string; explicit ports are kept. */
export const zkConnectString = (zk: string, zkPort = 2181): string =>
  zk
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map((h) => (/:\d+$/.test(h) && !h.endsWith("]") ? h : `${h}:${zkPort}`))
    .join(",")
