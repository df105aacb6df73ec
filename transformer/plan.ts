// Program-wide planning, before any file is emitted: every grad / vjp / valueAndGrad
// call, the function it names, and the closure of callees that need a vjp of their own.
// Each (function, kind, wrt) is generated once and shared, as Clad's DerivedFnCollector
// does, and a request that fails (or whose callee fails) leaves its call untouched, so the
// build reports the diagnostic and loses nothing.
import ts from "typescript";
import { analyzeActivity } from "./analysis/activity";
import { AdjointError, debugInternalError, toDiagnostic } from "./diagnostics";
import * as js from "./js";
import { forEachStmt, isDifferentiable, type Atom, type LoweredFunction, type TangentStep, type VarId } from "./ir";
import { lowerFunction } from "./lower";
import { identifiersIn, Namer } from "./naming";
import { buildAdjoint, type AdjointRequest } from "./reverse";
import { derivationSteps, forwardTransform, parameterCount } from "./forward";
import type * as ir from "./ir";
import { ShapeFacts, type ResultShape } from "./analysis/shapes";
import {
  anchorStatement,
  importOf,
  findDifferentiationCalls,
  functionName,
  isDifferentiationKind,
  parseWrt,
  resolveDerivative,
  resolveFunction,
  type MarkerApplication,
  type SiteKind,
  skipOuterExpressions,
  type FunctionNode,
} from "./sites";

