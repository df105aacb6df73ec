// Finding marker calls and the functions they name. A call is a marker when the
// declaration it resolves to (through renamed imports and re-exports) carries the
// `@adjointMarker <kind>` tag that runtime/markers.ts puts on each marker: a user's own
// function called `grad` is not a marker, and `import { grad as d }` still is.
import ts from "typescript";
import { AdjointError } from "./diagnostics";

export const MARKER_KINDS = [
  "grad",
  "vjp",
  "valueAndGrad",
  "checkGrad",
  "stopGradient",
  "gradHook",
  "reverseGradient",
  "customGradient",
  "jvp",
  "hvp",
  "hessian",
  "jacobian",
] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];
export type DifferentiationKind = "grad" | "vjp" | "valueAndGrad";
/** Beyond first-order reverse mode: forward mode and what is built on it. */
export type HigherKind = "jvp" | "hvp" | "hessian" | "jacobian";
export type SiteKind = DifferentiationKind | HigherKind;

export function isSiteKind(kind: MarkerKind | undefined): kind is SiteKind {
  return isDifferentiationKind(kind) || kind === "jvp" || kind === "hvp" || kind === "hessian" || kind === "jacobian";
}

/** One marker applied to a function or to a derivative: grad(f), or the outer grad of grad(grad(f)). */
export interface MarkerApplication {
  readonly kind: SiteKind;
  readonly call: ts.CallExpression;
}

/**
 * A derivative an expression names: a marker call whose function is itself a derivative
 * (grad(grad(f)), jvp(grad(f))), or a const bound to one (const df = grad(f); ... df).
 * `chain` lists the markers from the innermost out.
 */
export function resolveDerivative(
  expr: ts.Expression,
  checker: ts.TypeChecker,
): { fn: FunctionNode; chain: MarkerApplication[] } | undefined {
  const e = skipOuterExpressions(expr);
  if (ts.isCallExpression(e)) {
    const kind = markerKind(e, checker);
    const target = e.arguments[0];
    if (!isSiteKind(kind) || !target) return undefined;
    const fn = resolveFunction(target, checker);
    if (fn) return { fn, chain: [{ kind, call: e }] };
    const inner = resolveDerivative(target, checker);
    return inner && { fn: inner.fn, chain: [...inner.chain, { kind, call: e }] };
  }
  if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return undefined;
  let symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(e) ? e.name : e);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const decl of symbol?.declarations ?? []) {
    if (
      ts.isVariableDeclaration(decl) &&
      decl.initializer &&
      ts.isVariableDeclarationList(decl.parent) &&
      decl.parent.flags & ts.NodeFlags.Const &&
      skipOuterExpressions(decl.initializer) !== e
    )
      return resolveDerivative(decl.initializer, checker);
  }
  return undefined;
}

const MARKER_TAG = /@adjointMarker\s+(\w+)/;
const PRIMITIVE_TAG = /@adjointPrimitive\s+(\w+)/;
const CONSTANT_TAG = /@adjointConstant\b([ \t\d,]*)/;
const TENSOR_TAG = /@adjoint(Tensor)\b/;

export function markerKind(call: ts.CallExpression, checker: ts.TypeChecker): MarkerKind | undefined {
  const kind = calleeTag(call, checker, MARKER_TAG);
  return kind && (MARKER_KINDS as readonly string[]).includes(kind) ? (kind as MarkerKind) : undefined;
}

/**
 * For a call of a creation function of the runtime (zeros, onesLike, full, tensor, ...),
 * tagged `@adjointConstant` on its declaration: the indices of the arguments whose values
 * its result holds (full's value, tensor's values); the others are read only for a shape,
 * a dtype or a seed. Undefined for any other call.
 */
export function constantArguments(call: ts.CallExpression, checker: ts.TypeChecker): number[] | undefined {
  const tag = calleeTag(call, checker, CONSTANT_TAG);
  return tag === undefined
    ? undefined
    : tag
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
}

/** The runtime primitive a call resolves to (add, matmul, ...), by the `@adjointPrimitive` tag on its declaration. */
export function primitiveName(call: ts.CallExpression, checker: ts.TypeChecker): string | undefined {
  return calleeTag(call, checker, PRIMITIVE_TAG);
}

