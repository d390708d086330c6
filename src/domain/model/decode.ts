import { Either, ParseResult, Schema } from "effect"

/**
 * Decodes unknown input and, on failure, returns one message per problem, each naming the
 * field path and the rule broken, e.g. `taskConfig.job.role: role "a b" may contain only ...`.
 */
export const decodeWithMessages =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Either.Either<A, ReadonlyArray<string>> =>
    Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(input), (error) =>
      ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
        issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`
      )
    )
