import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { encodeRecord, parseRecords, type RunnerCkpt } from "../../domain/thermos/checkpoint.ts"

/** Append-only checkpoint stream: every record is written and fsynced before the caller acts on it. */
export class CheckpointWriter {
  private fd: number
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, "a")
  }
  append(r: RunnerCkpt): void {
    writeSync(this.fd, encodeRecord(r))
    fsyncSync(this.fd)
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
  }
}

export const readCheckpoint = (path: string): ReadonlyArray<RunnerCkpt> =>
  existsSync(path) ? parseRecords(readFileSync(path, "utf8")) : []
