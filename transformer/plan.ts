// Program-wide planning, before any file is emitted: every grad / vjp / valueAndGrad
// call, the function it names, and the closure of callees that need a vjp of their own.
// Each (function, kind, wrt) is generated once and shared, as Clad's DerivedFnCollector
// does, and a request that fails (or whose callee fails) leaves its call untouched, so the
// build reports the diagnostic and loses nothing.
import ts from "typescript";
import { analyzeActivity } from "./analysis/activity";
import { AdjointError, debugInternalError, toDiagnostic } from "./diagnostics";
import * as js from "./js";
import { forEachStmt, isDifferentiable, type Atom, type LoweredFunction, type VarId } from "./ir";
import { lowerFunction } from "./lower";
import { identifiersIn, Namer } from "./naming";
import { buildAdjoint, type AdjointRequest } from "./reverse";
import { ShapeFacts, type ResultShape } from "./analysis/shapes";
import {
  anchorStatement,
  importOf,
  findDifferentiationCalls,
  functionName,
  resolveFunction,
  skipOuterExpressions,
  type FunctionNode,
} from "./sites";

export interface Entry {
  readonly fn: FunctionNode;
  readonly request: AdjointRequest;
  readonly name: string;
  /** The statement the generated function is placed after; undefined for an inline arrow, replaced in place. */
  readonly anchor: ts.Statement | undefined;
  readonly deps: Entry[];
  generated?: js.GeneratedFunction;
  error?: AdjointError;
  /** The request this entry was made for, for the diagnostic's related information. */
  readonly requestedAt: ts.Node;
  /** Whether another module calls it (then it is exported). */
  exported: boolean;
}

export interface Plan {
  /** What each marker call becomes. */
  readonly sites: ReadonlyMap<ts.CallExpression, Entry>;
  /** checkGrad calls, which keep their call and get the generated gradient and the parameters' names as two more arguments. */
  readonly checks: ReadonlyMap<ts.CallExpression, readonly string[]>;
  /** How a marker call refers to a generated function of another module (physics_adjoint.step_grad). */
  readonly siteRefs: ReadonlyMap<ts.CallExpression, js.Expr>;
  /** Namespace imports each file needs for the generated functions of other modules: specifier -> name. */
  readonly imports: ReadonlyMap<ts.SourceFile, ReadonlyMap<string, string>>;
  /** Generated functions to place after each anchor statement, in a stable order. */
  readonly placements: ReadonlyMap<ts.Statement, readonly Entry[]>;
  readonly diagnostics: readonly ts.Diagnostic[];
  /** The name each file imports the runtime under (`import * as adjoint from "adjoint/internal"`), when its generated code calls it. */
  readonly runtimeNamespaces: ReadonlyMap<ts.SourceFile, string>;
  /** Whether an entry and everything it depends on was generated. */
  isComplete(entry: Entry): boolean;
}

export function buildPlan(program: ts.Program): Plan {
  return new Planner(program).run();
}

class Planner {
  private readonly checker: ts.TypeChecker;
  private readonly sites = new Map<ts.CallExpression, Entry>();
  private readonly entries = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  private readonly lowered = new Map<FunctionNode, LoweredFunction | AdjointError>();
  private readonly loweredWithAux = new Map<FunctionNode, LoweredFunction | AdjointError>();
  private readonly resultShapes = new Map<FunctionNode, ResultShape>();
  private readonly fileNames = new Map<ts.SourceFile, { reserved: Set<string>; namer: Namer }>();
  private readonly diagnostics: ts.Diagnostic[] = [];
  private readonly functionIds = new Map<FunctionNode, number>();
  /** A lowering error is shared by every request of its function: reported once. */
  private readonly reported = new Set<AdjointError>();
  private readonly completeness = new Map<Entry, boolean>();
  private readonly siteRefs = new Map<ts.CallExpression, js.Expr>();
  private readonly imports = new Map<ts.SourceFile, Map<string, string>>();
  private readonly checks = new Map<ts.CallExpression, string[]>();

  constructor(private readonly program: ts.Program) {
    this.checker = program.getTypeChecker();
  }

