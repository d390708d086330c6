/**
 * RecordIO framing of the Mesos v1 streams: `<decimal byte length>\n<that many bytes>` repeated.
 * Parsed on bytes, not on HTTP chunks or characters: proxies re-chunk and lengths count UTF-8 bytes.
 */
export class RecordIOError extends Error {}

export class RecordIOParser {
  private buffer: Buffer = Buffer.alloc(0)
  private expected = -1

  /** Feeds one chunk; returns every record it completed (UTF-8 decoded). */
  push(chunk: Uint8Array): Array<string> {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk])
    const out: Array<string> = []
    for (;;) {
      if (this.expected < 0) {
        const nl = this.buffer.indexOf(10)
        if (nl < 0) {
          if (this.buffer.length > 20) throw new RecordIOError("RecordIO: record length header too long")
          return out
        }
        const header = this.buffer.subarray(0, nl).toString("latin1").trim()
        if (!/^\d+$/.test(header))
          throw new RecordIOError(`RecordIO: bad record length ${JSON.stringify(header)}`)
        const n = Number(header)
        if (n === 0) throw new RecordIOError("RecordIO: zero-length record")
        this.expected = n
        this.buffer = this.buffer.subarray(nl + 1)
      }
      if (this.buffer.length < this.expected) return out
      out.push(this.buffer.subarray(0, this.expected).toString("utf8"))
      this.buffer = this.buffer.subarray(this.expected)
      this.expected = -1
    }
  }
}

/** One record framed for the stream. */
export const encodeRecord = (record: string): Buffer => {
  const body = Buffer.from(record, "utf8")
  return Buffer.concat([Buffer.from(`${body.length}\n`, "latin1"), body])
}
