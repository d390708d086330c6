import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  clustersFiles,
  mergeClusters,
  parseClusters,
  schedulerLocation,
  unknownClusterMessage
} from "../../../src/domain/client/index.ts"

describe("clusters.json (client-config.md §2.1)", () => {
  it("reads a list or an object of clusters, fills defaults, keeps extra keys and skips nameless entries", () => {
    const list = parseClusters(
      JSON.stringify([{ name: "devcluster", scheduler_uri: "http://localhost:8081", extra: 1 }, { zk: "x" }]),
      "a.json"
    )
    expect(list).toEqual(
      Either.right([
        {
          name: "devcluster",
          scheduler_uri: "http://localhost:8081",
          extra: 1,
          zk_port: 2181,
          auth_mechanism: "UNAUTHENTICATED",
          docker_registry: "https://registry-1.docker.io"
        }
      ])
    )
    const object = parseClusters(
      JSON.stringify({ a: { name: "west", zk: "zk1,zk2", scheduler_zk_path: "/s" } }),
      "b.json"
    )
    expect(Either.isRight(object) && object.right.map((c) => c.name)).toEqual(["west"])
  })

  it("names the file and the problem on bad documents", () => {
    expect(parseClusters("{nope", "/etc/aurora/clusters.json")).toEqual(
      Either.left(expect.stringContaining("/etc/aurora/clusters.json: not valid JSON"))
    )
    expect(parseClusters("[1]", "c.json")).toEqual(Either.left("c.json: cluster entry 0 is not an object"))
    expect(parseClusters('"x"', "c.json")).toSatisfy(Either.isLeft)
    expect(parseClusters('[{"name":"a","zk_port":"x"}]', "c.json")).toSatisfy(Either.isLeft)
  })

  it("lets later files replace clusters of the same name, searched in the spec's order", () => {
    const merged = mergeClusters(
      [{ name: "a", zk_port: 1, auth_mechanism: "X", docker_registry: "r", scheduler_uri: "http://old" }],
      [{ name: "a", zk_port: 1, auth_mechanism: "X", docker_registry: "r", scheduler_uri: "http://new" }]
    )
    expect(merged.get("a")?.scheduler_uri).toBe("http://new")
    expect(clustersFiles({ AURORA_CONFIG_ROOT: "/cfg/" }, "/home/u")).toEqual([
      "/cfg/clusters.json",
      "/home/u/.aurora/clusters.json"
    ])
    expect(clustersFiles({ AURORA_CONFIG_ROOT: "" }, "/root")[0]).toBe("/etc/aurora/clusters.json")
  })

  it("locates the scheduler through zk first, then scheduler_uri", () => {
    const base = { zk_port: 2181, auth_mechanism: "UNAUTHENTICATED", docker_registry: "r" }
    expect(
      schedulerLocation({ ...base, name: "a", zk: "z1", scheduler_zk_path: "/aurora/scheduler" })
    ).toEqual(Either.right({ _tag: "ZooKeeper", zk: "z1", zkPort: 2181, path: "/aurora/scheduler" }))
    expect(schedulerLocation({ ...base, name: "b", scheduler_uri: "http://h:8081/" })).toEqual(
      Either.right({ _tag: "Uri", uri: "http://h:8081" })
    )
    expect(schedulerLocation({ ...base, name: "c" })).toSatisfy(Either.isLeft)
    expect(unknownClusterMessage("x", ["b", "a"])).toBe("Unknown cluster: x. Known clusters: a, b")
  })
})
