/**
 * The line every benchmark ends with: `{"bench","metric","value","unit","baseline","ratio"}` in that
 * order (ratio = value / baseline, null without a baseline), then any extra fields.
 */
export const printResult = (
  result: {
    readonly bench: string
    readonly metric: string
    readonly value: number
    readonly unit: string
    readonly baseline: number | null
  },
  extra: Readonly<Record<string, unknown>> = {}
): void => {
  const ratio = result.baseline ? Number((result.value / result.baseline).toFixed(3)) : null
  process.stdout.write(`${JSON.stringify({ ...result, ratio, ...extra })}\n`)
}
