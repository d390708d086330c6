import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  ancestorsOf,
  decodeMember,
  electionPosition,
  encodeMember,
  endpointsProblem,
  findOwnLockNode,
  formatSequence,
  leaderStatus,
  lockNodePrefix,
  type MemberNode,
  MemberUndecodable,
  parentOf,
  pathProblem,
  schedulerBaseUrl,
  schedulerMember,
  selectLeader,
  sequenceOf,
  sortLockNodes,
  zkConnectString
} from "../../../src/domain/coordinator/index.ts"

describe("member JSON (api-storage-security §3.2, executor §8)", () => {
  it("encodes the scheduler's member with Aurora's exact field order", () => {
    expect(encodeMember(schedulerMember("10.0.0.5", 8081))).toBe(
      '{"serviceEndpoint":{"host":"10.0.0.5","port":8081},"additionalEndpoints":{"http":{"host":"10.0.0.5","port":8081}},"status":"ALIVE"}'
    )
    expect(encodeMember(schedulerMember("h", 1, "https"))).toContain('"additionalEndpoints":{"https":')
  })

  it("appends the announcer's shard last", () => {
    const json = encodeMember({
      serviceEndpoint: { host: "agent1", port: 31000 },
      additionalEndpoints: { http: { host: "agent1", port: 31000 }, admin: { host: "agent1", port: 31001 } },
      status: "ALIVE",
      shard: 3
    })
    expect(json).toBe(
      '{"serviceEndpoint":{"host":"agent1","port":31000},"additionalEndpoints":{"http":{"host":"agent1","port":31000},"admin":{"host":"agent1","port":31001}},"status":"ALIVE","shard":3}'
    )
  })

  it("decodes what it encodes", () => {
    const endpoint = fc.record({
      host: fc.string({ minLength: 1 }),
      port: fc.integer({ min: 0, max: 65535 })
    })
    fc.assert(
      fc.property(
        endpoint,
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => k !== "__proto__"),
          endpoint
        ),
        fc.option(fc.nat(), { nil: undefined }),
        (serviceEndpoint, additionalEndpoints, shard) => {
          const member = { serviceEndpoint, additionalEndpoints, status: "ALIVE" as const, shard }
          const decoded = decodeMember(encodeMember(member))
          expect(Either.getOrThrow(decoded)).toEqual(
            shard === undefined ? { ...member, shard: undefined } : member
          )
        }
      )
    )
  })

  it("requires serviceEndpoint.host and defaults the rest", () => {
    expect(Either.isLeft(decodeMember("not json"))).toBe(true)
    expect(Either.isLeft(decodeMember("{}"))).toBe(true)
    expect(Either.isLeft(decodeMember('{"serviceEndpoint":{"port":1}}'))).toBe(true)
    const minimal = Either.getOrThrow(decodeMember('{"serviceEndpoint":{"host":"h"}}'))
    expect(minimal.serviceEndpoint).toEqual({ host: "h", port: 0 })
    expect(minimal.additionalEndpoints).toEqual({})
    expect(minimal.status).toBe("ALIVE")
  })
})

const node = (name: string, host?: string): MemberNode => ({
  name,
  member:
    host === undefined ? Either.left(new MemberUndecodable("bad")) : Either.right(schedulerMember(host, 8081))
})

describe("leader from members", () => {
  it("0 members: no leader; 1: the leader; >1: ambiguous", () => {
    expect(selectLeader([])._tag).toBe("NoLeader")
    const one = selectLeader([node("member_0000000004", "a")])
    expect(one._tag === "Leader" && one.member.serviceEndpoint.host).toBe("a")
    expect(selectLeader([node("member_0000000001", "a"), node("member_0000000002", "b")])._tag).toBe(
      "Ambiguous"
    )
  })

  it("ignores undecodable nodes and non-member children", () => {
    const view = selectLeader([
      node("member_0000000001"),
      node("_c_x-lock-0000000000", "c"),
      node("member_0000000002", "b")
    ])
    expect(view._tag === "Leader" && view.node).toBe("member_0000000002")
  })

  it("client discovery: first member, https then http then the service endpoint", () => {
    expect(schedulerBaseUrl([])).toBeUndefined()
    expect(schedulerBaseUrl([node("member_0000000002", "b"), node("member_0000000001", "a")])).toBe(
      "http://a:8081"
    )
    const https: MemberNode = {
      name: "member_0000000001",
      member: Either.right({
        serviceEndpoint: { host: "s", port: 1 },
        additionalEndpoints: { http: { host: "h", port: 2 }, https: { host: "t", port: 3 } },
        status: "ALIVE"
      })
    }
    expect(schedulerBaseUrl([https])).toBe("https://t:3")
    const bare: MemberNode = {
      name: "member_0000000001",
      member: Either.right({
        serviceEndpoint: { host: "::1", port: 9 },
        additionalEndpoints: {},
        status: "ALIVE"
      })
    }
    expect(schedulerBaseUrl([bare])).toBe("http://[::1]:9")
  })
})