function calleeTag(call: ts.CallExpression, checker: ts.TypeChecker, tag: RegExp): string | undefined {
  for (const decl of calleeDeclarations(call, checker)) {
    const value = tagOf(decl, tag);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The declarations a call's callee resolves to (through aliases), asked of the checker once per call. */
function calleeDeclarations(call: ts.CallExpression, checker: ts.TypeChecker): readonly ts.Declaration[] {
  // Each call is asked about several tags (marker, custom gradient, primitive, constant), by planning and lowering.
  let byCall = callees.get(checker);
  if (!byCall) callees.set(checker, (byCall = new WeakMap()));
  let decls = byCall.get(call);
  if (!decls) {
    let symbol = checker.getSymbolAtLocation(
      ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression,
    );
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    byCall.set(call, (decls = symbol?.declarations ?? []));
  }
  return decls;
}

/** calleeDeclarations' answers, by checker (a program's files may be reused by the next program, its checker not). */
const callees = new WeakMap<ts.TypeChecker, WeakMap<ts.CallExpression, readonly ts.Declaration[]>>();

/** Reads a tag from the raw leading comment, which works whether or not the compiler parsed JSDoc. */
function tagOf(decl: ts.Node, tag: RegExp): string | undefined {
  // Asked for every call and every type the lowering meets, of the same few declarations.
  let known = tags.get(decl);
  if (!known) tags.set(decl, (known = new Map()));
  if (known.has(tag)) return known.get(tag);
  let value: string | undefined;
  const file = decl.getSourceFile();
  for (const range of ts.getLeadingCommentRanges(file.text, decl.getFullStart()) ?? []) {
    const match = tag.exec(file.text.slice(range.pos, range.end));
    if (match) {
      value = match[1] ?? "";
      break;
    }
  }
  known.set(tag, value);
  return value;
}

/** tagOf's answers, by declaration and tag (each tag a constant of this module). */
const tags = new WeakMap<ts.Node, Map<RegExp, string | undefined>>();

/** Whether a type is the runtime's Tensor class (tagged `@adjointTensor`). */
export function isTensorType(type: ts.Type): boolean {
  const decls = type.getSymbol()?.declarations ?? [];
  return decls.some((d) => ts.isClassDeclaration(d) && tagOf(d, TENSOR_TAG) !== undefined);
}

export function isDifferentiationKind(kind: MarkerKind | undefined): kind is DifferentiationKind {
  return kind === "grad" || kind === "vjp" || kind === "valueAndGrad";
}

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

export function skipOuterExpressions(expr: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(expr) ||
    ts.isAsExpression(expr) ||
    ts.isNonNullExpression(expr) ||
    ts.isSatisfiesExpression(expr) ||
    ts.isTypeAssertionExpression(expr)
  ) {
    expr = expr.expression;
  }
  return expr;
}

/**
 * The function an expression names, when the compiler can see its body: an inline arrow
 * or function expression, a function declaration, or a const bound to one of those
 * (followed through imports and const aliases).
 */
export function resolveFunction(expr: ts.Expression, checker: ts.TypeChecker): FunctionNode | undefined {
  expr = skipOuterExpressions(expr);
  if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) return expr;
  if (!ts.isIdentifier(expr) && !ts.isPropertyAccessExpression(expr)) return undefined;
  let symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(expr) ? expr.name : expr);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const decl of symbol.declarations ?? []) {
    if (ts.isFunctionDeclaration(decl) && decl.body) return decl;
    if (
      ts.isVariableDeclaration(decl) &&
      decl.initializer &&
      ts.isVariableDeclarationList(decl.parent) &&
      decl.parent.flags & ts.NodeFlags.Const
    ) {
      const init = skipOuterExpressions(decl.initializer);
      if (init !== expr) return resolveFunction(init, checker);
    }
  }
  return undefined;
}

/** A readable name for a function: its declared name, or the const it is bound to. */
export function functionName(fn: FunctionNode): string | undefined {
  if (fn.name) return fn.name.text;
  let node: ts.Node = fn.parent;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node))
    node = node.parent;
  if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) return node.name.text;
  return undefined;
}

/**
 * The statement after which a named function's generated adjoints are placed: the
 * function declaration itself, or the variable statement that binds it. Undefined for an
 * inline function, whose adjoint replaces the marker call in place.
 */
export function anchorStatement(fn: FunctionNode): ts.Statement | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn;
  let node: ts.Node = fn.parent;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node))
    node = node.parent;
  if (
    ts.isVariableDeclaration(node) &&
    ts.isVariableDeclarationList(node.parent) &&
    ts.isVariableStatement(node.parent.parent)
  ) {
    return node.parent.parent;
  }
  return undefined;
}

/**
 * Every call of grad, vjp, valueAndGrad or checkGrad in a file, in source order.
 * checkGrad(f, args, options) asks for the gradient of f with respect to options.wrt, as a tuple.
 */
