/** The Python subset's syntax tree. Every node carries its position for error messages. */
export interface Pos {
  readonly line: number
  readonly col: number
}

export type Expr = Pos &
  (
    | { readonly t: "const"; readonly value: null | boolean | number | string; readonly float?: boolean }
    | { readonly t: "fstr"; readonly parts: ReadonlyArray<string | FPart> }
    | { readonly t: "name"; readonly id: string }
    | { readonly t: "attr"; readonly obj: Expr; readonly name: string }
    | { readonly t: "index"; readonly obj: Expr; readonly index: Expr }
    | {
        readonly t: "slice"
        readonly lo: Expr | null
        readonly hi: Expr | null
        readonly step: Expr | null
      }
    | { readonly t: "call"; readonly fn: Expr; readonly args: ReadonlyArray<Arg> }
    | { readonly t: "bin"; readonly op: string; readonly l: Expr; readonly r: Expr }
    | { readonly t: "unary"; readonly op: string; readonly e: Expr }
    | { readonly t: "bool"; readonly op: "and" | "or"; readonly l: Expr; readonly r: Expr }
    | {
        readonly t: "cmp"
        readonly first: Expr
        readonly ops: ReadonlyArray<string>
        readonly rest: ReadonlyArray<Expr>
      }
    | { readonly t: "ifexp"; readonly cond: Expr; readonly body: Expr; readonly else_: Expr }
    | { readonly t: "lambda"; readonly params: Params; readonly body: Expr }
    | { readonly t: "list"; readonly items: ReadonlyArray<Expr> }
    | { readonly t: "tuple"; readonly items: ReadonlyArray<Expr> }
    | { readonly t: "set"; readonly items: ReadonlyArray<Expr> }
    | { readonly t: "dict"; readonly items: ReadonlyArray<readonly [Expr | null, Expr]> }
    | {
        readonly t: "comp"
        readonly kind: "list" | "gen" | "set" | "dict"
        readonly elt: Expr
        readonly value: Expr | null
        readonly clauses: ReadonlyArray<CompClause>
      }
    | { readonly t: "starred"; readonly e: Expr }
  )

export interface FPart {
  readonly expr: Expr
  readonly conv: string | null
  readonly spec: ReadonlyArray<string | FPart> | null
}

export interface CompClause {
  readonly target: Expr
  readonly iter: Expr
  readonly ifs: ReadonlyArray<Expr>
}

export interface Arg {
  readonly kind: "pos" | "kw" | "star" | "dstar"
  readonly name?: string
  readonly value: Expr
}

export interface Param {
  readonly name: string
  readonly def: Expr | null
}

export interface Params {
  readonly params: ReadonlyArray<Param>
  readonly star: string | null
  readonly dstar: string | null
}

export type Stmt = Pos &
  (
    | { readonly t: "expr"; readonly e: Expr }
    | { readonly t: "assign"; readonly targets: ReadonlyArray<Expr>; readonly value: Expr }
    | { readonly t: "augassign"; readonly target: Expr; readonly op: string; readonly value: Expr }
    | {
        readonly t: "def"
        readonly name: string
        readonly params: Params
        readonly body: ReadonlyArray<Stmt>
      }
    | {
        readonly t: "class"
        readonly name: string
        readonly bases: ReadonlyArray<Expr>
        readonly body: ReadonlyArray<Stmt>
      }
    | {
        readonly t: "if"
        readonly cond: Expr
        readonly body: ReadonlyArray<Stmt>
        readonly orelse: ReadonlyArray<Stmt>
      }
    | {
        readonly t: "for"
        readonly target: Expr
        readonly iter: Expr
        readonly body: ReadonlyArray<Stmt>
        readonly orelse: ReadonlyArray<Stmt>
      }
    | {
        readonly t: "while"
        readonly cond: Expr
        readonly body: ReadonlyArray<Stmt>
        readonly orelse: ReadonlyArray<Stmt>
      }
    | { readonly t: "with"; readonly ctx: Expr; readonly as: Expr | null; readonly body: ReadonlyArray<Stmt> }
    | { readonly t: "return"; readonly value: Expr | null }
    | { readonly t: "pass" }
    | { readonly t: "break" }
    | { readonly t: "continue" }
    | {
        readonly t: "import"
        readonly names: ReadonlyArray<{ readonly module: string; readonly as: string | null }>
      }
    | {
        readonly t: "from"
        readonly module: string
        readonly names: ReadonlyArray<{ readonly name: string; readonly as: string | null }>
      }
    | { readonly t: "assert"; readonly cond: Expr; readonly msg: Expr | null }
    | { readonly t: "del"; readonly targets: ReadonlyArray<Expr> }
  )