export interface Entry {
  readonly fn: FunctionNode;
  readonly request: AdjointRequest;
  /** Forward mode applied to fn before the request (jvp, grad of grad, hvp): empty for fn itself. */
  readonly derivation: readonly TangentStep[];
  /** A function made of calls to other entries (hessian, jacobian), generated as given. */
  readonly wrapper?: () => js.GeneratedFunction;
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
  private readonly derived = new Map<string, LoweredFunction | AdjointError>();
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
          const derivative = !fn && target ? resolveDerivative(target, this.checker) : undefined;
          if (!fn && !derivative)
            throw new AdjointError(
              "ADJ101",
              target ?? call,
              "A parameter or a call's result is known only at run time: write grad(f) where f is declared, and pass the gradient on instead of the function.",
            );
          const base = fn ?? derivative!.fn;
          const chain = derivative?.chain ?? [];
          if (check && chain.length > 0)
            throw new AdjointError(
              "ADJ215",
              target!,
              "checkGrad takes the function itself, not a derivative of it: write checkGrad(f, args).",
            );
          const entry = this.siteEntry(call, kind, base, chain, check);
          if (check)
            this.checks.set(
              call,
              base.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : "")),
            );
          // How this file reaches the function's module: the derivative's own import (import { df } from "./a"), or the function's.
          const baseRef = chain.length > 0 && !importOf(target!, this.checker) ? chain[0]!.call.arguments[0]! : target!;
          if (base.getSourceFile() !== file) this.siteRefs.set(call, this.reference(file, baseRef, entry));
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

  /**
   * The entry a marker call becomes. grad, vjp and valueAndGrad of a function are reverse mode;
   * of a derivative (grad(grad(f))), reverse mode over the forward mode of the inner markers
   * (forward.ts derivationSteps). jvp is forward mode; hvp is reverse over forward; hessian and
   * jacobian call the runtime with one of those once per basis vector.
   */
  private siteEntry(
    call: ts.CallExpression,
    kind: SiteKind,
    fn: FunctionNode,
    chain: readonly MarkerApplication[],
    check: boolean,
  ): Entry {
    const options = call.arguments[check ? 2 : 1];
    const inner = chain.at(-1);
    if (isDifferentiationKind(kind)) {
      if (inner && inner.kind !== "grad")
        throw new AdjointError(
          "ADJ215",
          call,
          inner.kind === "jvp"
            ? "jvp returns { value, tangent }; differentiate a function that returns jvp(f)(x, v).tangent instead."
            : `${inner.kind}() cannot be differentiated again yet: differentiate grad(f) instead (grad(grad(f)), vjp(grad(f)), jvp(grad(f))), or use hvp(f) or hessian(f).`,
        );
      if (!inner || kind !== "vjp") {
        // grad(g) sums g's result; so does valueAndGrad, whose value is g's only where g is a number's gradient.
        const steps = derivationSteps(fn, chain, kind === "valueAndGrad" ? "value" : "summed");
        const { wrt, tuple } = parseWrt(options, parameterCount(fn, steps));
        const hasAux = kind === "valueAndGrad" && this.parseHasAux(options);
        if (hasAux && inner)
          throw new AdjointError(
            "ADJ215",
            call,
            "hasAux applies to a function, not a derivative: drop it, or take valueAndGrad of a function that returns [value, aux].",
          );
        // checkGrad gets one gradient per wrt parameter, always as a tuple.
        return this.entryFor(fn, { kind, wrt, tuple: tuple || check, ...(hasAux ? { hasAux } : {}) }, call, steps);
      }
      // vjp(grad(f))(x, s) = ∇(s·∇f) = the gradient of f's tangent along s: the seed is the tangent parameter.
      const steps = derivationSteps(fn, chain.slice(0, -1), "summed");
      const last = parseWrt(inner.call.arguments[1], parameterCount(fn, steps));
      const all = [...steps, { wrt: last.wrt, seed: "params", result: "tangent" } as const];
      const { wrt, tuple } = parseWrt(options, parameterCount(fn, steps));
      return this.entryFor(fn, { kind: "grad", wrt, tuple }, call, all, "vjp");
    }
    const single = (): number => {
      const { wrt, tuple } = parseWrt(options, parameterCount(fn, derivationSteps(fn, chain, "value")));
      if (tuple) throw new AdjointError("ADJ102", options!, `${kind} takes one wrt parameter (a number literal).`);
      return wrt[0]!;
    };
    if (kind === "hvp") return this.hvpEntry(fn, chain, single(), call);
    if (kind === "jvp") {
      if (inner?.kind === "grad") return this.jvpOfGrad(fn, chain, single(), call);
      return this.jvpEntry(fn, chain, single(), call);
    }
    const w = single();
    if (kind === "hessian") {
      const hvp = this.hvpEntry(fn, chain, w, call);
      return this.wrapperEntry(fn, "hessian", chain, [hvp], [], ([ref], args) =>
        js.rt("hessianOf", ref!, { kind: "array", elements: args }, js.num(w)),
      );
    }
    const mode = this.parseMode(options);
    if (mode === "forward") {
      const jvp = inner?.kind === "grad" ? this.jvpOfGrad(fn, chain, w, call) : this.jvpEntry(fn, chain, w, call);
      return this.wrapperEntry(fn, "jacobian", chain, [jvp], [], ([ref], args) =>
        js.rt("jacobianForward", ref!, { kind: "array", elements: args }, js.num(w)),
      );
    }
    const steps = derivationSteps(fn, chain, "value");
    const forward = this.entryFor(fn, { kind: "vjp", wrt: [w], tuple: false, closure: true }, call, steps);
    return this.wrapperEntry(fn, "jacobianReverse", chain, [forward], [], ([ref], args) =>
      js.rt("jacobianReverse", ref!, { kind: "array", elements: args }, js.num(w)),
    );
  }

  /** jvp: forward mode, emitted as a plain function returning { value, tangent }. */
  private jvpEntry(fn: FunctionNode, chain: readonly MarkerApplication[], w: number, at: ts.Node): Entry {
    const steps = [...derivationSteps(fn, chain, "value"), { wrt: [w], seed: "params", result: "pair" } as const];
    return this.entryFor(fn, { kind: "primal", wrt: [], tuple: false }, at, steps, "jvp");
  }

  /** hvp(f)(x, v) = ∇(∇f·v): reverse mode over f's tangent along v. */
  private hvpEntry(fn: FunctionNode, chain: readonly MarkerApplication[], w: number, at: ts.Node): Entry {
    const steps = [...derivationSteps(fn, chain, "value"), { wrt: [w], seed: "params", result: "tangent" } as const];
    return this.entryFor(fn, { kind: "grad", wrt: [w], tuple: false }, at, steps, "hvp");
  }

  /**
   * jvp of a gradient: its value is the gradient, and its tangent along v the gradient of the
   * tangent along v (the Hessian is symmetric), which holds for tensor parameters too, where
   * forward mode over the gradient would need one pass per element.
   */
  private jvpOfGrad(fn: FunctionNode, chain: readonly MarkerApplication[], w: number, at: ts.Node): Entry {
    const inner = chain.at(-1)!;
    const outerSteps = derivationSteps(fn, chain.slice(0, -1), "summed");
    const a = parseWrt(inner.call.arguments[1], parameterCount(fn, outerSteps));
    if (a.tuple) throw new AdjointError("ADJ215", inner.call, "Take the gradient with respect to one parameter.");
    const gradient = this.entryFor(fn, { kind: "grad", wrt: a.wrt, tuple: false }, at, outerSteps);
    const tangentSteps = [...outerSteps, { wrt: [w], seed: "params", result: "tangent" } as const];
    const tangent = this.entryFor(fn, { kind: "grad", wrt: a.wrt, tuple: false }, at, tangentSteps, "hvp");
    const v = this.fileNamesFor(fn.getSourceFile()).namer.fresh("v");
    return this.wrapperEntry(fn, "jvp", chain, [gradient, tangent], [v], ([value, slope], args) => ({
      kind: "object",
      fields: [
        ["value", js.call(value!, ...args)],
        ["tangent", js.call(slope!, ...args, js.name(v))],
      ],
    }));
  }

  /**
   * A generated function that only calls other generated ones (hessian, jacobian, jvp of a
   * gradient): `result` gets a reference to each dependency (its name, or for an inline arrow,
   * whose generated functions have no place of their own, the function itself) and the arguments.
   */
  private wrapperEntry(
    fn: FunctionNode,
    label: string,
    chain: readonly MarkerApplication[],
    deps: Entry[],
    extraParams: string[],
    result: (refs: js.Expr[], args: js.Expr[]) => js.Expr,
  ): Entry {
    const plain = fn.parameters.find((p) => !ts.isIdentifier(p.name) || p.dotDotDotToken);
    if (plain) throw new AdjointError("ADJ105", plain);
    const key = `${this.functionId(fn)}|${label}|${deps.map((d) => d.name).join(",")}`;
    const existing = this.entries.get(key);
    if (existing) return existing;
    const names = this.fileNamesFor(fn.getSourceFile());
    const name = names.namer.fresh(
      `${functionName(fn) ?? "anonymous"}${chain.map((m) => `_${m.kind}`).join("")}_${label}`,
    );
    const args = fn.parameters.map((p) => js.name((p.name as ts.Identifier).text));
    const build = (): js.GeneratedFunction => {
      const refs = deps.map((d): js.Expr => (d.anchor ? js.name(d.name) : { kind: "function", fn: d.generated! }));
      return {
        name,
        origin: fn,
        params: fn.parameters,
        extraParams,
        body: [{ kind: "return", value: result(refs, args) }],
      };
    };
    const entry: Entry = {
      fn,
      request: { kind: "primal", wrt: [], tuple: false },
      derivation: [],
      name,
      anchor: anchorStatement(fn),
      deps,
      requestedAt: deps[0]!.requestedAt,
      exported: false,
      wrapper: build,
    };
    this.entries.set(key, entry);
    this.order.push(entry);
    return entry;
  }

  /** jacobian's `mode`: "forward" (one jvp per input element) or "reverse" (one pullback per output element, the default). */
  private parseMode(options: ts.Expression | undefined): "forward" | "reverse" {
    const obj = options && skipOuterExpressions(options);
    if (!obj || !ts.isObjectLiteralExpression(obj)) return "reverse";
    const prop = obj.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "mode");
    if (!prop) return "reverse";
    const value = ts.isPropertyAssignment(prop) ? skipOuterExpressions(prop.initializer) : undefined;
    if (value && ts.isStringLiteral(value) && (value.text === "forward" || value.text === "reverse")) return value.text;
    throw new AdjointError("ADJ102", prop, 'Write mode as the literal "forward" or "reverse".');
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

  private functionId(fn: FunctionNode): number {
    if (!this.functionIds.has(fn)) this.functionIds.set(fn, this.functionIds.size);
    return this.functionIds.get(fn)!;
  }

  private entryFor(
    fn: FunctionNode,
    request: AdjointRequest,
    requestedAt: ts.Node,
    derivation: readonly TangentStep[] = [],
    label?: string,
  ): Entry {
    const anchor = anchorStatement(fn);
    const key = `${this.functionId(fn)}|${request.kind}|${request.wrt.join(",")}|${request.tuple}|${request.hasAux ?? false}|${request.closure ?? false}|${JSON.stringify(derivation)}`;
    const existing = anchor && this.entries.get(key);
    if (existing) return existing;
    const entry: Entry = {
      fn,
      request,
      derivation,
      name: this.nameFor(fn, request, derivation, label),
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
  private nameFor(
    fn: FunctionNode,
    request: AdjointRequest,
    derivation: readonly TangentStep[],
    label?: string,
  ): string {
    const names = this.fileNamesFor(fn.getSourceFile());
    const params = request.wrt.map((i) => {
      const p = fn.parameters[i]?.name;
      return p && ts.isIdentifier(p) ? p.text : String(i);
    });
    const suffix = request.tuple || (request.wrt.length > 0 && request.wrt[0] !== 0) ? `_${params.join("_")}` : "";
    const aux = request.hasAux ? "_aux" : "";
    // The derivation reads inside out: u_grad_grad is the gradient of u's gradient.
    const steps = (label ? derivation.slice(0, -1) : derivation).map((st) => (st.seed === "ones" ? "_grad" : "_jvp"));
    const kind = label ?? (request.closure ? "forward" : request.kind === "primal" ? "" : request.kind);
    return names.namer.fresh(
      `${functionName(fn) ?? "anonymous"}${steps.join("")}${kind ? `_${kind}` : ""}${aux}${suffix}`,
    );
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

  /** The function lowered once, then forward mode applied for each step of `derivation` (memoised too). */
  private derive(
    fn: FunctionNode,
    derivation: readonly TangentStep[],
    nested: boolean,
    pairResult = false,
  ): LoweredFunction {
    if (derivation.length === 0) return this.lower(fn, pairResult);
    const key = `${this.functionId(fn)}|${nested}|${JSON.stringify(derivation)}`;
    let result = this.derived.get(key);
    if (!result) {
      try {
        result = forwardTransform(this.derive(fn, derivation.slice(0, -1), nested), derivation.at(-1)!, nested);
      } catch (e) {
        if (!(e instanceof AdjointError)) throw e;
        result = e;
      }
      this.derived.set(key, result);
    }
    if (result instanceof AdjointError) throw result;
    return result;
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
    if (entry.wrapper) {
      // Its dependencies were requested before it, so generated first; one that failed reports its own diagnostic.
      if (entry.deps.every((d) => d.generated)) entry.generated = entry.wrapper();
      return;
    }
    entry.error = this.guard(entry.requestedAt, () => {
      const primal = entry.request.kind === "primal";
      let lowered = this.derive(entry.fn, entry.derivation, !primal, entry.request.hasAux ?? false);
      for (const i of entry.request.wrt) {
        const p = lowered.params[i]!;
        if (!isDifferentiable(lowered.vars[p.id]!) && !lowered.structures.has(p.id) && !lowered.collections.has(p.id)) {
          const type = this.checker.typeToString(this.checker.getTypeAtLocation(p.decl));
          throw new AdjointError("ADJ103", p.decl, `Parameter \`${lowered.vars[p.id]!.name}\` has type ${type}.`);
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
      if (!primal && r.kind === "var" && !isDifferentiable(lowered.vars[r.id]!) && !returnsObject) {
        throw new AdjointError(
          "ADJ104",
          entry.fn.body ?? entry.fn,
          "The differentiated function must return a number or a Tensor; to return other values beside it, use valueAndGrad(f, { hasAux: true }) and end f with return [value, aux].",
        );
      }
      const here = entry.fn.getSourceFile();
      const refer = (op: Extract<ir.Op, { kind: "call" }>, dep: Entry): js.Expr => {
        entry.deps.push(dep);
        return op.callee.getSourceFile() === here ? js.name(dep.name) : this.reference(here, op.calleeRef, dep);
      };
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
          return refer(op, this.entryFor(callee, request, stmt.node, op.derivation ?? []));
        },
        this.callShapes,
        pair?.aux,
        // A call of a derivative (a callee's tangent, du(t) for const du = grad(u)) calls its generated function.
        (stmt) => {
          const op = stmt.op as Extract<typeof stmt.op, { kind: "call" }>;
          if (!anchorStatement(op.callee))
            throw new AdjointError("ADJ101", op.calleeRef, "Call a named function instead.");
          const request = { kind: "primal", wrt: [], tuple: false } as const;
          return refer(op, this.entryFor(op.callee, request, stmt.node, op.derivation!));
        },
      );
      // The tangent parameters forward mode added (jvp's tangent, hvp's vector) follow the source's.
      const tangentParams = lowered.params.slice(entry.fn.parameters.length).map((p) => lowered.vars[p.id]!.name);
      entry.generated = {
        name: entry.name,
        origin: entry.fn,
        params: entry.fn.parameters,
        extraParams: [...tangentParams, ...adjoint.extraParams],
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