export function findDifferentiationCalls(
  file: ts.SourceFile,
  checker: ts.TypeChecker,
): { call: ts.CallExpression; kind: SiteKind; check: boolean }[] {
  const found: { call: ts.CallExpression; kind: SiteKind; check: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const kind = markerKind(node, checker);
      if (isSiteKind(kind)) found.push({ call: node, kind, check: false });
      if (kind === "checkGrad") found.push({ call: node, kind: "grad", check: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Whether a callee is a function made by customGradient(...), inline or through a const. */
export function isCustomGradient(callee: ts.Expression, checker: ts.TypeChecker): boolean {
  return customGradientCall(callee, checker) !== undefined;
}

/** The customGradient(...) call that made a callee, inline or through a const: its third argument is the tangent rule. */
export function customGradientCall(callee: ts.Expression, checker: ts.TypeChecker): ts.CallExpression | undefined {
  const e = skipOuterExpressions(callee);
  if (ts.isCallExpression(e)) return markerKind(e, checker) === "customGradient" ? e : undefined;
  if (!ts.isIdentifier(e)) return undefined;
  let symbol = checker.getSymbolAtLocation(e);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const d of symbol?.declarations ?? []) {
    if (!ts.isVariableDeclaration(d) || d.initializer === undefined || d.initializer === e) continue;
    const call = customGradientCall(d.initializer, checker);
    if (call) return call;
  }
  return undefined;
}

/** Whether an identifier names a property rather than reading a variable. */
export function isPropertyName(n: ts.Identifier): boolean {
  const p = n.parent;
  return (
    (ts.isPropertyAccessExpression(p) && p.name === n) ||
    (ts.isPropertyAssignment(p) && p.name === n) ||
    (ts.isMethodDeclaration(p) && p.name === n) ||
    (ts.isPropertyDeclaration(p) && p.name === n) ||
    (ts.isBindingElement(p) && p.propertyName === n)
  );
}

/** Whether evaluating `node` may call a function (nested functions are not evaluated, so not counted). */
export function containsCall(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The import declaration through which `ref` (a name, or `ns.name`) reaches this file, if any. */
export function importOf(ref: ts.Expression, checker: ts.TypeChecker): ts.ImportDeclaration | undefined {
  const e = skipOuterExpressions(ref);
  const id =
    ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)
      ? e.expression
      : ts.isIdentifier(e)
        ? e
        : undefined;
  const decl = id && checker.getSymbolAtLocation(id)?.declarations?.[0];
  let node: ts.Node | undefined = decl;
  while (
    node &&
    !ts.isImportDeclaration(node) &&
    (ts.isImportSpecifier(node) || ts.isNamedImports(node) || ts.isNamespaceImport(node) || ts.isImportClause(node))
  ) {
    node = node.parent;
  }
  return node && ts.isImportDeclaration(node) ? node : undefined;
}

/** A marker's `wrt` option (a literal index or array of indices) for a function of `paramCount` parameters. */
export function parseWrt(options: ts.Expression | undefined, paramCount: number): { wrt: number[]; tuple: boolean } {
  if (!options) return { wrt: [0], tuple: false };
  const obj = skipOuterExpressions(options);
  if (!ts.isObjectLiteralExpression(obj))
    throw new AdjointError("ADJ102", options, "Write the options as an object literal.");
  const prop = obj.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "wrt");
  if (!prop) return { wrt: [0], tuple: false };
  if (!ts.isPropertyAssignment(prop)) throw new AdjointError("ADJ102", prop);
  const value = skipOuterExpressions(prop.initializer);
  const index = (e: ts.Expression): number => {
    const n = skipOuterExpressions(e);
    if (!ts.isNumericLiteral(n)) throw new AdjointError("ADJ102", e);
    const i = Number(n.text);
    if (!Number.isInteger(i) || i >= paramCount) {
      throw new AdjointError(
        "ADJ102",
        e,
        `The function has ${paramCount} parameter(s); ${n.text} is not one of their indices.`,
      );
    }
    return i;
  };
  if (ts.isArrayLiteralExpression(value)) {
    const wrt = value.elements.map(index);
    if (wrt.length === 0) throw new AdjointError("ADJ102", value, "Name at least one parameter.");
    if (new Set(wrt).size !== wrt.length) throw new AdjointError("ADJ102", value, "Each parameter may appear once.");
    return { wrt, tuple: true };
  }
  return { wrt: [index(value)], tuple: false };
}
