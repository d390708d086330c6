import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeRecord, RecordIOError, RecordIOParser } from "../../../src/layers/cluster/recordio.ts"

const chop = (buf: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Array<Buffer> = []
  let at = 0
  for (const p of points) {
    out.push(buf.subarray(at, p))
    at = p
  }
  out.push(buf.subarray(at))
  return out
}

describe("RecordIO parser", () => {
  it("parses records however the bytes are chunked, counting UTF-8 bytes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", minLength: 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (records, cuts) => {
          const stream = Buffer.concat(records.map(encodeRecord))
          const parser = new RecordIOParser()
          const got = chop(stream, cuts).flatMap((c) => parser.push(c))
          expect(got).toEqual(records)
        }
      )
    )
  })

  it("splits a multi-byte character across chunks", () => {
    const rec = encodeRecord('{"message":"héllo ✓ 🎉"}')
    // 24 characters, 29 UTF-8 bytes: the length counts bytes.
    expect(rec.subarray(0, 3).toString()).toBe("29\n")
    const parser = new RecordIOParser()
    const out: Array<string> = []
    for (let i = 0; i < rec.length; i++) out.push(...parser.push(rec.subarray(i, i + 1)))
    expect(out).toEqual(['{"message":"héllo ✓ 🎉"}'])
  })

  it("rejects a bad length header and a zero-length record", () => {
    expect(() => new RecordIOParser().push(Buffer.from("abc\n{}"))).toThrow(RecordIOError)
    expect(() => new RecordIOParser().push(Buffer.from("0\n"))).toThrow(/zero-length/)
  })
})
