// The generated JavaScript (js.Expr, js.Statement), before it becomes TypeScript nodes;
// the IR it is generated from is ir.Stmt (ir.ts). Adjoint rules
// build them with the constructors below, which fold the constants that seeding and
// literal operands produce (1 * g, x ** (3 - 1), -(-g)), so the emitted code reads like
// hand-written code. Nothing here folds away a value that could be NaN or infinite.
import ts from "typescript";
import type * as runtimeInternal from "../runtime/internal";

/** A function of the runtime that generated code may call: an export of "adjoint/internal", so a misspelt one fails to compile. */
export type RuntimeName = keyof typeof runtimeInternal;

export type BinaryOperator = "+" | "-" | "*" | "/" | "**" | "%" | "===" | "!==" | "<" | "<=" | ">" | ">=" | "&&";

/**
 * The source node a piece of generated code computes (or computes the adjoint of): the
 * emitter gives the node it becomes that node's source map range, so a frame in generated
 * code maps to the user's primitive call. It changes nothing printed. Set on the primitive
 * calls (runtime, math, call) and on statements, by the sweeps in reverse.ts; the passes
 * keep it through their spreads, and `from` hands it to a statement a pass makes in another's place.
 */
export interface Located {
  readonly origin?: ts.Node;
}

export type Expr =
  | { readonly kind: "num"; readonly value: number }
  /** A local of the generated function, by its final name. */
  | { readonly kind: "name"; readonly name: string }
  /** An expression over constants or outer variables, emitted as written. */
  | { readonly kind: "source"; readonly node: ts.Expression }
  /** An expression of the source kept as written, with the function's variables renamed. */
  | { readonly kind: "opaque"; readonly node: ts.Expression; readonly renames: ReadonlyMap<ts.Symbol | ts.Node, Expr> }
  | { readonly kind: "binary"; readonly op: BinaryOperator; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "neg"; readonly operand: Expr }
  | { readonly kind: "not"; readonly operand: Expr }
  | ({ readonly kind: "math"; readonly fn: string; readonly args: readonly Expr[] } & Located)
  /** A function another module exports, through the namespace import the emitter adds: physics_adjoint.step_vjp */
  | { readonly kind: "member"; readonly object: string; readonly name: string }
  /** array[index] */
  | { readonly kind: "element"; readonly array: Expr; readonly index: Expr }
  /** array.length */
  | { readonly kind: "length"; readonly array: Expr }
  /** object.name, of any expression: a field of a gradient structure (dLayer.enc.w) */
  | { readonly kind: "property"; readonly object: Expr; readonly name: string }
  /** Math.PI, Math.LN2, ... */
  | { readonly kind: "mathConstant"; readonly name: string }
  | ({ readonly kind: "call"; readonly callee: Expr; readonly args: readonly Expr[] } & Located)
  /** A function of the adjoint runtime, called through the namespace import the emitter adds. */
  | ({ readonly kind: "runtime"; readonly fn: RuntimeName; readonly args: readonly Expr[] } & Located)
  | { readonly kind: "conditional"; readonly cond: Expr; readonly whenTrue: Expr; readonly whenFalse: Expr }
  | { readonly kind: "array"; readonly elements: readonly Expr[] }
  | { readonly kind: "object"; readonly fields: readonly (readonly [string, Expr])[] }
  /** A generated function as a value (an inline arrow's hvp, passed to the runtime's hessianOf). */
  | { readonly kind: "function"; readonly fn: GeneratedFunction }
  /**
   * (seed) => { body }: the backward sweep of a function as a closure over its primal values
   * (a callee's `_forward` returns it beside its value). `reads` are the outer names the body
   * reads; nothing is substituted into it, as it runs later.
   */
  | {
      readonly kind: "pullback";
      readonly param: string;
      readonly body: readonly Statement[];
      readonly reads: readonly string[];
    };

export const num = (value: number): Expr => ({ kind: "num", value });
export const name = (n: string): Expr => {
  if (n === undefined) throw new Error("adjoint internal error: a name is missing");
  return { kind: "name", name: n };
};

const isNum = (e: Expr, value?: number): e is { kind: "num"; value: number } =>
  e.kind === "num" && (value === undefined || Object.is(e.value, value));

export function add(left: Expr, right: Expr): Expr {
  if (isNum(left) && isNum(right)) return num(left.value + right.value);
  if (isNum(left, 0)) return right;
  if (isNum(right, 0)) return left;
  if (right.kind === "neg") return sub(left, right.operand);
  return { kind: "binary", op: "+", left, right };
}

