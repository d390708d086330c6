// Rewrites corpus/*.expected.json from the current implementation. Review every diff before committing.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { CORPUS, corpusFiles, renderCorpusFile } from "../corpusHost.ts"

for (const file of corpusFiles()) {
  const out = join(CORPUS, file.replace(/\.(aurora|json)$/, ".expected.json"))
  writeFileSync(out, `${JSON.stringify(renderCorpusFile(file), null, 2)}\n`)
  process.stdout.write(`wrote ${out}\n`)
}
