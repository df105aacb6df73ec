// The state of lowering one function: the variables given out so far, what the function
// does to its locals and arrays, and the questions about types every part of lowering asks.
// The environment (which IR value each source variable holds) is not here: it is passed
// along, copied at each branch.
import ts from "typescript";
import { CommonSubexpressions } from "../analysis/cse";
import { AdjointError } from "../diagnostics";
import type { Atom, ElementView, Projection, Stmt, ValueKind, Var, VarId } from "../ir";
import { Namer } from "../naming";
import { isPropertyName, skipOuterExpressions, type FunctionNode } from "../sites";
import { isNumberType, valueKind } from "./kinds";
import { projectionName } from "./structures";
import { assignmentTarget, isDescendant } from "./syntax";

export type Binding = Atom | "uninitialized";
export type Env = Map<ts.Symbol, Binding>;
/** How a statement list ends: with a return value, by throwing, or by falling through (undefined). */
export type Completion = { kind: "return"; value: Atom } | { kind: "throw" } | { kind: "end" } | undefined;

/**
 * A loop body being lowered: every path of an iteration ends at a `continue`, a `break` or
 * the end of the body, each with its own values of the carried variables, which meet in
 * merge variables (the way returns meet in one result).
 */
export interface LoopBody {
  /** `returned`: the value of a return that ended the path (and the loop, and the function). */
  readonly ends: { env: Env; out: Stmt[]; broke: boolean; returned?: Atom }[];
  /** The for loop's update (or for...of's next index), run at the end of every path but a break. */
  readonly update?: (out: Stmt[], env: Env) => void;
  /** The first if in the body that ends paths: the merges are declared before it. */
  outermostIf?: Stmt & { kind: "if" };
}
/** Statement lists that run after the current one (the rest of each enclosing block), innermost first. */
export type Continuation = readonly (readonly ts.Statement[])[];
/** The merge variable shared by every return of the function, created at the first early return. */
export interface ReturnTarget {
  id?: VarId;
}

export class LoweringContext {
  readonly vars: Var[] = [];
  /** Temporaries of A-normal form, which the emitter may inline back. */
  readonly temps = new Set<VarId>();
  readonly namer: Namer;
  /** Locals assigned after their declaration: closures may not read them (their value depends on when the closure runs). */
  readonly reassigned = new Set<ts.Symbol>();
  /** Locals whose elements the function assigns (a[i] = v). */
  readonly elementWritten = new Set<ts.Symbol>();
  /** Arrays the function creates and writes: their symbols, and their variables. */
  readonly localArraySymbols = new Set<ts.Symbol>();
  readonly localArrays = new Set<VarId>();
  /** Local arrays the function stores into: only their reads inside loops need logging. */
  readonly writtenArrays = new Set<VarId>();
  /** Locals the function grows with push (ys.push(v)), and the environment key of each one's current length. */
  readonly pushed = new Set<ts.Symbol>();
  readonly lengthKeys = new Map<ts.Symbol, ts.Symbol>();
  /** Local arrays of tensors (filled by push or written as [a, b]): their gradients hold tensors (or 0). */
  readonly tensorArrays = new Set<VarId>();
  /** Objects a helper returns, and the fields of helpers' structure results (ir.ts). */
  readonly returnedObjects = new Set<VarId>();
  readonly callResults = new Map<VarId, Map<string, VarId>>();
  /** The call results among them that are tuples (const [h, c] = cell(...)): their seed is an array. */
  readonly tupleResults = new Set<VarId>();
  /** Whether a `return [value, aux]` is lowered as a pair (valueAndGrad with hasAux), and the pairs it made. */
  pairResult = false;
  readonly pairs = new Set<VarId>();
  /** Structure parameters and the projections that are structures themselves (lower/structures.ts). */
  readonly structures = new Set<VarId>();
  /** Structures passed to a called function whose fields the type cannot all list (lower/structures.ts projectAllFields). */
  readonly incompleteStructures = new Set<VarId>();
  /** Arrays of tensors or structures whose elements carry gradients, and the structures read out of them (ir.ts). */
  readonly collections = new Set<VarId>();
  readonly views = new Map<VarId, ElementView>();
  /** Views that are arrays of layers themselves (p.grid[i] of a Layer[][]): indexed again. */
  readonly collectionViews = new Set<VarId>();
  /** The key atoms of readAt primitives, one string literal per key, so that equal reads are one (analysis/cse.ts). */
  private readonly keyLiterals = new Map<string, ts.StringLiteral>();
  /** The fields of structure parameters read so far, each once, parents first. */
  readonly projections: Projection[] = [];
  private readonly projected = new Map<VarId, Map<string | number, VarId>>();
  /** Variables known to hold integers: array lengths, and sums, differences and products of integers. */
  readonly integers = new Set<VarId>();
  readonly commonSubexpressions = new CommonSubexpressions(this.writtenArrays);
  /** How many loops enclose the statement being lowered. */
  loopDepth = 0;
  /**
   * The environment key of a hidden counter of element reads of local arrays inside loops:
   * each such read is logged at its index, so that the backward sweep, which recomputes an
   * iteration after later writes, reads the value the iteration read.
   */
  readonly readCounterKey = {} as ts.Symbol;