export function sub(left: Expr, right: Expr): Expr {
  if (isNum(left) && isNum(right)) return num(left.value - right.value);
  if (isNum(right, 0)) return left;
  if (isNum(left, 0)) return neg(right);
  if (right.kind === "neg") return add(left, right.operand);
  return { kind: "binary", op: "-", left, right };
}

export function mul(left: Expr, right: Expr): Expr {
  if (isNum(left) && isNum(right)) return num(left.value * right.value);
  if (isNum(left, 1)) return right;
  if (isNum(right, 1)) return left;
  if (isNum(left, -1)) return neg(right);
  if (isNum(right, -1)) return neg(left);
  // Pull signs out so that -g * x reads as -(g * x) only once, never as a double negation.
  if (left.kind === "neg") return neg(mul(left.operand, right));
  if (right.kind === "neg") return neg(mul(left, right.operand));
  // Literal factors go first: 2 * x rather than x * 2.
  if (isNum(right) && !isNum(left)) return { kind: "binary", op: "*", left: right, right: left };
  return { kind: "binary", op: "*", left, right };
}

export function div(left: Expr, right: Expr): Expr {
  if (isNum(left) && isNum(right) && right.value !== 0) return num(left.value / right.value);
  if (isNum(right, 1)) return left;
  if (left.kind === "neg") return neg(div(left.operand, right));
  return { kind: "binary", op: "/", left, right };
}

export function pow(base: Expr, exponent: Expr): Expr {
  if (isNum(exponent, 1)) return base;
  if (isNum(base) && isNum(exponent)) return num(base.value ** exponent.value);
  return { kind: "binary", op: "**", left: base, right: exponent };
}

export function neg(operand: Expr): Expr {
  if (isNum(operand)) return num(-operand.value);
  if (operand.kind === "neg") return operand.operand;
  return { kind: "neg", operand };
}

export function binary(op: BinaryOperator, left: Expr, right: Expr): Expr {
  return { kind: "binary", op, left, right };
}

export function math(fn: string, ...args: Expr[]): Expr {
  return { kind: "math", fn, args };
}

export function mathConstant(constant: string): Expr {
  return { kind: "mathConstant", name: constant };
}

/**
 * A call of the tensor runtime, folded like the operators above: adding 0, multiplying by
 * 1 and dividing by 1 disappear (the runtime never widens a dtype for a plain number, so
 * folding them changes no result), and so does a double negation.
 */
export function rt(fn: RuntimeName, ...args: Expr[]): Expr {
  const [a, b] = args;
  const isCall = (e: Expr | undefined, f: RuntimeName): e is Extract<Expr, { kind: "runtime" }> =>
    e?.kind === "runtime" && e.fn === f;
  switch (fn) {
    case "add":
      if (isNum(a!, 0)) return b!;
      if (isNum(b!, 0)) return a!;
      if (isCall(b, "neg")) return rt("sub", a!, b.args[0]!);
      break;
    case "sub":
      if (isNum(b!, 0)) return a!;
      if (isNum(a!, 0)) return rt("neg", b!);
      break;
    case "mul":
      if (isNum(a!) && isNum(b!)) return num(a.value * b.value);
      if (isNum(a!, 1)) return b!;
      if (isNum(b!, 1)) return a!;
      if (isNum(a!, -1)) return rt("neg", b!);
      if (isNum(b!, -1)) return rt("neg", a!);
      if (isCall(a, "neg")) return rt("neg", rt("mul", a.args[0]!, b!));
      if (isCall(b, "neg")) return rt("neg", rt("mul", a!, b.args[0]!));
      if (isNum(b!) && !isNum(a!)) return { kind: "runtime", fn, args: [b, a!] };
      break;
    case "div":
      if (isNum(b!, 1)) return a!;
      break;
    case "neg":
      if (isNum(a!)) return num(-a.value);
      if (isCall(a, "neg")) return a.args[0]!;
      break;
    // The adjoint of a whole sum is the sum's adjoint itself (it broadcasts over x).
    case "sumGrad": {
      const axis = args[3];
      if (axis === undefined || (axis.kind === "name" && axis.name === "undefined")) return a!;
      break;
    }
  }
  return { kind: "runtime", fn, args };
}

export function call(callee: Expr, ...args: Expr[]): Expr {
  return { kind: "call", callee, args };
}

export function conditional(cond: Expr, whenTrue: Expr, whenFalse: Expr): Expr {
  return { kind: "conditional", cond, whenTrue, whenFalse };
}

