// TypeScript -> IR. Lowering puts a function in A-normal form and SSA (see ir.ts) and
// refuses, with a diagnostic on the node, every construct it cannot represent exactly.
//
// Early returns are removed by copying the statements that follow an `if` containing a
// return into both of its branches (the continuation), so that every path ends in one
// result; the paths' results meet in a single merge variable.
import ts from "typescript";
import { AdjointError } from "./diagnostics";
import {
  varAtom,
  type Carried,
  type IndexBound,
  type ValueKind,
  type Atom,
  type LoweredFunction,
  type Opaque,
  type Param,
  type Stmt,
  type Var,
  type VarId,
} from "./ir";
import { Namer } from "./naming";
import { RULES } from "./rules";
import {
  constantArguments,
  containsCall,
  functionName,
  isCustomGradient,
  isPropertyName,
  isTensorType,
  markerKind,
  primitiveName,
  resolveFunction,
  skipOuterExpressions,
  type FunctionNode,
} from "./sites";

type Binding = Atom | "uninitialized";
type Env = Map<ts.Symbol, Binding>;
/** How a statement list ends: with a return value, by throwing, or by falling through (undefined). */
type Completion = { kind: "return"; value: Atom } | { kind: "throw" } | { kind: "end" } | undefined;

/**
 * A loop body being lowered: every path of an iteration ends at a `continue`, a `break` or
 * the end of the body, each with its own values of the carried variables, which meet in
 * merge variables (the way returns meet in one result).
 */
interface LoopBody {
  /** `returned`: the value of a return that ended the path (and the loop, and the function). */
  readonly ends: { env: Env; out: Stmt[]; broke: boolean; returned?: Atom }[];
  /** The for loop's update (or for...of's next index), run at the end of every path but a break. */
  readonly update?: (out: Stmt[], env: Env) => void;
  /** The first if in the body that ends paths: the merges are declared before it. */
  outermostIf?: Stmt & { kind: "if" };
}
/** Statement lists that run after the current one (the rest of each enclosing block), innermost first. */
type Continuation = readonly (readonly ts.Statement[])[];
/** The merge variable shared by every return of the function, created at the first early return. */
interface ReturnTarget {
  id?: VarId;
}

const ARITHMETIC: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "**",
  [ts.SyntaxKind.PercentToken]: "%",
};

const COMPOUND_ASSIGNMENT: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "+",
  [ts.SyntaxKind.MinusEqualsToken]: "-",
  [ts.SyntaxKind.AsteriskEqualsToken]: "*",
  [ts.SyntaxKind.SlashEqualsToken]: "/",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "**",
  [ts.SyntaxKind.PercentEqualsToken]: "%",
};

/** Properties of a Tensor that describe it rather than hold its values. */
const TENSOR_METADATA = new Set(["shape", "size", "dtype", "ndim"]);

/** Operators whose result is a boolean or a piecewise-constant integer: no gradient flows through them. */
const NON_DIFFERENTIABLE_OPERATORS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.AmpersandToken,
  ts.SyntaxKind.BarToken,
  ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
]);

const LOOPS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.ForStatement,
  ts.SyntaxKind.ForOfStatement,
  ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.WhileStatement,
  ts.SyntaxKind.DoStatement,
]);

export function isNumberType(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every(isNumberType);
  return (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.Any)) !== 0;
}

/** What a value of this type can carry: a number's gradient, a tensor's (also for `any`, decided at run time), or none. */
export function valueKind(type: ts.Type): ValueKind {
  if (type.flags & ts.TypeFlags.Any) return "tensor";
  if (type.isUnion()) return type.types.map(valueKind).reduce(joinKinds);
  if (type.flags & ts.TypeFlags.NumberLike) return "number";
  if (isTensorType(type)) return "tensor";
  const name = type.getSymbol()?.name;
  return name === "Float64Array" || name === "Float32Array" || name === "Array" || name === "ReadonlyArray"
    ? "array"
    : "other";
}

function joinKinds(a: ValueKind, b: ValueKind): ValueKind {
  if (a === b) return a;
  if (a === "other" || b === "other" || a === "array" || b === "array") return "other";
  return a === "tensor" || b === "tensor" ? "tensor" : "number";
}

export function lowerFunction(
  fn: FunctionNode,
  checker: ts.TypeChecker,
  reserved: ReadonlySet<string>,
): LoweredFunction {
  return new Lowering(fn, checker, reserved).run();
}

class Lowering {
  private readonly vars: Var[] = [];
  private readonly temps = new Set<VarId>();
  private readonly namer: Namer;
  /** Locals assigned after their declaration: closures may not read them (their value depends on when the closure runs). */
  private readonly reassigned = new Set<ts.Symbol>();
  /** Locals whose elements the function assigns (a[i] = v). */
  private readonly elementWritten = new Set<ts.Symbol>();
  /** Arrays the function creates and writes: their symbols, and their variables. */
  private readonly localArraySymbols = new Set<ts.Symbol>();
  private readonly localArrays = new Set<VarId>();
  /** Local arrays the function stores into: only their reads inside loops need logging. */
  private readonly writtenArrays = new Set<VarId>();
  /** Variables known to hold integers: array lengths, and sums, differences and products of integers. */
  private readonly integers = new Set<VarId>();
  /** How many loops enclose the statement being lowered. */
  private loopDepth = 0;
  /**
   * The environment key of a hidden counter of element reads of local arrays inside loops:
   * each such read is logged at its index, so that the backward sweep, which recomputes an
   * iteration after later writes, reads the value the iteration read.
   */
  private readonly readCounterKey = {} as ts.Symbol;
  /** The primitives each block has computed so far, by operation and operands (common subexpressions). */
  private readonly computed = new WeakMap<Stmt[], Map<string, VarId>>();

  constructor(
    private readonly fn: FunctionNode,
    private readonly checker: ts.TypeChecker,
    reserved: ReadonlySet<string>,
  ) {
    this.namer = new Namer(reserved);
  }