  run(): Plan {
    for (const file of this.program.getSourceFiles()) {
      if (file.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(file)) continue;
      for (const { call, kind, check } of findDifferentiationCalls(file, this.checker)) {
        this.guard(call, () => {
          const target = call.arguments[0];
          const fn = target && resolveFunction(target, this.checker);
          if (!fn)
            throw new AdjointError(
              "ADJ101",
              target ?? call,
              "Pass a function declared in this program, or an inline arrow.",
            );
          const options = call.arguments[check ? 2 : 1];
          const { wrt, tuple } = this.parseWrt(options, fn);
          const hasAux = kind === "valueAndGrad" && this.parseHasAux(options);
          // checkGrad gets one gradient per wrt parameter, always as a tuple.
          const entry = this.entryFor(fn, { kind, wrt, tuple: tuple || check, ...(hasAux ? { hasAux } : {}) }, call);
          if (check)
            this.checks.set(
              call,
              fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : "")),
            );
          if (fn.getSourceFile() !== file) this.siteRefs.set(call, this.reference(file, target!, entry));
          this.sites.set(call, entry);
        });
      }
    }
    // Generating one entry may request more (the vjps of its callees): a worklist.
    for (let i = 0; i < this.order.length; i++) this.generate(this.order[i]!);
    this.computeCompleteness();

    const placements = new Map<ts.Statement, Entry[]>();
    for (const entry of this.order) {
      if (!entry.anchor || !this.isComplete(entry)) continue;
      const list = placements.get(entry.anchor) ?? [];
      list.push(entry);
      placements.set(entry.anchor, list);
    }
    const runtimeNamespaces = new Map<ts.SourceFile, string>();
    for (const entry of this.order) {
      const file = entry.fn.getSourceFile();
      if (!this.isComplete(entry) || runtimeNamespaces.has(file) || !usesRuntime(entry.generated!.body)) continue;
      runtimeNamespaces.set(file, this.fileNamesFor(file).namer.fresh("adjoint"));
    }
    return {
      sites: this.sites,
      checks: this.checks,
      siteRefs: this.siteRefs,
      imports: this.imports,
      placements,
      diagnostics: this.diagnostics,
      runtimeNamespaces,
      isComplete: (e) => this.isComplete(e),
    };
  }

  /** Runs a step, turning a refusal (or an internal error) into a diagnostic, reported once. */
  private guard(at: ts.Node, step: () => void): AdjointError | undefined {
    try {
      step();
      return undefined;
    } catch (e) {
      // ADJOINT_DEBUG=1 shows where an internal error came from.
      if (!(e instanceof AdjointError)) debugInternalError(e);
      const error =
        e instanceof AdjointError ? e : new AdjointError("ADJ900", at, e instanceof Error ? e.message : String(e));
      if (!this.reported.has(error)) {
        this.reported.add(error);
        this.diagnostics.push(toDiagnostic(error));
      }
      return error;
    }
  }

  /**
   * A generated function of another module, as `file` refers to it: through a namespace
   * import of the same specifier the user imported the function with, which must be the
   * module that declares it (where the generated function is placed and exported).
   */
  private reference(file: ts.SourceFile, ref: ts.Expression, entry: Entry): js.Expr {
    const declaration = importOf(ref, this.checker);
    const module = declaration && this.checker.getSymbolAtLocation(declaration.moduleSpecifier);
    if (!declaration || module?.valueDeclaration !== entry.fn.getSourceFile()) {
      throw new AdjointError("ADJ211", ref, "Import it from the module that declares it, not through a re-export.");
    }
    entry.exported = true;
    const specifier = (declaration.moduleSpecifier as ts.StringLiteral).text;
    let byFile = this.imports.get(file);
    if (!byFile) this.imports.set(file, (byFile = new Map()));
    let namespace = byFile.get(specifier);
    if (!namespace) {
      const base = (specifier.split("/").pop() ?? "module").replace(/\.[jt]sx?$/, "").replace(/\W/g, "_");
      namespace = this.fileNamesFor(file).namer.fresh(`${base}_adjoint`);
      byFile.set(specifier, namespace);
    }
    return { kind: "member", object: namespace, name: entry.name };
  }

  private parseWrt(options: ts.Expression | undefined, fn: FunctionNode): { wrt: number[]; tuple: boolean } {
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
      if (!Number.isInteger(i) || i >= fn.parameters.length) {
        throw new AdjointError(
          "ADJ102",
          e,
          `The function has ${fn.parameters.length} parameter(s); ${n.text} is not one of their indices.`,
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

  /** valueAndGrad's `hasAux: true` (a literal): f returns [value, aux]. */
  private parseHasAux(options: ts.Expression | undefined): boolean {
    const obj = options && skipOuterExpressions(options);
    if (!obj || !ts.isObjectLiteralExpression(obj)) return false;
    const prop = obj.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "hasAux");
    if (!prop) return false;
    const value = ts.isPropertyAssignment(prop) ? skipOuterExpressions(prop.initializer) : undefined;
    if (value?.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (value?.kind === ts.SyntaxKind.FalseKeyword) return false;
    throw new AdjointError("ADJ102", prop, "Write hasAux as the literal true or false.");
  }

  private entryFor(fn: FunctionNode, request: AdjointRequest, requestedAt: ts.Node): Entry {
    const anchor = anchorStatement(fn);
    if (!this.functionIds.has(fn)) this.functionIds.set(fn, this.functionIds.size);
    const key = `${this.functionIds.get(fn)}|${request.kind}|${request.wrt.join(",")}|${request.tuple}|${request.hasAux ?? false}|${request.closure ?? false}`;
    const existing = anchor && this.entries.get(key);
    if (existing) return existing;
    const entry: Entry = {
      fn,
      request,
      name: this.nameFor(fn, request),
      anchor,
      deps: [],
      requestedAt,
      exported: false,
    };
    if (anchor) this.entries.set(key, entry);
    this.order.push(entry);
    return entry;
  }

  /** f_grad, f_vjp, f_valueAndGrad; a wrt other than the default adds the parameters' names: loss_grad_w_b. */
  private nameFor(fn: FunctionNode, request: AdjointRequest): string {
    const names = this.fileNamesFor(fn.getSourceFile());
    const params = request.wrt.map((i) => {
      const p = fn.parameters[i]?.name;
      return p && ts.isIdentifier(p) ? p.text : String(i);
    });
    const suffix = request.tuple || request.wrt[0] !== 0 ? `_${params.join("_")}` : "";
    const aux = request.hasAux ? "_aux" : "";
    const kind = request.closure ? "forward" : request.kind;
    return names.namer.fresh(`${functionName(fn) ?? "anonymous"}_${kind}${aux}${suffix}`);
  }

  private fileNamesFor(file: ts.SourceFile): { reserved: Set<string>; namer: Namer } {
    let names = this.fileNames.get(file);
    if (!names) {
      const reserved = identifiersIn(file);
      names = { reserved, namer: new Namer(reserved) };
      this.fileNames.set(file, names);
    }
    return names;
  }

  /** The function lowered once; with `pairResult`, its `return [value, aux]` is lowered as a pair (hasAux). */
  private lower(fn: FunctionNode, pairResult = false): LoweredFunction {
    const cache = pairResult ? this.loweredWithAux : this.lowered;
    let result = cache.get(fn);
    if (!result) {
      try {
        result = lowerFunction(fn, this.checker, this.reservedFor(fn.getSourceFile()), pairResult);
      } catch (e) {
        if (!(e instanceof AdjointError)) throw e;
        result = e;
      }
      cache.set(fn, result);
    }
    if (result instanceof AdjointError) throw result;
    return result;
  }

  /** What is certain of a callee's result shape (shapes.ts), memoised; a recursive or failing callee has nothing. */
  private readonly callShapes = (callee: FunctionNode): ResultShape => {
    if (this.resultShapes.has(callee)) return this.resultShapes.get(callee);
    this.resultShapes.set(callee, undefined);
    let k: ResultShape;
    try {
      k = new ShapeFacts(this.lower(callee), this.callShapes).resultShape();
    } catch (e) {
      if (!(e instanceof AdjointError)) throw e;
    }
    this.resultShapes.set(callee, k);
    return k;
  };

  private reservedFor(file: ts.SourceFile): ReadonlySet<string> {
    const names = this.fileNames.get(file);
    // Generated function names are reserved too, so no local shadows one.
    return names
      ? new Set([...names.reserved, ...this.order.filter((e) => e.fn.getSourceFile() === file).map((e) => e.name)])
      : identifiersIn(file);
  }

  private generate(entry: Entry): void {
    entry.error = this.guard(entry.requestedAt, () => {
      let lowered = this.lower(entry.fn, entry.request.hasAux ?? false);
      for (const i of entry.request.wrt) {
        const p = lowered.params[i]!;
        if (!isDifferentiable(lowered.vars[p.id]!) && !lowered.structures.has(p.id) && !lowered.collections.has(p.id)) {
          throw new AdjointError(
            "ADJ103",
            p.decl,
            `Parameter \`${lowered.vars[p.id]!.name}\` is neither a number nor a Tensor.`,
          );
        }
      }
      // With hasAux the function returns [value, aux]: the value is differentiated, the aux only carried.
      const pair = entry.request.hasAux ? resultPair(lowered) : undefined;
      if (entry.request.hasAux && !pair) {
        throw new AdjointError(
          "ADJ104",
          entry.fn.body ?? entry.fn,
          "With hasAux, end the function with one `return [value, aux];` (an array literal of two elements).",
        );
      }
      if (pair) lowered = { ...lowered, result: pair.value };
      const r = lowered.result;
      const returnsObject = entry.request.kind === "vjp" && returnsObjects(lowered);
      if (r.kind === "var" && !isDifferentiable(lowered.vars[r.id]!) && !returnsObject) {
        throw new AdjointError(
          "ADJ104",
          entry.fn.body ?? entry.fn,
          "The differentiated function must return a number or a Tensor.",
        );
      }
      const activity = analyzeActivity(lowered, entry.request.wrt);
      const adjoint = buildAdjoint(
        lowered,
        activity,
        entry.request,
        (stmt, activeArgs, closure) => {
          const op = stmt.op as Extract<typeof stmt.op, { kind: "call" }>;
          const callee = op.callee;
          if (!isDifferentiable(lowered.vars[stmt.target]!) && !lowered.callResults.has(stmt.target)) {
            throw new AdjointError(
              "ADJ104",
              stmt.node,
              "The called function must return a number or a Tensor for a gradient to flow through it.",
            );
          }
          if (!anchorStatement(callee))
            throw new AdjointError("ADJ101", op.calleeRef, "Call a named function instead.");
          const request = {
            kind: "vjp",
            wrt: activeArgs,
            tuple: activeArgs.length > 1,
            ...(closure ? { closure } : {}),
          } as const;
          const dep = this.entryFor(callee, request, stmt.node);
          entry.deps.push(dep);
          const here = entry.fn.getSourceFile();
          return callee.getSourceFile() === here ? js.name(dep.name) : this.reference(here, op.calleeRef, dep);
        },
        this.callShapes,
        pair?.aux,
      );
      entry.generated = {
        name: entry.name,
        params: entry.fn.parameters,
        extraParams: adjoint.extraParams,
        body: adjoint.body,
      };
    });
  }

  isComplete(entry: Entry): boolean {
    return this.completeness.get(entry) ?? false;
  }

  /** An entry is complete when it and all its dependencies generated (a fixpoint, since callees may recurse). */
  private computeCompleteness(): void {
    for (const e of this.order) this.completeness.set(e, !e.error);
    for (let changed = true; changed;) {
      changed = false;
      for (const e of this.order) {
        if (this.completeness.get(e) && e.deps.some((d) => !this.completeness.get(d))) {
          this.completeness.set(e, false);
          changed = true;
        }
      }
    }
  }
}

function usesRuntime(body: readonly js.Statement[]): boolean {
  const inExpr = (e: js.Expr): boolean => e.kind === "runtime" || js.children(e).some(inExpr);
  return body.some((s) => {
    if (s.kind === "if") return inExpr(s.cond) || usesRuntime(s.then) || usesRuntime(s.else);
    if (s.kind === "while") return inExpr(s.cond) || usesRuntime(s.body);
    return js.statementExprs(s).some(inExpr);
  });
}

/** The value and the aux of a function whose one return is `[value, aux]` (lowered as a pair: lower/statements.ts). */
function resultPair(fn: LoweredFunction): { value: Atom; aux: Atom } | undefined {
  const r = fn.result;
  if (r.kind !== "var" || !fn.pairs.has(r.id)) return undefined;
  let pair: { value: Atom; aux: Atom } | undefined;
  forEachStmt(fn.body, (s) => {
    if (s.kind === "let" && s.target === r.id && s.op.kind === "prim")
      pair = { value: s.op.args[0]!, aux: s.op.args[1]! };
  });
  return pair;
}

/** Whether every return of a helper is an object literal (`return { h, c }`), directly or through the merges of early returns. */
function returnsObjects(fn: LoweredFunction): boolean {
  const merged = new Map<VarId, Atom[]>();
  forEachStmt(fn.body, (s) => {
    if (s.kind === "merge") merged.set(s.target, [...(merged.get(s.target) ?? []), s.value]);
  });
  const isObject = (a: Atom, seen: Set<VarId>): boolean => {
    if (a.kind !== "var" || seen.has(a.id)) return false;
    if (fn.returnedObjects.has(a.id)) return true;
    const values = merged.get(a.id);
    return values !== undefined && values.every((v) => isObject(v, new Set([...seen, a.id])));
  };
  return isObject(fn.result, new Set());
}