  constructor(
    readonly fn: FunctionNode,
    readonly checker: ts.TypeChecker,
    reserved: ReadonlySet<string>,
  ) {
    this.namer = new Namer(reserved);
    this.returnsOf = fn;
    this.scanBody();
  }

  /** Reserves the names of outer variables the function reads, and finds reassigned locals. */
  private scanBody(): void {
    const visit = (node: ts.Node): void => {
      // A property's name (p.w) shadows nothing: it is free for a local.
      if (ts.isIdentifier(node) && !isPropertyName(node)) {
        const symbol = this.symbolAt(node);
        if (symbol && !this.isDeclaredInside(symbol)) this.namer.reserve(node.text);
      }
      const target = assignmentTarget(node);
      if (target && ts.isIdentifier(target)) {
        const symbol = this.symbolAt(target);
        if (symbol) this.reassigned.add(symbol);
      }
      if (target && ts.isElementAccessExpression(target) && ts.isIdentifier(skipOuterExpressions(target.expression))) {
        const symbol = this.symbolAt(skipOuterExpressions(target.expression));
        if (symbol) this.elementWritten.add(symbol);
      }
      const grown = pushTarget(node);
      if (grown) {
        const symbol = this.symbolAt(grown);
        if (symbol) this.pushed.add(symbol);
      }
      ts.forEachChild(node, visit);
    };
    if (this.fn.body) visit(this.fn.body);
  }

  /** The length keys of the grown arrays `nodes` push into (callbacks inside them included): a loop over them carries each. */
  grownIn(nodes: readonly ts.Node[]): ts.Symbol[] {
    const found = new Set<ts.Symbol>();
    const visit = (n: ts.Node): void => {
      const target = pushTarget(n);
      const key = target && this.lengthKeys.get(this.symbolAt(target)!);
      if (key) found.add(key);
      ts.forEachChild(n, visit);
    };
    nodes.forEach(visit);
    return [...found];
  }