  run(): LoweredFunction {
    const fn = this.fn;
    if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      throw new AdjointError("ADJ106", fn.name ?? fn);
    }
    this.scanBody();
    const env: Env = new Map();
    const params: Param[] = fn.parameters.map((p) => {
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken) throw new AdjointError("ADJ105", p);
      const id = this.newVar(p.name.text, valueKind(this.checker.getTypeAtLocation(p)), true);
      env.set(this.symbolOf(p.name), varAtom(id));
      return { id, decl: p };
    });
    const body: Stmt[] = [];
    const target: ReturnTarget = {};
    env.set(this.readCounterKey, { kind: "number", value: 0 });
    let completion: Completion;
    if (!fn.body) throw new AdjointError("ADJ101", fn);
    if (ts.isBlock(fn.body)) {
      completion = this.lowerList(fn.body.statements, [], body, env, target);
    } else {
      completion = { kind: "return", value: this.lowerExpr(fn.body, body, env) };
    }
    if (completion?.kind !== "return") {
      throw new AdjointError(
        "ADJ207",
        fn.name ?? fn,
        `Add a return statement at the end of ${functionName(fn) ?? "the function"}.`,
      );
    }
    return {
      decl: fn,
      namer: this.namer,
      temps: this.temps,
      vars: this.vars,
      params,
      body,
      result: completion.value,
      localArrays: this.localArrays,
    };
  }

  /** Reserves the names of outer variables the function reads, and finds reassigned locals. */
  private scanBody(): void {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const symbol = this.checker.getSymbolAtLocation(node);
        if (symbol && !this.isDeclaredInside(symbol)) this.namer.reserve(node.text);
      }
      const target = assignmentTarget(node);
      if (target && ts.isIdentifier(target)) {
        const symbol = this.checker.getSymbolAtLocation(target);
        if (symbol) this.reassigned.add(symbol);
      }
      if (target && ts.isElementAccessExpression(target) && ts.isIdentifier(skipOuterExpressions(target.expression))) {
        const symbol = this.checker.getSymbolAtLocation(skipOuterExpressions(target.expression));
        if (symbol) this.elementWritten.add(symbol);
      }
      ts.forEachChild(node, visit);
    };
    if (this.fn.body) visit(this.fn.body);
  }

  private newVar(name: string, kind: ValueKind, isParam = false): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name: isParam ? (this.namer.reserve(name), name) : this.namer.claim(name), kind });
    return id;
  }

  private tempVar(kind: ValueKind, hint?: string): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name: hint ? this.namer.claim(hint) : this.namer.temp(), kind });
    if (!hint) this.temps.add(id);
    return id;
  }

  private symbolOf(node: ts.Node): ts.Symbol {
    const symbol = this.checker.getSymbolAtLocation(node);
    if (!symbol) throw new AdjointError("ADJ203", node, "The compiler could not resolve this name.");
    return symbol;
  }

  private isDeclaredInside(symbol: ts.Symbol, container: ts.Node = this.fn): boolean {
    return (symbol.declarations ?? []).some((d) => isDescendant(d, container));
  }

  // ---- statements ----

  private lowerList(
    stmts: readonly ts.Statement[],
    rest: Continuation,
    out: Stmt[],
    env: Env,
    target: ReturnTarget,
    loop?: LoopBody,
  ): Completion {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      if (ts.isBlock(s)) return this.lowerList([...s.statements, ...stmts.slice(i + 1)], rest, out, env, target, loop);
      if (loop && (ts.isContinueStatement(s) || ts.isBreakStatement(s)))
        return this.endIteration(loop, out, env, ts.isBreakStatement(s));
      if (loop && ts.isReturnStatement(s)) {
        if (!s.expression) throw new AdjointError("ADJ207", s, "Return a number.");
        return this.endIteration(loop, out, env, true, this.lowerExpr(s.expression, out, env));
      }
      if (!loop && isLoopStatement(s) && findReturnInLoop(s.statement)) {
        return this.lowerReturningLoop(s, [stmts.slice(i + 1), ...rest], out, env, target);
      }
      if (loop && isLoopStatement(s) && findReturnInLoop(s.statement)) {
        return this.lowerNestedReturningLoop(s, [stmts.slice(i + 1), ...rest], out, env, target, loop);
      }
      if (loop && ts.isIfStatement(s) && (findLoopExit(s, false) || containsReturn(s))) {
        return this.lowerEndingIf(s, [stmts.slice(i + 1), ...rest], out, env, target, loop);
      }
      if (ts.isReturnStatement(s)) {
        if (!s.expression) throw new AdjointError("ADJ207", s, "Return a number.");
        return { kind: "return", value: this.lowerExpr(s.expression, out, env) };
      }
      if (ts.isThrowStatement(s)) {
        out.push({ kind: "throw", expr: this.opaque(s.expression, env), node: s });
        return { kind: "throw" };
      }
      if (ts.isIfStatement(s)) {
        if (containsReturn(s)) return this.lowerReturningIf(s, [stmts.slice(i + 1), ...rest], out, env, target);
        const completion = this.lowerIf(s, out, env, target);
        if (completion) return completion;
        continue;
      }
      this.lowerSimpleStatement(s, out, env);
    }
    const [next, ...after] = rest;
    if (next) return this.lowerList(next, after, out, env, target, loop);
    return loop ? this.endIteration(loop, out, env, false) : undefined;
  }

  /** A path of a loop iteration ends here: the for's update runs (unless it is a break) and its values are recorded. */
  private endIteration(loop: LoopBody, out: Stmt[], env: Env, broke: boolean, returned?: Atom): Completion {
    if (loop.update && !broke) loop.update(out, env);
    loop.ends.push({ env: new Map(env), out, broke, returned });
    return { kind: "end" };
  }

  /**
   * A loop with a return inside: the return ends the loop like a break and leaves its value
   * in a carried variable; after the loop, an if on whether it returned gives the function
   * its result or runs the rest of the function (the continuation, as for an early return).
   */
  private lowerReturningLoop(
    s: LoopStatement,
    rest: Continuation,
    out: Stmt[],
    env: Env,
    target: ReturnTarget,
  ): Completion {
    const { returned, value } = this.lowerLoop(s, out, env, true)!;
    const owner = target.id === undefined;
    if (owner) target.id = this.tempVar(this.returnKind(), "result");
    const result = target.id!;
    const thenOut: Stmt[] = [{ kind: "merge", target: result, value }];
    const elseOut: Stmt[] = [];
    const end = this.lowerList([], rest, elseOut, new Map(env), target);
    // while (true) with no break only ever leaves by a return: nothing need follow it.
    const condition = ts.isForStatement(s) ? s.condition : s.expression;
    const endless = condition?.kind === ts.SyntaxKind.TrueKeyword && !findLoopExit(s.statement, false, true);
    if (end === undefined && !endless)
      throw new AdjointError("ADJ207", s, "Add a return statement at the end of the function.");
    if (end?.kind === "return" && !(end.value.kind === "var" && end.value.id === result))
      elseOut.push({ kind: "merge", target: result, value: end.value });
    out.push({ kind: "if", cond: returned, then: thenOut, else: elseOut, merges: owner ? [result] : [] });
    return { kind: "return", value: varAtom(result) };
  }

  /**
   * A loop with a return inside, in another loop's body: after it, an if on whether it
   * returned ends the enclosing iteration with that return, or runs the rest of the body.
   */
  private lowerNestedReturningLoop(
    s: LoopStatement,
    rest: Continuation,
    out: Stmt[],
    env: Env,
    target: ReturnTarget,
    loop: LoopBody,
  ): Completion {
    const { returned, value } = this.lowerLoop(s, out, env, true)!;
    const [thenOut, elseOut]: Stmt[][] = [[], []];
    const node: Stmt & { kind: "if" } = { kind: "if", cond: returned, then: thenOut, else: elseOut, merges: [] };
    loop.outermostIf ??= node;
    this.endIteration(loop, thenOut, new Map(env), true, value);
    this.lowerList([], rest, elseOut, new Map(env), target, loop);
    out.push(node);
    return { kind: "end" };
  }

  /** An if inside a loop body with a break or continue: the rest of the body runs inside each branch. */
  private lowerEndingIf(
    s: ts.IfStatement,
    rest: Continuation,
    out: Stmt[],
    env: Env,
    target: ReturnTarget,
    loop: LoopBody,
  ): Completion {
    const cond = this.opaque(s.expression, env);
    const [thenOut, elseOut]: Stmt[][] = [[], []];
    const node: Stmt & { kind: "if" } = { kind: "if", cond, then: thenOut, else: elseOut, merges: [] };
    // Claimed before the branches are lowered, so an if nested in them is not taken for it.
    loop.outermostIf ??= node;
    this.lowerList(statementsOf(s.thenStatement), rest, thenOut, new Map(env), target, loop);
    this.lowerList(s.elseStatement ? statementsOf(s.elseStatement) : [], rest, elseOut, new Map(env), target, loop);
    out.push(node);
    return { kind: "end" };
  }

  private lowerSimpleStatement(s: ts.Statement, out: Stmt[], env: Env): void {
    if (ts.isEmptyStatement(s)) return;
    if (ts.isVariableStatement(s)) return this.lowerDeclarations(s.declarationList, out, env);
    if (ts.isExpressionStatement(s)) return this.lowerExpressionStatement(s.expression, out, env);
    if (isLoopStatement(s)) {
      this.lowerLoop(s, out, env);
      return;
    }
    if (LOOPS.has(s.kind))
      throw new AdjointError("ADJ202", s, "Use a for...of or an index loop over an array, or a while loop.");
    if (ts.isFunctionDeclaration(s)) {
      throw new AdjointError("ADJ210", s, "Move the function outside the differentiated function.");
    }
    throw new AdjointError("ADJ201", s, `(${ts.SyntaxKind[s.kind]})`);
  }

  private lowerDeclarations(list: ts.VariableDeclarationList, out: Stmt[], env: Env): void {
    if (!(list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)))
      throw new AdjointError("ADJ209", list, "Use let or const.");
    for (const decl of list.declarations) {
      if (!ts.isIdentifier(decl.name)) {
        throw new AdjointError(
          "ADJ201",
          decl.name,
          "Destructuring is not supported; declare each variable on its own.",
        );
      }
      const symbol = this.symbolOf(decl.name);
      if (decl.initializer && this.isLocalArraySource(symbol, decl.initializer, env)) {
        const creation = arrayCreation(decl.initializer, this.checker);
        if (
          !creation ||
          !isNumberType(this.checker.getTypeAtLocation(decl.name).getNumberIndexType() ?? this.checker.getAnyType())
        ) {
          throw new AdjointError(
            "ADJ203",
            decl.initializer,
            "Create an array the function writes as [a, b, ...], new Float64Array(n), new Float32Array(n) or new Array(n).fill(c), of numbers.",
          );
        }
        env.set(
          symbol,
          this.lowerLocalArray(decl as ts.VariableDeclaration & { name: ts.Identifier }, creation, list, out, env),
        );
        continue;
      }
      const creation = decl.initializer && arrayCreation(decl.initializer, this.checker);
      if (creation?.kind === "allocation" && !(creation.fill && this.readsLocals(creation.fill, env))) {
        // An allocation only read holds constants (zeros, or its fill): no gradient flows
        // through it, whatever its length depends on; allocated once, not at every read.
        const id = this.tempVar("array", decl.name.text);
        out.push({
          kind: "let",
          target: id,
          op: { kind: "opaque", expr: this.opaque(decl.initializer!, env), nonDifferentiable: true },
          node: decl,
        });
        env.set(symbol, varAtom(id));
        continue;
      }
      env.set(symbol, decl.initializer ? this.lowerExpr(decl.initializer, out, env, decl.name.text) : "uninitialized");
    }
  }

  /**
   * An array the function tracks element by element: one whose elements it assigns, or an
   * array literal of its own values ([x, y * 2]). A table of constants stays a constant.
   */
  private isLocalArraySource(symbol: ts.Symbol, init: ts.Expression, env: Env): boolean {
    if (this.elementWritten.has(symbol)) return true;
    const e = skipOuterExpressions(init);
    return ts.isArrayLiteralExpression(e) && this.readsLocals(e, env);
  }

  /** Whether an expression reads a variable of the function (elements of its arrays included). */
  private readsLocals(node: ts.Node, env: Env): boolean {
    if (ts.isIdentifier(node) && !isPropertyName(node)) {
      const symbol = this.referencedSymbol(node);
      if (symbol && env.has(symbol)) return true;
    }
    return ts.forEachChild(node, (child) => this.readsLocals(child, env) || undefined) ?? false;
  }

  /**
   * const a = [x, y] or new Float64Array(n) (or new Array(n).fill(c)): an array of numbers
   * the function tracks element by element. One it writes is created at the top level of the
   * function body (an early return may copy it into a branch, with everything after it): a
   * recomputed iteration writes nothing. A literal only read may be created anywhere: the
   * backward sweep of its block gives it a gradient array of its own each time.
   */
  private lowerLocalArray(
    decl: ts.VariableDeclaration & { name: ts.Identifier },
    creation: ArrayCreation,
    list: ts.VariableDeclarationList,
    out: Stmt[],
    env: Env,
  ): Atom {
    const symbol = this.symbolOf(decl.name);
    if (this.elementWritten.has(symbol) && (this.loopDepth > 0 || list.parent?.parent !== this.fn.body)) {
      throw new AdjointError(
        "ADJ203",
        decl,
        "Create arrays the function writes at the top of the function body, outside loops and branches.",
      );
    }
    if (this.reassigned.has(symbol))
      throw new AdjointError("ADJ205", decl.name, "Declare the array with const and write its elements.");
    if (creation.kind === "literal") {
      this.localArraySymbols.add(symbol);
      const array = this.arrayOf(creation.elements, decl.name.text, out, env, decl);
      if (this.elementWritten.has(symbol)) this.writtenArrays.add((array as Atom & { kind: "var" }).id);
      return array;
    }
    // An allocation: its length and fill value are kept as written, and no gradient flows through them.
    const expr = this.opaque(decl.initializer!, env);
    if (creation.fill && this.opaque(creation.fill, env).renames.size > 0) {
      throw new AdjointError(
        "ADJ203",
        creation.fill,
        "Fill the array with a constant, then assign the elements that depend on the inputs.",
      );
    }
    const id = this.tempVar("array", decl.name.text);
    out.push({ kind: "let", target: id, op: { kind: "opaque", expr, nonDifferentiable: true }, node: decl });
    this.localArraySymbols.add(symbol);
    this.localArrays.add(id);
    this.writtenArrays.add(id);
    return varAtom(id);
  }

  /** [a, b, c] of the function's values: an array it tracks element by element, each element's gradient its own. */
  private arrayOf(elements: readonly ts.Expression[], name: string, out: Stmt[], env: Env, node: ts.Node): Atom {
    const args = elements.map((e) => this.lowerExpr(e, out, env));
    const id = this.tempVar("array", name);
    out.push({ kind: "let", target: id, op: { kind: "prim", prim: "arrayOf", args }, node });
    this.localArrays.add(id);
    return varAtom(id);
  }

  /** a[i] = v, a[i] += v, ...: a store into an array the function created. */
  private lowerElementAssignment(e: ts.Expression, target: ts.ElementAccessExpression, out: Stmt[], env: Env): void {
    const index = skipOuterExpressions(target.argumentExpression);
    if (ts.isPropertyAccessExpression(index) && index.name.text === "length") {
      throw new AdjointError(
        "ADJ205",
        target,
        "An array the function writes keeps its length: create it with its final length and assign a[i] within it.",
      );
    }
    const array = this.lowerExpr(target.expression, out, env);
    const indexAtom = this.lowerExpr(target.argumentExpression, out, env);
    const value = this.assignedValue(e, out, env, () => this.readElement(array, indexAtom, out, env, target));
    out.push({ kind: "store", array: (array as Atom & { kind: "var" }).id, index: indexAtom, value, node: e });
  }

  /** The value `y = e`, `y op= e` or `y++` assigns; `current` reads y's value before it (only a compound assignment does). */
  private assignedValue(e: ts.Expression, out: Stmt[], env: Env, current: () => Atom, hint?: string): Atom {
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken)
      return this.lowerExpr(e.right, out, env, hint);
    const op = ts.isBinaryExpression(e)
      ? COMPOUND_ASSIGNMENT[e.operatorToken.kind]
      : (e as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression).operator === ts.SyntaxKind.PlusPlusToken
        ? "+"
        : "-";
    if (!op) throw new AdjointError("ADJ203", e, "This compound assignment is not supported.");
    const before = current();
    const right = ts.isBinaryExpression(e)
      ? this.lowerExpr(e.right, out, env)
      : ({ kind: "number", value: 1 } as const);
    return this.emitPrim(op, [before, right], out, e, hint);
  }

  /** x[i]: a parameter's element, or a local array's (logged when inside a loop). */
  private readElement(array: Atom, index: Atom, out: Stmt[], env: Env, node: ts.Expression, hint?: string): Atom {
    if (array.kind !== "var" || !this.writtenArrays.has(array.id) || this.loopDepth === 0)
      return this.emitPrim("index", [array, index], out, node, hint);
    const counter = env.get(this.readCounterKey) as Atom;
    const value = this.emitPrim("loggedIndex", [array, index, counter], out, node, hint);
    env.set(this.readCounterKey, this.emitPrim("+", [counter, { kind: "number", value: 1 }], out, node));
    return value;
  }

  private lowerExpressionStatement(expression: ts.Expression, out: Stmt[], env: Env): void {
    const e = skipOuterExpressions(expression);
    if (assignmentTarget(e)) return this.lowerAssignment(e, out, env);
    const expr = this.opaque(e, env);
    // A statement kept for its effect could change an array the function reads (xs.reverse()).
    const array = [...expr.renames.values()].find((a) => a.kind === "var" && this.vars[a.id]!.kind === "array");
    if (array)
      throw new AdjointError(
        "ADJ205",
        expression,
        "Differentiated code must not change its arrays through methods; copy the array first outside the function.",
      );
    out.push({ kind: "effect", expr, node: expression });
  }

  /** `y = e`, `y op= e`, `y++`: a new SSA version of y. */
  private lowerAssignment(e: ts.Expression, out: Stmt[], env: Env): void {
    const target = assignmentTarget(e)!;
    if (ts.isElementAccessExpression(target) && this.isLocalArray(target.expression))
      return this.lowerElementAssignment(e, target, out, env);
    if (!ts.isIdentifier(target)) {
      throw new AdjointError("ADJ205", target, "Differentiated code may only assign its own local variables.");
    }
    const symbol = this.symbolOf(target);
    const current = env.get(symbol);
    if (current === undefined) {
      throw new AdjointError(
        "ADJ205",
        target,
        `Declare \`${target.text}\` inside the function, or return the value instead.`,
      );
    }
    const value = this.assignedValue(
      e,
      out,
      env,
      () => {
        if (current === "uninitialized") throw new AdjointError("ADJ206", target);
        return current;
      },
      target.text,
    );
    env.set(symbol, value);
  }

  /**
   * while / do...while / for. The variables the body (or the for's update) reassigns are
   * carried: each gets one mutable IR variable, read by the condition and the body and
   * assigned its `next` at the end of an iteration.
   */
  private lowerLoop(
    s: LoopStatement,
    out: Stmt[],
    env: Env,
    returns = false,
  ): { returned: Atom; value: Atom } | undefined {
    const exit = findLoopExit(s.statement, true, false, returns);
    if (exit)
      throw new AdjointError(
        "ADJ201",
        exit,
        "Labelled break and continue are not supported; use a flag in the loop condition.",
      );
    if (ts.isForStatement(s) && s.initializer) {
      if (ts.isVariableDeclarationList(s.initializer)) this.lowerDeclarations(s.initializer, out, env);
      else this.lowerExpressionStatement(s.initializer, out, env);
    }
    const bodyStatements: ts.Statement[] = [...statementsOf(s.statement)];
    const incrementor = ts.isForStatement(s) ? s.incrementor : undefined;
    let update = incrementor && ((out: Stmt[], env: Env) => this.lowerExpressionStatement(incrementor, out, env));
    const carried: { symbol: ts.Symbol; var: VarId; init: Atom }[] = [];
    // for (const v of xs): a hidden index carried from 0, and v = xs[index] at the top of the body.
    const forOf = ts.isForOfStatement(s) ? this.forOfParts(s, out, env) : undefined;
    if (forOf) {
      const id = this.tempVar("number", "index");
      carried.push({ symbol: forOf.indexKey, var: id, init: { kind: "number", value: 0 } });
      env.set(forOf.indexKey, varAtom(id));
    }
    for (const symbol of this.assignedIn(incrementor ? [s.statement, incrementor] : [s.statement])) {
      const init = env.get(symbol);
      if (init === undefined) continue; // declared inside the body: an ordinary SSA value of the iteration
      if (init === "uninitialized")
        throw new AdjointError("ADJ206", s, `Give \`${symbol.name}\` a value before the loop.`);
      // The loop may assign it values of another kind than its first (let h: number | Tensor = 0):
      // its declared type covers them all.
      const id = this.tempVar(
        joinKinds(this.kindOfAtom(init), valueKind(this.checker.getTypeOfSymbol(symbol))),
        symbol.name,
      );
      carried.push({ symbol, var: id, init });
      env.set(symbol, varAtom(id));
    }
    // The read counter is carried through every loop that reads a local array.
    const overLocal = forOf?.array.kind === "var" && this.writtenArrays.has(forOf.array.id);
    if (overLocal || (this.localArraySymbols.size > 0 && this.readsLocalArray(s))) {
      const id = this.tempVar("number", "reads");
      carried.push({ symbol: this.readCounterKey, var: id, init: env.get(this.readCounterKey) as Atom });
      env.set(this.readCounterKey, varAtom(id));
    }
    const condExpr = ts.isForStatement(s) ? s.condition : ts.isForOfStatement(s) ? undefined : s.expression;
    if (!condExpr && !forOf)
      throw new AdjointError("ADJ202", s, "A loop needs a condition (an exit through break is not supported yet).");
    // A break clears a carried guard that the condition reads first.
    const breaks = findLoopExit(s.statement, false, true) !== undefined || returns;
    const guard = breaks ? this.tempVar("other", "running") : undefined;
    const cond: Opaque | IndexBound = forOf
      ? { index: (env.get(forOf.indexKey) as Atom & { kind: "var" }).id, array: forOf.array }
      : this.opaque(condExpr!, env);
    const loop: LoopBody = { ends: [], update };
    const body: Stmt[] = [];
    const bodyEnv = new Map(env);
    // The next index is computed once, first: every path (a break too, as nothing reads the
    // hidden index after the loop) carries the same value, so it stays a plain counter.
    const nextIndex =
      forOf && this.emitPrim("+", [env.get(forOf.indexKey) as Atom, { kind: "number", value: 1 }], body, forOf.element);
    this.loopDepth++;
    if (forOf)
      bodyEnv.set(
        this.symbolOf(forOf.element),
        this.readElement(
          forOf.array,
          env.get(forOf.indexKey) as Atom,
          body,
          bodyEnv,
          forOf.element,
          forOf.element.text,
        ),
      );
    const end = this.lowerList(bodyStatements, [], body, bodyEnv, {}, loop);
    this.loopDepth--;
    if (end?.kind !== "end" || loop.ends.length === 0)
      throw new AdjointError("ADJ202", s.statement, "A loop body that always throws is not supported.");
    // Where paths end in several places, the carried values meet in merge variables.
    const nextOf = (value: (e: LoopBody["ends"][number]) => Atom, kind: ValueKind, name: string): Atom => {
      const values = loop.ends.map(value);
      if (values.every((v) => sameBinding(v, values[0]!))) return values[0]!;
      const m = this.tempVar(kind, name);
      loop.ends.forEach((e) => e.out.push({ kind: "merge", target: m, value: value(e) }));
      (loop.outermostIf!.merges as VarId[]).push(m);
      return varAtom(m);
    };
    const next = carried.map((c) =>
      c.symbol === forOf?.indexKey
        ? nextIndex!
        : nextOf((e) => e.env.get(c.symbol) as Atom, this.vars[c.var]!.kind, c.symbol.name),
    );
    // A counter: from an integer, every path that goes on to another iteration adds the same
    // integer (a break may leave it as it is: no iteration follows). At iteration k it is
    // start + step · k, and the backward loop recomputes it instead of reading a tape.
    const counterStep = (c: (typeof carried)[number]): number | undefined => {
      // From an integer (the read counter always is one), start + step · k is exact.
      if (c.symbol !== this.readCounterKey && !this.isInteger(c.init)) return undefined;
      const steps = new Set<number>();
      for (const e of c.symbol === forOf?.indexKey
        ? [{ env: new Map([[c.symbol, nextIndex!]]), out: body, broke: false }]
        : loop.ends) {
        if (e.broke) continue;
        // Follow v = (c + 1) + 1 ... back to c, adding up the integer steps.
        let v = e.env.get(c.symbol) as Atom;
        let step = 0;
        while (!(v.kind === "var" && v.id === c.var)) {
          const def = v.kind === "var" ? findLet(e.out, v.id) : undefined;
          const [a, b] = def?.op.kind === "prim" && (def.op.prim === "+" || def.op.prim === "-") ? def.op.args : [];
          if (a?.kind !== "var" || b?.kind !== "number" || !Number.isInteger(b.value)) return undefined;
          step += def!.op.kind === "prim" && def!.op.prim === "-" ? -b.value : b.value;
          v = a;
        }
        steps.add(step);
      }
      return steps.size === 1 ? [...steps][0] : undefined;
    };
    const guardNext =
      guard === undefined ? undefined : nextOf((e) => ({ kind: "number", value: e.broke ? 0 : 1 }), "other", "running");
    // A return leaves a flag and its value in carried variables of their own.
    const returnedVar = returns ? this.tempVar("other", "returned") : undefined;
    const valueVar = returns ? this.tempVar(this.returnKind(), "returnValue") : undefined;
    const returnCarried: Carried[] = [];
    if (returnedVar !== undefined && valueVar !== undefined) {
      const returnedNext = nextOf((e) => ({ kind: "number", value: e.returned ? 1 : 0 }), "other", "returned");
      const valueNext = nextOf((e) => e.returned ?? varAtom(valueVar), this.vars[valueVar]!.kind, "returnValue");
      returnCarried.push(
        { var: returnedVar, init: { kind: "number", value: 0 }, next: returnedNext },
        { var: valueVar, init: { kind: "number", value: 0 }, next: valueNext },
      );
    }
    out.push({
      kind: "loop",
      cond,
      testAfter: ts.isDoStatement(s),
      carried: [
        ...carried.map((c, k): Carried => {
          const step = counterStep(c);
          // After the loop it holds a break's value too: an integer only if every break leaves one.
          if (step !== undefined && loop.ends.every((e) => !e.broke || this.isInteger(e.env.get(c.symbol) as Atom)))
            this.integers.add(c.var);
          return { var: c.var, init: c.init, next: next[k]!, ...(step === undefined ? {} : { counterStep: step }) };
        }),
        ...(guard === undefined ? [] : [{ var: guard, init: { kind: "number", value: 1 } as Atom, next: guardNext! }]),
        ...returnCarried,
      ],
      guard,
      body,
      node: s,
    });
    return returnedVar === undefined || valueVar === undefined
      ? undefined
      : { returned: varAtom(returnedVar), value: varAtom(valueVar) };
  }

  /** for (const v of xs): xs must be an array of numbers; v one declared variable. */
  private forOfParts(
    s: ts.ForOfStatement,
    out: Stmt[],
    env: Env,
  ): { indexKey: ts.Symbol; array: Atom; element: ts.Identifier } {
    const list = s.initializer;
    const decl =
      ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0]! : undefined;
    if (s.awaitModifier || !decl || !ts.isIdentifier(decl.name))
      throw new AdjointError("ADJ202", s.initializer, "Declare one loop variable: for (const v of xs).");
    if (!((list as ts.VariableDeclarationList).flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)))
      throw new AdjointError("ADJ209", list, "Use let or const.");
    if (this.kindOf(s.expression) !== "array" || !this.isNumber(decl.name)) {
      throw new AdjointError(
        "ADJ202",
        s.expression,
        "for...of is supported over number[], Float64Array and Float32Array; use an index loop for anything else.",
      );
    }
    const literal = skipOuterExpressions(s.expression);
    // An array written in place from the function's values ([x, y * 2]) is an array of its
    // own, created before the loop, whose elements carry their gradients.
    if (
      ts.isArrayLiteralExpression(literal) &&
      this.readsLocals(literal, env) &&
      !literal.elements.some(ts.isSpreadElement)
    ) {
      return {
        indexKey: {} as ts.Symbol,
        array: this.arrayOf(literal.elements, "values", out, env, literal),
        element: decl.name,
      };
    }
    let array = this.lowerExpr(s.expression, out, env);
    // An array written in place ([1, 2, 3]) is built once, not at every read.
    if (
      array.kind === "constant" &&
      !ts.isIdentifier(skipOuterExpressions(s.expression)) &&
      !ts.isPropertyAccessExpression(skipOuterExpressions(s.expression))
    ) {
      const id = this.tempVar("other", "values");
      out.push({
        kind: "let",
        target: id,
        op: { kind: "opaque", expr: this.opaque(s.expression, env), nonDifferentiable: true },
        node: s.expression,
      });
      array = varAtom(id);
    }
    // A key of its own in the environment, so the index is carried like a variable of the source.
    return { indexKey: {} as ts.Symbol, array, element: decl.name };
  }

  /** Whether a loop reads an element of a local array (its update and condition included). */
  private readsLocalArray(s: LoopStatement): boolean {
    let found = ts.isForOfStatement(s) && this.isLocalArray(s.expression);
    const visit = (n: ts.Node): void => {
      if (found || ts.isFunctionLike(n)) return;
      // A plain store (a[i] = v) reads nothing; a compound one (a[i] += v) does.
      const stored =
        ts.isBinaryExpression(n.parent) &&
        n.parent.left === n &&
        n.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
      if (ts.isElementAccessExpression(n) && this.isLocalArray(n.expression, true) && !stored) found = true;
      else if (ts.isForOfStatement(n) && this.isLocalArray(n.expression, true)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(s);
    return found;
  }

  /** Symbols a loop's statements assign (outside nested functions). */
  private assignedIn(nodes: readonly ts.Node[]): ts.Symbol[] {
    const found: ts.Symbol[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n)) return;
      const target = assignmentTarget(n);
      const symbol = target && ts.isIdentifier(target) ? this.checker.getSymbolAtLocation(target) : undefined;
      if (symbol && !found.includes(symbol)) found.push(symbol);
      ts.forEachChild(n, visit);
    };
    nodes.forEach(visit);
    return found;
  }

  /** An `if` with no return inside: both branches fall through, and the variables they change meet in merge variables. */
  private lowerIf(s: ts.IfStatement, out: Stmt[], env: Env, target: ReturnTarget): Completion {
    const cond = this.opaque(s.expression, env);
    const thenEnv: Env = new Map(env);
    const elseEnv: Env = new Map(env);
    const thenOut: Stmt[] = [];
    const elseOut: Stmt[] = [];
    const thenEnd = this.lowerList(statementsOf(s.thenStatement), [], thenOut, thenEnv, target);
    const elseEnd = s.elseStatement
      ? this.lowerList(statementsOf(s.elseStatement), [], elseOut, elseEnv, target)
      : undefined;
    const merges: VarId[] = [];
    if (thenEnd?.kind === "throw" && elseEnd?.kind === "throw") {
      out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
      return { kind: "throw" };
    }
    for (const [symbol, before] of env) {
      const a = thenEnd?.kind === "throw" ? elseEnv.get(symbol)! : thenEnv.get(symbol)!;
      const b = elseEnd?.kind === "throw" ? thenEnv.get(symbol)! : elseEnv.get(symbol)!;
      if (sameBinding(a, b)) {
        if (!sameBinding(a, before)) env.set(symbol, a);
        continue;
      }
      if (a === "uninitialized" || b === "uninitialized") {
        env.set(symbol, "uninitialized");
        continue;
      }
      const m = this.tempVar(joinKinds(this.kindOfAtom(a), this.kindOfAtom(b)), symbol.name);
      merges.push(m);
      if (thenEnd?.kind !== "throw") thenOut.push({ kind: "merge", target: m, value: a });
      if (elseEnd?.kind !== "throw") elseOut.push({ kind: "merge", target: m, value: b });
      env.set(symbol, varAtom(m));
    }
    out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
    return undefined;
  }

  /** An `if` containing a return: the rest of the function runs inside each branch, and the results meet in one variable. */
  private lowerReturningIf(
    s: ts.IfStatement,
    rest: Continuation,
    out: Stmt[],
    env: Env,
    target: ReturnTarget,
  ): Completion {
    const cond = this.opaque(s.expression, env);
    const owner = target.id === undefined;
    if (owner) target.id = this.tempVar(this.returnKind(), "result");
    const result = target.id!;
    const branch = (stmt: ts.Statement | undefined): { out: Stmt[]; end: Completion } => {
      const branchOut: Stmt[] = [];
      const end = this.lowerList(stmt ? statementsOf(stmt) : [], rest, branchOut, new Map(env), target);
      if (end === undefined)
        throw new AdjointError("ADJ207", stmt ?? s, "Add a return statement at the end of the function.");
      if (end.kind === "return" && !(end.value.kind === "var" && end.value.id === result)) {
        branchOut.push({ kind: "merge", target: result, value: end.value });
      }
      return { out: branchOut, end };
    };
    const thenBranch = branch(s.thenStatement);
    const elseBranch = branch(s.elseStatement);
    out.push({ kind: "if", cond, then: thenBranch.out, else: elseBranch.out, merges: owner ? [result] : [] });
    if (thenBranch.end?.kind === "throw" && elseBranch.end?.kind === "throw") return { kind: "throw" };
    return { kind: "return", value: varAtom(result) };
  }

  private kindOfAtom(atom: Atom): ValueKind {
    if (atom.kind === "number") return "number";
    if (atom.kind === "var") return this.vars[atom.id]!.kind;
    return valueKind(this.checker.getTypeAtLocation(atom.node));
  }

  private returnKind(): ValueKind {
    const signature = this.checker.getSignatureFromDeclaration(this.fn);
    return signature ? valueKind(this.checker.getReturnTypeOfSignature(signature)) : "other";
  }

  // ---- expressions ----

  private lowerExpr(expr: ts.Expression, out: Stmt[], env: Env, hint?: string): Atom {
    const e = skipOuterExpressions(expr);
    if (ts.isNumericLiteral(e)) return { kind: "number", value: Number(e.text) };
    if (
      ts.isPrefixUnaryExpression(e) &&
      e.operator === ts.SyntaxKind.MinusToken &&
      ts.isNumericLiteral(skipOuterExpressions(e.operand))
    ) {
      return { kind: "number", value: -Number((skipOuterExpressions(e.operand) as ts.NumericLiteral).text) };
    }
    if (ts.isIdentifier(e)) return this.lowerIdentifier(e, env);
    // A tensor's shape, size or dtype: integers and strings, which carry no gradient.
    if (this.isTensorMetadata(e)) {
      const metadata = this.lowerOpaque(e, out, env, true, hint);
      if (metadata.kind === "var" && this.isNumber(e)) this.integers.add(metadata.id);
      return metadata;
    }
    if (ts.isBinaryExpression(e)) {
      const kind = e.operatorToken.kind;
      if (assignmentTarget(e)) throw new AdjointError("ADJ201", e, "Write the assignment as a statement of its own.");
      const op = ARITHMETIC[kind];
      if (op && this.isNumber(e.left) && this.isNumber(e.right)) {
        const left = this.lowerExpr(e.left, out, env);
        const right = this.lowerExpr(e.right, out, env);
        return this.emitPrim(op, [left, right], out, e, hint);
      }
      return this.lowerOpaque(e, out, env, NON_DIFFERENTIABLE_OPERATORS.has(kind), hint);
    }
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) {
        throw new AdjointError("ADJ213", e);
      }
      if (e.operator === ts.SyntaxKind.MinusToken && this.isNumber(e.operand)) {
        return this.emitPrim("unary -", [this.lowerExpr(e.operand, out, env)], out, e, hint);
      }
      if (e.operator === ts.SyntaxKind.PlusToken && this.isNumber(e.operand))
        return this.lowerExpr(e.operand, out, env, hint);
      return this.lowerOpaque(e, out, env, true, hint);
    }
    if (ts.isPostfixUnaryExpression(e)) throw new AdjointError("ADJ213", e);
    if (ts.isConditionalExpression(e)) return this.lowerConditional(e, out, env, hint);
    if (ts.isCallExpression(e)) return this.lowerCall(e, out, env, hint);
    // x[i] of a number array: a primitive whose adjoint adds into one element of dx.
    if (ts.isElementAccessExpression(e) && this.kindOf(e.expression) === "array" && this.isNumber(e)) {
      const array = this.lowerExpr(e.expression, out, env);
      const index = this.lowerExpr(e.argumentExpression, out, env);
      return this.readElement(array, index, out, env, e, hint);
    }
    // x.length of an array carries no gradient.
    if (ts.isPropertyAccessExpression(e) && e.name.text === "length" && this.kindOf(e.expression) === "array") {
      const length = this.lowerOpaque(e, out, env, true, hint);
      if (length.kind === "var") this.integers.add(length.id);
      return length;
    }
    return this.lowerOpaque(e, out, env, this.isBoolean(e), hint);
  }

  /**
   * The variables an expression kept as written reads in a way that could carry a gradient:
   * not through a tensor's shape, size or dtype, nor inside stopGradient().
   */
  private gradientReads(node: ts.Node, env: Env): VarId[] {
    if (ts.isExpression(node) && this.isTensorMetadata(skipOuterExpressions(node))) return [];
    if (ts.isCallExpression(node) && markerKind(node, this.checker) === "stopGradient") return [];
    if (ts.isIdentifier(node) && !isPropertyName(node)) {
      const symbol = this.referencedSymbol(node);
      const binding = symbol && env.get(symbol);
      return binding && binding !== "uninitialized" && binding.kind === "var" ? [binding.id] : [];
    }
    const reads: VarId[] = [];
    ts.forEachChild(node, (child) => void reads.push(...this.gradientReads(child, env)));
    return reads;
  }

  /** The variable an identifier reads (the value of a shorthand property { x }, not the property). */
  private referencedSymbol(n: ts.Identifier): ts.Symbol | undefined {
    return ts.isShorthandPropertyAssignment(n.parent)
      ? this.checker.getShorthandAssignmentValueSymbol(n.parent)
      : this.checker.getSymbolAtLocation(n);
  }

  /** x.shape, x.size, x.dtype, x.ndim of a Tensor, and x.shape[i], x.shape.length. */
  private isTensorMetadata(e: ts.Expression): boolean {
    if (ts.isPropertyAccessExpression(e)) {
      if (TENSOR_METADATA.has(e.name.text) && isTensorType(this.checker.getTypeAtLocation(e.expression))) return true;
      return e.name.text === "length" && this.isTensorMetadata(skipOuterExpressions(e.expression));
    }
    return ts.isElementAccessExpression(e) && this.isTensorMetadata(skipOuterExpressions(e.expression));
  }

  private lowerIdentifier(e: ts.Identifier, env: Env): Atom {
    const symbol = this.checker.getSymbolAtLocation(e);
    if (
      symbol &&
      this.localArraySymbols.has(symbol) &&
      !(ts.isElementAccessExpression(e.parent) && e.parent.expression === e) &&
      !(ts.isForOfStatement(e.parent) && e.parent.expression === e)
    ) {
      throw new AdjointError(
        "ADJ203",
        e,
        `Use \`${e.text}\` only as ${e.text}[i], ${e.text}.length or in for...of: under another name or passed on, its writes could not be followed.`,
      );
    }
    const binding = symbol && env.get(symbol);
    if (binding === "uninitialized")
      throw new AdjointError("ADJ206", e, `\`${e.text}\` may be read before it is assigned.`);
    if (binding) return binding;
    if (symbol && this.isDeclaredInside(symbol)) {
      throw new AdjointError(
        "ADJ210",
        e,
        `\`${e.text}\` is declared inside the differentiated function in a form the transformer does not track.`,
      );
    }
    return { kind: "constant", node: e };
  }

  private lowerConditional(e: ts.ConditionalExpression, out: Stmt[], env: Env, hint?: string): Atom {
    const cond = this.opaque(e.condition, env);
    const thenOut: Stmt[] = [];
    const elseOut: Stmt[] = [];
    // Each side in an environment of its own: logged reads of local arrays advance the read counter.
    const [thenEnv, elseEnv] = [new Map(env), new Map(env)];
    const a = this.lowerExpr(e.whenTrue, thenOut, thenEnv);
    const b = this.lowerExpr(e.whenFalse, elseOut, elseEnv);
    const m = this.tempVar(joinKinds(this.kindOfAtom(a), this.kindOfAtom(b)), hint);
    thenOut.push({ kind: "merge", target: m, value: a });
    elseOut.push({ kind: "merge", target: m, value: b });
    const merges = [m];
    const [countThen, countElse] = [thenEnv.get(this.readCounterKey) as Atom, elseEnv.get(this.readCounterKey) as Atom];
    if (!sameBinding(countThen, countElse)) {
      const count = this.tempVar("number", "reads");
      thenOut.push({ kind: "merge", target: count, value: countThen });
      elseOut.push({ kind: "merge", target: count, value: countElse });
      merges.push(count);
      env.set(this.readCounterKey, varAtom(count));
    }
    out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
    return varAtom(m);
  }

  private lowerCall(e: ts.CallExpression, out: Stmt[], env: Env, hint?: string): Atom {
    if (e.arguments.some(ts.isSpreadElement))
      throw new AdjointError("ADJ203", e, "Pass the arguments one by one instead of spreading them.");
    const local = e.arguments.find((a) => this.isLocalArray(a));
    if (local)
      throw new AdjointError(
        "ADJ203",
        local,
        "An array the function writes cannot be passed on; pass its elements, or create it in the function that reads it.",
      );
    const marker = markerKind(e, this.checker);
    if (marker === "stopGradient" || marker === "reverseGradient") {
      const args = e.arguments.map((a) => this.lowerExpr(a, out, env));
      return this.emitPrim(marker, args, out, e, hint);
    }
    if (marker === "gradHook") {
      const [x, hook] = e.arguments;
      if (!x || !hook) throw new AdjointError("ADJ203", e, "gradHook takes a value and a hook function.");
      const value = this.lowerExpr(x, out, env);
      const hookVar = this.tempVar("other", "hook");
      out.push({
        kind: "let",
        target: hookVar,
        op: { kind: "opaque", expr: this.opaque(hook, env), nonDifferentiable: true },
        node: hook,
      });
      return this.emitPrim("gradHook", [value, varAtom(hookVar)], out, e, hint);
    }
    // The function customGradient makes is a value; calling it is the primitive.
    if (marker === "customGradient") return this.lowerOpaque(e, out, env, true, hint ?? "custom");
    if (isCustomGradient(e.expression, this.checker)) {
      const fn = this.lowerExpr(e.expression, out, env);
      const args = e.arguments.map((a) => this.lowerExpr(a, out, env));
      return this.emitPrim("customGradient", [fn, ...args], out, e, hint);
    }
    if (marker)
      throw new AdjointError(
        "ADJ203",
        e,
        `${marker}() inside differentiated code (higher-order differentiation) is not supported yet.`,
      );

    // Creation functions (zeros, onesLike(x), ones(x.shape), full, tensor, ...) read their
    // shape and dtype arguments for no value: constants, unless the values they hold come
    // from the function's variables (full(shape, s), tensor([a, b])), which is refused if
    // a gradient would have to flow through them.
    const valueArgs = constantArguments(e, this.checker);
    if (valueArgs) {
      const valueReads = valueArgs.flatMap((i) => (e.arguments[i] ? this.gradientReads(e.arguments[i]!, env) : []));
      return this.lowerOpaque(e, out, env, valueReads.length === 0, hint, valueReads);
    }

    const primitive = primitiveName(e, this.checker);
    if (primitive !== undefined) {
      const rule = RULES[primitive];
      if (!rule) return this.lowerOpaque(e, out, env, false, hint);
      const args = e.arguments.map((a) => this.lowerExpr(a, out, env));
      return this.emitPrim(primitive, args, out, e, hint);
    }

    const mathName = this.mathFunction(e.expression);
    if (mathName && RULES[mathName]) {
      const rule = RULES[mathName]!;
      if (rule.arity !== "variadic" && rule.arity !== e.arguments.length) {
        throw new AdjointError("ADJ203", e, `${mathName} takes ${rule.arity} argument(s).`);
      }
      if (!e.arguments.every((a) => this.isNumber(a))) return this.lowerOpaque(e, out, env, false, hint);
      const args = e.arguments.map((a) => this.lowerExpr(a, out, env));
      return this.emitPrim(mathName, args, out, e, hint);
    }
    const callee = mathName ? undefined : resolveFunction(e.expression, this.checker);
    if (callee && callee !== this.fn && isDescendant(callee, this.fn)) {
      throw new AdjointError("ADJ210", e, "Move the called function outside the differentiated function.");
    }
    if (callee) {
      if (e.arguments.length > callee.parameters.length) {
        throw new AdjointError(
          "ADJ203",
          e,
          `The function takes ${callee.parameters.length} argument(s); pass no more.`,
        );
      }
      const args = e.arguments.map((a) => this.lowerExpr(a, out, env));
      const id = this.tempVar(this.kindOf(e), hint);
      out.push({ kind: "let", target: id, op: { kind: "call", callee, calleeRef: e.expression, args }, node: e });
      return varAtom(id);
    }
    return this.lowerOpaque(e, out, env, false, hint);
  }

  /** `Math.sin` and friends, recognised by resolving `Math` to the standard library's global. */
  private mathFunction(callee: ts.Expression): string | undefined {
    if (
      !ts.isPropertyAccessExpression(callee) ||
      !ts.isIdentifier(callee.expression) ||
      callee.expression.text !== "Math"
    )
      return undefined;
    const symbol = this.checker.getSymbolAtLocation(callee.expression);
    const fromLib = symbol?.declarations?.every(
      (d) => d.getSourceFile().hasNoDefaultLib || /lib\.[\w.]*\.d\.ts$/.test(d.getSourceFile().fileName),
    );
    return fromLib ? `Math.${callee.name.text}` : undefined;
  }

  private emitPrim(prim: string, args: Atom[], out: Stmt[], node: ts.Node, hint?: string): Atom {
    // The same primitive of the same operands earlier in the block is the same value: reuse
    // it, so that x[i] read three times in a loop body is one read with one adjoint.
    // Reads of arrays the function writes are never reused: a store may come between.
    const writable = prim === "index" && args[0]?.kind === "var" && this.writtenArrays.has(args[0].id);
    const key = MARKERS_WITH_EFFECTS.has(prim) || writable ? undefined : valueKey(prim, args);
    let seen = this.computed.get(out);
    if (!seen) this.computed.set(out, (seen = new Map()));
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier !== undefined) return varAtom(earlier);
    const id = this.tempVar(this.kindOf(node), hint);
    out.push({ kind: "let", target: id, op: { kind: "prim", prim, args }, node });
    if (key !== undefined) seen.set(key, id);
    if ((prim === "+" || prim === "-" || prim === "*") && args.every((a) => this.isInteger(a))) this.integers.add(id);
    return varAtom(id);
  }

  /** A value kept as written. Its result carries no gradient when `nonDifferentiable`; otherwise a gradient that must flow through it is refused. */
  private lowerOpaque(
    e: ts.Expression,
    out: Stmt[],
    env: Env,
    nonDifferentiable: boolean,
    hint?: string,
    valueReads?: readonly VarId[],
  ): Atom {
    const expr = this.opaque(e, env);
    if (expr.renames.size === 0 && !containsCall(e)) return { kind: "constant", node: e };
    const id = this.tempVar(this.kindOf(e), hint);
    out.push({
      kind: "let",
      target: id,
      op: { kind: "opaque", expr, nonDifferentiable, ...(valueReads ? { valueReads } : {}) },
      node: e,
    });
    return varAtom(id);
  }

  /** Captures which SSA version each local read by `node` refers to, and refuses what SSA cannot express. */
  private opaque(node: ts.Expression, env: Env): Opaque {
    const renames = new Map<ts.Symbol, Atom>();
    const visit = (n: ts.Node, inClosure: boolean): void => {
      const target = assignmentTarget(n);
      if (target) {
        const symbol = ts.isIdentifier(target) ? this.checker.getSymbolAtLocation(target) : undefined;
        if (symbol && this.isDeclaredInside(symbol) && !this.isDeclaredInside(symbol, node)) {
          throw new AdjointError("ADJ201", n, "Assign local variables in statements of their own.");
        }
      }
      if (ts.isIdentifier(n) && !isPropertyName(n)) {
        const symbol = this.referencedSymbol(n);
        const binding = symbol && env.get(symbol);
        if (binding === "uninitialized") throw new AdjointError("ADJ206", n);
        // An expression kept as written would read the array when it runs again in the
        // backward sweep, after later writes: only its length is allowed (stores stay within
        // it: a store at a.length is refused and an empty literal is not a tracked array).
        if (
          symbol &&
          this.localArraySymbols.has(symbol) &&
          !(ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && n.parent.name.text === "length")
        ) {
          throw new AdjointError(
            "ADJ203",
            n,
            `Read elements of \`${n.text}\` into a const first (const v = ${n.text}[i]) and use that here.`,
          );
        }
        if (symbol && binding) {
          if (inClosure && this.reassigned.has(symbol)) {
            throw new AdjointError(
              "ADJ208",
              n,
              `Copy \`${n.text}\` into a const before the closure and read that instead.`,
            );
          }
          renames.set(symbol, binding);
        } else if (symbol && this.isDeclaredInside(symbol) && !this.isDeclaredInside(symbol, node)) {
          throw new AdjointError(
            "ADJ210",
            n,
            `\`${n.text}\` is declared inside the differentiated function in a form the transformer does not track.`,
          );
        }
      }
      ts.forEachChild(n, (child) => visit(child, inClosure || ts.isFunctionLike(n)));
    };
    visit(node, false);
    return { node, renames };
  }

  private isInteger(a: Atom): boolean {
    return a.kind === "number" ? Number.isInteger(a.value) : a.kind === "var" && this.integers.has(a.id);
  }

  /** Whether `e` names an array the function tracks (with `written`, one it also stores into). */
  private isLocalArray(e: ts.Expression, written = false): boolean {
    const inner = skipOuterExpressions(e);
    const symbol = ts.isIdentifier(inner) ? this.checker.getSymbolAtLocation(inner) : undefined;
    return symbol !== undefined && this.localArraySymbols.has(symbol) && (!written || this.elementWritten.has(symbol));
  }

  private kindOf(node: ts.Node): ValueKind {
    return valueKind(this.checker.getTypeAtLocation(node));
  }

  private isNumber(e: ts.Expression): boolean {
    return isNumberType(this.checker.getTypeAtLocation(e));
  }

  private isBoolean(e: ts.Expression): boolean {
    return (this.checker.getTypeAtLocation(e).flags & ts.TypeFlags.BooleanLike) !== 0;
  }
}