/** Sum of several contributions, folded; 0 when there are none. */
export function sum(terms: readonly Expr[]): Expr {
  return terms.reduce((acc, t) => add(acc, t), num(0));
}

/** A short expression worth repeating rather than naming: a literal, a name, or its negation. */
export function isTrivial(e: Expr): boolean {
  if (e.kind === "num" || e.kind === "name" || e.kind === "source" || e.kind === "mathConstant" || e.kind === "member")
    return true;
  if (e.kind === "neg") return e.operand.kind === "name" || e.operand.kind === "num";
  return false;
}

/** The sub-expressions of an expression. */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case "binary":
      return [e.left, e.right];
    case "neg":
    case "not":
      return [e.operand];
    case "math":
    case "runtime":
      return e.args;
    case "call":
      return [e.callee, ...e.args];
    case "conditional":
      return [e.cond, e.whenTrue, e.whenFalse];
    case "array":
      return e.elements;
    case "object":
      return e.fields.map(([, v]) => v);
    case "opaque":
      return [...e.renames.values()];
    case "element":
      return [e.array, e.index];
    case "length":
      return [e.array];
    case "property":
      return [e.object];
    default:
      return [];
  }
}

/** Names an expression reads (for dead-code elimination and inlining); with `out`, pushed onto it. */
export function namesIn(e: Expr): readonly string[];
export function namesIn(e: Expr, out: string[]): string[];
export function namesIn(e: Expr, out?: string[]): readonly string[] {
  let names = readNames.get(e);
  if (!names) {
    const found: string[] = [];
    const go = (x: Expr): void => {
      if (x.kind === "name") found.push(x.name);
      if (x.kind === "member") found.push(x.object);
      if (x.kind === "pullback") found.push(...x.reads);
      for (const c of children(x)) go(c);
    };
    go(e);
    readNames.set(e, (names = found));
  }
  if (!out) return names;
  for (const n of names) out.push(n);
  return out;
}

/** namesIn of each expression met: every clean-up pass asks it of the same (never mutated) expressions in every round. */
const readNames = new WeakMap<Expr, readonly string[]>();

/** Whether `name` is read inside an opaque expression, where it cannot be substituted. */
export function readsInOpaque(e: Expr, n: string): boolean {
  if (e.kind === "opaque" || e.kind === "pullback") return namesIn(e).includes(n);
  return children(e).some((c) => readsInOpaque(c, n));
}

/** Replaces names by expressions (used to inline single-use temporaries); opaque expressions are left alone. */
export function substitute(e: Expr, replace: (name: string) => Expr | undefined): Expr {
  const go = (x: Expr): Expr => substitute(x, replace);
  switch (e.kind) {
    case "name":
      return replace(e.name) ?? e;
    case "binary":
      return { ...e, left: go(e.left), right: go(e.right) };
    case "neg":
    case "not":
      return { ...e, operand: go(e.operand) };
    case "math":
    case "runtime":
      return { ...e, args: e.args.map(go) };
    case "array":
      return { ...e, elements: e.elements.map(go) };
    case "call":
      return { ...e, callee: go(e.callee), args: e.args.map(go) };
    case "conditional":
      return { ...e, cond: go(e.cond), whenTrue: go(e.whenTrue), whenFalse: go(e.whenFalse) };
    case "object":
      return { ...e, fields: e.fields.map(([k, v]) => [k, go(v)] as const) };
    case "element":
      return { ...e, array: go(e.array), index: go(e.index) };
    case "length":
      return { ...e, array: go(e.array) };
    case "property":
      return { ...e, object: go(e.object) };
    default:
      return e;
  }
}

/** Folds an expression again after a substitution put literals where names were. */
export function refold(e: Expr): Expr {
  switch (e.kind) {
    case "binary": {
      const [left, right] = [refold(e.left), refold(e.right)];
      const fold = { "+": add, "-": sub, "*": mul, "/": div, "**": pow }[e.op as string];
      return fold ? fold(left, right) : { ...e, left, right };
    }
    case "neg":
      return neg(refold(e.operand));
    case "not":
      return { ...e, operand: refold(e.operand) };
    case "runtime": {
      const folded = rt(e.fn, ...e.args.map(refold));
      return folded.kind === "runtime" && folded.fn === e.fn && e.origin && !folded.origin
        ? { ...folded, origin: e.origin }
        : folded;
    }
    case "math":
      return { ...e, args: e.args.map(refold) };
    case "call":
      return { ...e, callee: refold(e.callee), args: e.args.map(refold) };
    case "conditional":
      return { ...e, cond: refold(e.cond), whenTrue: refold(e.whenTrue), whenFalse: refold(e.whenFalse) };
    case "element":
      return { ...e, array: refold(e.array), index: refold(e.index) };
    case "length":
      return { ...e, array: refold(e.array) };
    case "property":
      return { ...e, object: refold(e.object) };
    case "array":
      return { ...e, elements: e.elements.map(refold) };
    case "object":
      return { ...e, fields: e.fields.map(([k, v]) => [k, refold(v)] as const) };
    default:
      return e;
  }
}