describe("election order", () => {
  const lock = (uuid: string, seq: number) => `${lockNodePrefix(uuid)}${formatSequence(seq)}`

  it("sorts lock nodes by sequence, not by their uuid prefix", () => {
    const nodes = [lock("ffff", 2), lock("0000", 10), lock("aaaa", 1), "member_0000000000", "junk"]
    expect(sortLockNodes(nodes)).toEqual([lock("aaaa", 1), lock("ffff", 2), lock("0000", 10)])
  })

  it("the lowest leads; each other candidate watches the one just before it", () => {
    const nodes = [lock("c", 7), lock("a", 3), lock("b", 5)]
    expect(electionPosition(nodes, lock("a", 3))).toEqual({ _tag: "Leader" })
    expect(electionPosition(nodes, lock("c", 7))).toEqual({
      _tag: "Waiting",
      predecessor: lock("b", 5),
      ahead: 2
    })
    expect(electionPosition(nodes, lock("z", 9))).toEqual({ _tag: "Missing" })
  })

  it("exactly one leader for any set of candidates", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 1e9 }), { minLength: 1, maxLength: 20 }), (seqs) => {
        const nodes = seqs.map((s, i) => lock(`u${i}`, s))
        const leaders = nodes.filter((n) => electionPosition(nodes, n)._tag === "Leader")
        expect(leaders).toEqual([lock(`u${seqs.indexOf(Math.min(...seqs))}`, Math.min(...seqs))])
      })
    )
  })

  it("finds its own node by uuid after a lost reply", () => {
    expect(findOwnLockNode([lock("a", 1), lock("b", 2)], "b")).toBe(lock("b", 2))
    expect(findOwnLockNode([lock("a", 1)], "b")).toBeUndefined()
  })
})

describe("paths", () => {
  it("validates like ZooKeeper", () => {
    expect(pathProblem("/")).toBeUndefined()
    expect(pathProblem("/aurora/scheduler")).toBeUndefined()
    for (const bad of ["", "a", "/a/", "//", "/a//b", "/a/./b", "/a/..", "/a\u0000"]) {
      expect(pathProblem(bad), bad).toBeDefined()
    }
  })

  it("splits and numbers", () => {
    expect(parentOf("/a/b/c")).toBe("/a/b")
    expect(parentOf("/a")).toBe("/")
    expect(ancestorsOf("/a/b/c")).toEqual(["/a", "/a/b"])
    expect(sequenceOf("member_0000000042")).toBe(42)
    expect(sequenceOf("member_x")).toBeUndefined()
  })
})

describe("redirect status (§4.2)", () => {
  const leaderAt = (host: string, port: number) =>
    selectLeader([{ name: "member_0000000001", member: Either.right(schedulerMember(host, port)) }])
  it("leading when the member is our own endpoint, else the leader to redirect to, else none", () => {
    expect(leaderStatus(leaderAt("10.0.0.5", 8081), { host: "10.0.0.5", port: 8081 })).toEqual({
      _tag: "Leading"
    })
    expect(leaderStatus(leaderAt("10.0.0.5", 8081), { host: "10.0.0.5", port: 8082 })).toEqual({
      _tag: "NotLeading",
      leader: { host: "10.0.0.5", port: 8081 }
    })
    expect(leaderStatus(selectLeader([]), { host: "h", port: 1 })).toEqual({ _tag: "NoLeader" })
    const two = selectLeader([
      { name: "member_0000000001", member: Either.right(schedulerMember("a", 1)) },
      { name: "member_0000000002", member: Either.right(schedulerMember("b", 1)) }
    ])
    expect(leaderStatus(two, { host: "a", port: 1 })).toEqual({ _tag: "NoLeader" })
  })
})

describe("clusters.json zk settings", () => {
  it("appends zk_port to each host", () => {
    expect(zkConnectString("zk1, zk2,zk3", 2181)).toBe("zk1:2181,zk2:2181,zk3:2181")
    expect(zkConnectString("192.168.33.7")).toBe("192.168.33.7:2181")
    expect(zkConnectString("zk1:2222,zk2", 2181)).toBe("zk1:2222,zk2:2181")
  })
})

describe("zk_endpoints", () => {
  it("accepts host[:port] lists and names what is wrong otherwise", () => {
    expect(endpointsProblem("zk1:2181,zk2:2181")).toBeUndefined()
    expect(endpointsProblem("localhost")).toBeUndefined()
    expect(endpointsProblem("")).toContain("no ZooKeeper endpoints")
    expect(endpointsProblem("a:1,,b:2")).toContain("empty endpoint")
    expect(endpointsProblem("a:abc")).toContain("a:abc")
    expect(endpointsProblem("a:70000")).toContain("bad port")
    expect(endpointsProblem("a:2181/aurora")).toContain("chroot")
  })
})