// ---- syntax helpers ----

/** The variable or property an assignment, compound assignment, ++ or -- writes; undefined for other nodes. */
function assignmentTarget(node: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(node)) {
    const kind = node.operatorToken.kind;
    if (kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment)
      return skipOuterExpressions(node.left);
  }
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
  ) {
    return skipOuterExpressions(node.operand);
  }
  return undefined;
}

function isDescendant(node: ts.Node, ancestor: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

function statementsOf(s: ts.Statement): readonly ts.Statement[] {
  return ts.isBlock(s) ? s.statements : [s];
}

/**
 * The first statement in a loop body that leaves or skips part of it, nested functions and
 * nested loops' own exits aside: with `refused`, only what is not supported (labelled break
 * or continue, and return unless `returnsAllowed`); otherwise break and continue, or only
 * break with `onlyBreak`.
 */
function findLoopExit(body: ts.Node, refused: boolean, onlyBreak = false, returnsAllowed = false): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node, inNestedLoop: boolean): void => {
    if (found || ts.isFunctionLike(n)) return;
    const exit = ts.isBreakStatement(n) || (!onlyBreak && ts.isContinueStatement(n));
    const hit = refused
      ? (ts.isReturnStatement(n) && !returnsAllowed) ||
        ((ts.isBreakStatement(n) || ts.isContinueStatement(n)) && n.label !== undefined)
      : exit && !inNestedLoop && !(n as ts.BreakStatement).label;
    if (hit) {
      found = n;
      return;
    }
    const nested = inNestedLoop || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n);
    ts.forEachChild(n, (c) => visit(c, nested));
  };
  visit(body, false);
  return found;
}