/** Statements of the generated code, each with the source node it comes from. */
export type Statement = Located & StatementOfKind;

type StatementOfKind =
  | { readonly kind: "const" | "let"; readonly name: string; readonly init?: Expr }
  /** const [a, , b] = init (undefined leaves a hole) */
  | { readonly kind: "destructure"; readonly names: readonly (string | undefined)[]; readonly init: Expr }
  | { readonly kind: "assign" | "accumulate"; readonly name: string; readonly value: Expr }
  /** array[index] += value, into an array gradient the generated function owns */
  | { readonly kind: "accumulateElement"; readonly array: string; readonly index: Expr; readonly value: Expr }
  | { readonly kind: "effect"; readonly expr: Expr }
  | { readonly kind: "throw"; readonly expr: Expr }
  /** `tapeOf`: the statement only maintains that tape (its growth), so it goes with the tape. */
  | {
      readonly kind: "if";
      readonly cond: Expr;
      readonly then: Statement[];
      readonly else: Statement[];
      readonly tapeOf?: string;
    }
  /** array[index] = value; `tapeOf` as for if */
  | {
      readonly kind: "storeElement";
      readonly array: string;
      readonly index: Expr;
      readonly value: Expr;
      readonly tapeOf?: string;
    }
  /** while (cond) body, or do body while (cond) when testAfter */
  | { readonly kind: "while"; readonly cond: Expr; readonly body: Statement[]; readonly testAfter: boolean }
  /** for (let index = 0; index < count; index++) body: the loop of a fused elementwise chain (passes/fuse.ts) */
  | { readonly kind: "for"; readonly index: string; readonly count: Expr; readonly body: Statement[] }
  | { readonly kind: "return"; readonly value: Expr }
  /** A one-line comment that marks a section (forward sweep, backward sweep). */
  | { readonly kind: "comment"; readonly text: string };

export interface GeneratedFunction {
  readonly name: string;
  /** The function it is generated from: what its statements without an origin of their own map to. */
  readonly origin?: ts.Node;
  /** The source parameters, copied (name, initializer), then any extra ones (the seed). */
  readonly params: readonly ts.ParameterDeclaration[];
  readonly extraParams: readonly string[];
  readonly body: Statement[];
}

/** The expressions a statement evaluates itself (not those of nested blocks). */
export function statementExprs(s: Statement): Expr[] {
  switch (s.kind) {
    case "const":
    case "let":
      return s.init ? [s.init] : [];
    case "destructure":
      return [s.init];
    case "assign":
    case "accumulate":
    case "return":
      return [s.value];
    case "accumulateElement":
      return [name(s.array), s.index, s.value];
    case "storeElement":
      return [s.index, s.value];
    case "effect":
    case "throw":
      return [s.expr];
    case "if":
    case "while":
      return [s.cond];
    case "for":
      return [s.count];
    case "comment":
      return [];
  }
}

/**
 * Gives `node` as origin to the statements, at any depth, and to the primitive calls they
 * evaluate, that have none yet. It writes them in place: only for what the sweeps just
 * made, before any pass (passes never mutate a statement) has seen them.
 */
export function locate(statements: readonly Statement[], node: ts.Node | undefined): void {
  if (!node) return;
  for (const s of statements) {
    if (!s.origin) (s as { origin?: ts.Node }).origin = node;
    for (const e of statementExprs(s)) locateExpr(e, node);
    if (s.kind === "if") (locate(s.then, node), locate(s.else, node));
    if (s.kind === "while" || s.kind === "for") locate(s.body, node);
  }
}

/** locate for the primitive calls of one expression (an adjoint contribution). */
export function locateExpr(e: Expr, node: ts.Node | undefined): void {
  if (!node) return;
  if ((e.kind === "runtime" || e.kind === "math" || e.kind === "call") && !e.origin)
    (e as { origin?: ts.Node }).origin = node;
  for (const c of children(e)) locateExpr(c, node);
}

/** A statement a pass makes in place of `like`, with like's origin. */
export function from<T extends Statement>(like: Located, s: T): T {
  return like.origin && !s.origin ? { ...s, origin: like.origin } : s;
}