  newVar(name: string, kind: ValueKind, isParam = false): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name: isParam ? (this.namer.reserve(name), name) : this.namer.claim(name), kind });
    return id;
  }

  /** The projection of field `key` of `parent` (a structure parameter or view), created on first use (named `hint`: the variable a declaration binds it to). */
  project(
    parent: VarId,
    key: string | number,
    describe: () => { kind: ValueKind; structure: boolean; collection?: boolean },
    hint?: string,
  ): VarId {
    let fields = this.projected.get(parent);
    if (!fields) this.projected.set(parent, (fields = new Map()));
    const known = fields.get(key);
    if (known !== undefined) return known;
    const up = this.projections.find((p) => p.id === parent);
    const { kind, structure, collection } = describe();
    const id = this.newVar(hint ?? projectionName(this.vars[parent]!.name, key, up === undefined), kind);
    fields.set(key, id);
    if (structure) this.structures.add(id);
    if (collection) this.collections.add(id);
    this.projections.push({ id, parent, key, root: up?.root ?? parent, path: [...(up?.path ?? []), key] });
    return id;
  }

  /** A key of a readAt primitive as an atom: a number, or a string literal made once per key. */
  keyAtom(key: string | number): Atom {
    if (typeof key === "number") return { kind: "number", value: key };
    let literal = this.keyLiterals.get(key);
    if (!literal) this.keyLiterals.set(key, (literal = ts.factory.createStringLiteral(key)));
    return { kind: "constant", node: literal };
  }

  tempVar(kind: ValueKind, hint?: string): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name: hint ? this.namer.claim(hint) : this.namer.temp(), kind });
    if (!hint) this.temps.add(id);
    return id;
  }

  symbolOf(node: ts.Node): ts.Symbol {
    const symbol = this.symbolAt(node);
    if (!symbol)
      throw new AdjointError(
        "ADJ203",
        node,
        "The compiler could not resolve this name: import it or declare it before the function.",
      );
    return symbol;
  }

  /** The variable an identifier reads (the value of a shorthand property { x }, not the property). */
  referencedSymbol(n: ts.Identifier): ts.Symbol | undefined {
    return ts.isShorthandPropertyAssignment(n.parent)
      ? this.checker.getShorthandAssignmentValueSymbol(n.parent)
      : this.symbolAt(n);
  }

  isDeclaredInside(symbol: ts.Symbol, container: ts.Node = this.fn): boolean {
    return (symbol.declarations ?? []).some((d) => isDescendant(d, container));
  }

  /** Whether `e` names an array the function tracks (with `written`, one it also stores into). */
  isLocalArray(e: ts.Expression, written = false): boolean {
    const inner = skipOuterExpressions(e);
    const symbol = ts.isIdentifier(inner) ? this.symbolAt(inner) : undefined;
    return symbol !== undefined && this.localArraySymbols.has(symbol) && (!written || this.elementWritten.has(symbol));
  }

  isInteger(a: Atom): boolean {
    return a.kind === "number" ? Number.isInteger(a.value) : a.kind === "var" && this.integers.has(a.id);
  }

  kindOf(node: ts.Node): ValueKind {
    return valueKind(this.typeAt(node));
  }

  kindOfAtom(atom: Atom): ValueKind {
    if (atom.kind === "number") return "number";
    if (atom.kind === "var") return this.vars[atom.id]!.kind;
    return valueKind(this.typeAt(atom.node));
  }

  /**
   * The checker's type of a node, asked once: the lowering asks for the same nodes again and
   * again (an operand, then its operator), and the checker works each one out anew, flow
   * analysis included.
   */
  private typeAt(node: ts.Node): ts.Type {
    let type = this.types.get(node);
    if (!type) this.types.set(node, (type = this.derivedType(node) ?? this.checker.getTypeAtLocation(node)));
    return type;
  }

  /**
   * The type the checker gives, where it follows from the operands' types already asked for:
   * asking for an arithmetic expression makes the checker check its operands again, down to
   * every identifier's flow analysis, once for each enclosing expression the lowering asks about.
   */
  private derivedType(node: ts.Node): ts.Type | undefined {
    if (ts.isParenthesizedExpression(node)) return this.typeAt(node.expression);
    if (!ts.isBinaryExpression(node) || !NUMBER_OPERATORS.has(node.operatorToken.kind)) return undefined;
    // Two numbers (not enums, not any) make a number, as the checker says (checkBinaryLikeExpression).
    const isPlainNumber = (type: ts.Type): boolean =>
      type.isUnion()
        ? type.types.every(isPlainNumber)
        : (type.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) !== 0;
    return isPlainNumber(this.typeAt(node.left)) && isPlainNumber(this.typeAt(node.right))
      ? this.checker.getNumberType()
      : undefined;
  }

  private readonly types = new Map<ts.Node, ts.Type>();

  /** The checker's symbol at a node, asked once (every identifier is asked for when the body is scanned, and again when lowered). */
  symbolAt(node: ts.Node): ts.Symbol | undefined {
    if (this.symbols.has(node)) return this.symbols.get(node);
    const symbol = this.checker.getSymbolAtLocation(node);
    this.symbols.set(node, symbol);
    return symbol;
  }

  private readonly symbols = new Map<ts.Node, ts.Symbol | undefined>();

  /** The function whose returns are being lowered: a reduce callback's while it is lowered inline (callbacks.ts). */
  returnsOf: ts.SignatureDeclaration;

  returnKind(): ValueKind {
    const signature = this.checker.getSignatureFromDeclaration(this.returnsOf);
    return signature ? valueKind(this.checker.getReturnTypeOfSignature(signature)) : "other";
  }

  isNumber(e: ts.Expression): boolean {
    return isNumberType(this.typeAt(e));
  }

  isBoolean(e: ts.Expression): boolean {
    return (this.typeAt(e).flags & ts.TypeFlags.BooleanLike) !== 0;
  }
}

/** `ys` in a call `ys.push(...)`. */
export function pushTarget(node: ts.Node): ts.Identifier | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  const callee = skipOuterExpressions(node.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "push") return undefined;
  const object = skipOuterExpressions(callee.expression);
  return ts.isIdentifier(object) ? object : undefined;
}

/** Operators whose result is a number when both operands are. */
const NUMBER_OPERATORS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.AsteriskAsteriskToken,
  ts.SyntaxKind.PercentToken,
]);

export function sameBinding(a: Binding, b: Binding): boolean {
  if (a === b) return true;
  if (a === "uninitialized" || b === "uninitialized") return false;
  if (a.kind === "var" && b.kind === "var") return a.id === b.id;
  if (a.kind === "number" && b.kind === "number") return Object.is(a.value, b.value);
  return a.kind === "constant" && b.kind === "constant" && a.node === b.node;
}