type LoopStatement = ts.WhileStatement | ts.DoStatement | ts.ForStatement | ts.ForOfStatement;

function isLoopStatement(s: ts.Statement): s is LoopStatement {
  return ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForStatement(s) || ts.isForOfStatement(s);
}

/** Whether a return occurs in a loop body (nested functions aside). */
function findReturnInLoop(body: ts.Node): boolean {
  return containsReturn(body) || ts.isReturnStatement(body);
}

/** Whether a return statement occurs inside `node`, not counting nested functions. */
function containsReturn(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

/**
 * Markers whose second use is not the first one again: a hook or a user's backward sees
 * each use's gradient separately, so two calls are never merged.
 */
const MARKERS_WITH_EFFECTS = new Set(["gradHook", "customGradient"]);

/** A key equal for two applications of a primitive to the same operands; undefined if an operand is an outer expression. */
function valueKey(prim: string, args: readonly Atom[]): string | undefined {
  const parts = [prim];
  for (const a of args) {
    if (a.kind === "var") parts.push(`v${a.id}`);
    else if (a.kind === "number") parts.push(Object.is(a.value, -0) ? "n-0" : `n${a.value}`);
    else return undefined;
  }
  return parts.join(" ");
}

/** The let defining a variable, in a block or the blocks nested in it. */
function findLet(block: readonly Stmt[], id: VarId): (Stmt & { kind: "let" }) | undefined {
  for (const s of block) {
    if (s.kind === "let" && s.target === id) return s;
    const inner = s.kind === "if" ? (findLet(s.then, id) ?? findLet(s.else, id)) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

type ArrayCreation =
  { kind: "literal"; elements: readonly ts.Expression[] } | { kind: "allocation"; fill?: ts.Expression };

/**
 * [a, b, c] (not empty: a number[] must not grow), new Float64Array(n), new Float32Array(n),
 * new Array(n).fill(c), Array(n).fill(c), with n a number (not an array to copy).
 */
function arrayCreation(init: ts.Expression, checker: ts.TypeChecker): ArrayCreation | undefined {
  const e = skipOuterExpressions(init);
  if (ts.isArrayLiteralExpression(e))
    return e.elements.length === 0 || e.elements.some(ts.isSpreadElement)
      ? undefined
      : { kind: "literal", elements: e.elements };
  const isConstructor = (x: ts.Expression, names: readonly string[]): boolean =>
    (ts.isNewExpression(x) || ts.isCallExpression(x)) &&
    ts.isIdentifier(x.expression) &&
    names.includes(x.expression.text) &&
    x.arguments?.length === 1 &&
    isNumberType(checker.getTypeAtLocation(x.arguments[0]!));
  if (ts.isNewExpression(e) && isConstructor(e, ["Float64Array", "Float32Array"])) return { kind: "allocation" };
  if (
    ts.isCallExpression(e) &&
    ts.isPropertyAccessExpression(e.expression) &&
    e.expression.name.text === "fill" &&
    e.arguments.length === 1
  ) {
    if (isConstructor(skipOuterExpressions(e.expression.expression), ["Array"]))
      return { kind: "allocation", fill: e.arguments[0] };
  }
  return undefined;
}

function sameBinding(a: Binding, b: Binding): boolean {
  if (a === b) return true;
  if (a === "uninitialized" || b === "uninitialized") return false;
  if (a.kind === "var" && b.kind === "var") return a.id === b.id;
  if (a.kind === "number" && b.kind === "number") return Object.is(a.value, b.value);
  return a.kind === "constant" && b.kind === "constant" && a.node === b.node;
}
