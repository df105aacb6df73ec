// Forward mode: IR -> IR. Each value that varies with the `wrt` parameters gets a tangent
// computed beside it, by the tangent rule of its primitive (rules/), in the same branches and
// loops: a number's tangent is one more number, a tensor's one more tensor, an array's one more
// array. The output is IR of the table's primitives like any lowered function, so it is
// emitted by the same code as a primal (jvp), and differentiated again by reverse.ts (grad of
// grad, hvp: reverse over forward) or by this module (forward over forward).
import ts from "typescript";
import { AdjointError } from "./diagnostics";
import * as js from "./js";
import {
  atomVars,
  forEachStmt,
  isDifferentiable,
  opVars,
  varAtom,
  type Atom,
  type Carried,
  type LoweredFunction,
  type Param,
  type Projection,
  type Stmt,
  type TangentStep,
  type ValueKind,
  type Var,
  type VarId,
} from "./ir";
import { isDifferentiableOperand, operandAdjoint, ruleFor } from "./rules";
import type { TangentContext } from "./rules/types";
import { ShapeFacts } from "./analysis/shapes";
import { parseWrt, type FunctionNode, type MarkerApplication } from "./sites";

export function forwardTransform(fn: LoweredFunction, step: TangentStep, nested: boolean): LoweredFunction {
  return new Forward(fn, step, nested).build();
}

class Forward {
  private readonly vars: Var[];
  private readonly namer;
  private readonly temps: Set<VarId>;
  /** The tangent of each varied variable; absent for a variable whose tangent is zero. */
  private readonly tangents = new Map<VarId, Atom>();
  /** Variables that may vary with the wrt parameters (a fixpoint over the loops). */
  private readonly varied: ReadonlySet<VarId>;
  private readonly shapes: ShapeFacts;
  private readonly localArrays: Set<VarId>;
  private readonly tensorArrays: Set<VarId>;
  private readonly returnedObjects: Set<VarId>;
  private readonly callResults: Map<VarId, ReadonlyMap<string, VarId>>;
  private readonly keys = new Map<string, Atom>();
  /** The primitives emitted into each block, by operation and operands: a tangent that repeats one (cos x, twice under grad of grad) reads it. */
  private readonly emitted = new Map<Stmt[], Map<string, Atom>>();
  /** Tensors that are whole sums (a scalar): summing one again for grad's sum would change nothing. */
  private readonly sums = new Set<VarId>();
  /** The source node of the statement being differentiated: its tangent's statements carry it (reverse.ts maps their code there). */
  private at?: ts.Node;
  /** The tangent variables made for values, by tangent: each has its value's shape (a parameter's tangent is the caller's, so not listed). */
  private readonly values: Map<VarId, VarId>;
  private readonly structures: Set<VarId>;
  private readonly projections: Projection[];
  /** The highest read log number the function's logged reads use (0: the primal's own). */
  private lastLog = 0;

  constructor(
    private readonly fn: LoweredFunction,
    private readonly step: TangentStep,
    private readonly nested: boolean,
  ) {
    this.vars = [...fn.vars];
    this.namer = fn.namer.clone();
    this.temps = new Set(fn.temps);
    this.localArrays = new Set(fn.localArrays);
    this.tensorArrays = new Set(fn.tensorArrays);
    this.returnedObjects = new Set(fn.returnedObjects);
    this.callResults = new Map(fn.callResults);
    this.values = new Map(fn.tangentOf);
    this.structures = new Set(fn.structures);
    this.projections = [...fn.projections];
    this.shapes = new ShapeFacts(fn);
    this.varied = variedVars(fn, step.wrt);
    forEachStmt(fn.body, (x) => {
      if (x.kind === "let" && x.op.kind === "prim" && x.op.prim === "loggedIndex" && x.op.args[3]?.kind === "number")
        this.lastLog = Math.max(this.lastLog, x.op.args[3].value);
    });
  }

  build(): LoweredFunction {
    const { fn, step } = this;
    const params: Param[] = [...fn.params];
    const prologue: Stmt[] = [];
    for (const i of step.wrt) {
      const p = fn.params[i]!;
      const v = fn.vars[p.id]!;
      const structure = fn.structures.has(p.id);
      if ((structure && step.seed === "ones") || fn.collections.has(p.id) || (!structure && !isDifferentiable(v)))
        throw new AdjointError(
          "ADJ215",
          p.decl,
          structure
            ? `A gradient with respect to the structure \`${v.name}\` cannot be differentiated again yet; use hvp, or take the gradient with respect to a number.`
            : `Forward mode differentiates with respect to numbers, number arrays, tensors and structures of them; \`${v.name}\` is not one.`,
        );
      if (step.numbersOnly && v.kind !== "number")
        throw new AdjointError(
          "ADJ215",
          p.decl,
          `A gradient used as a value inside differentiated code must be with respect to a number: \`${v.name}\` is not one. ` +
            "Differentiate the enclosing function with hvp, or take the gradient with respect to a number parameter.",
        );
      if (step.seed === "params") {
        const t = this.newVar(this.namer.fresh(`${v.name}Dot`), v.kind);
        params.push({ id: t, decl: p.decl });
        this.tangents.set(p.id, varAtom(t));
        if (structure) this.tangentFields(p.id, t);
      } else if (v.kind === "number") {
        this.tangents.set(p.id, { kind: "number", value: 1 });
      } else {
        this.tangents.set(p.id, this.emit(prologue, "onesTangent", [varAtom(p.id)], v.kind, `${v.name}Dot`));
      }
    }
    const body = [...prologue, ...this.block(fn.body)];
    const value = fn.result;
    const tangent = this.tangentOrZero(value, body);
    let result: Atom;
    if (step.result === "pair") {
      const pair = this.emit(
        body,
        "objectOf",
        [this.key("value"), value, this.key("tangent"), tangent],
        "other",
        "pair",
      );
      this.returnedObjects.add((pair as { id: VarId }).id);
      result = pair;
    } else {
      const kind = value.kind === "var" ? this.vars[value.id]!.kind : "number";
      if (kind !== "number" && kind !== "tensor")
        throw new AdjointError(
          "ADJ104",
          fn.decl,
          "A gradient is taken of a function that returns a number or a Tensor.",
        );
      // grad of a tensor-valued function is the gradient of the sum of its elements.
      const scalar = tangent.kind !== "var" || this.sums.has(tangent.id);
      result = kind === "tensor" && !scalar ? this.emit(body, "sum", [tangent], "tensor") : tangent;
      // Used as a value, it is grad's gradient with respect to a number: a number.
      if (kind === "tensor" && step.numbersOnly) result = this.emit(body, "toNumber", [result], "number");
    }
    return {
      ...fn,
      namer: this.namer,
      temps: this.temps,
      vars: this.vars,
      params,
      body,
      result,
      localArrays: this.localArrays,
      tensorArrays: this.tensorArrays,
      structures: this.structures,
      projections: this.projections,
      returnedObjects: this.returnedObjects,
      callResults: this.callResults,
      tangentOf: this.values,
    };
  }

  /**
   * The tangent of a structure parameter is a structure of the same fields (p.w's tangent is
   * pDot.w): each field the function reads gets its tangent read from the tangent's, parents first.
   */
  private tangentFields(param: VarId, tangent: VarId): void {
    this.structures.add(tangent);
    for (const field of this.fn.projections) {
      if (field.root !== param) continue;
      const parent = field.parent === param ? tangent : (this.tangents.get(field.parent) as { id: VarId }).id;
      const t = this.newVar(this.namer.fresh(`${this.vars[field.id]!.name}Dot`), this.vars[field.id]!.kind);
      this.projections.push({ id: t, parent, key: field.key, root: tangent, path: field.path });
      if (this.fn.structures.has(field.id)) this.structures.add(t);
      this.tangents.set(field.id, varAtom(t));
    }
  }

  private newVar(name: string, kind: ValueKind): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name, kind });
    return id;
  }

  /** The tangent variable of `primal`: xDot, t3Dot (a temporary's stays a temporary, for the emitter to inline). */
  private tangentVar(primal: VarId, kind: ValueKind = this.vars[primal]!.kind): VarId {
    const id = this.newVar(this.namer.fresh(`${this.vars[primal]!.name}Dot`), kind);
    if (this.temps.has(primal)) this.temps.add(id);
    this.values.set(id, primal);
    return id;
  }

  private emit(out: Stmt[], prim: string, args: readonly Atom[], kind: ValueKind, name?: string): Atom {
    // Reads of arrays (which stores change) and fresh arrays (which stores fill) are never shared.
    const shareable = !FRESH_OR_READ.has(prim) && args.every((a) => a.kind !== "constant");
    const key = shareable
      ? `${prim}(${args.map((a) => (a.kind === "var" ? `v${a.id}` : a.kind === "number" ? `n${a.value}` : "")).join(",")})`
      : "";
    let block = this.emitted.get(out);
    if (!block) this.emitted.set(out, (block = new Map()));
    const earlier = shareable ? block.get(key) : undefined;
    if (earlier) return earlier;
    const id = this.newVar(name ? this.namer.fresh(name) : this.namer.temp(), kind);
    if (!name) this.temps.add(id);
    out.push({ kind: "let", target: id, op: { kind: "prim", prim, args }, node: this.at ?? this.fn.decl });
    if (shareable) block.set(key, varAtom(id));
    if (prim === "sum" && args.length === 1) this.sums.add(id);
    return varAtom(id);
  }

  /** A key of objectOf / fieldOf: a string literal atom, made once per key. */
  private key(name: string): Atom {
    let atom = this.keys.get(name);
    if (!atom) this.keys.set(name, (atom = { kind: "constant", node: ts.factory.createStringLiteral(name) }));
    return atom;
  }

  private tangentOf(atom: Atom): Atom | null {
    return atom.kind === "var" ? (this.tangents.get(atom.id) ?? null) : null;
  }

  /** A zero tangent of a value's shape: 0 for a number, zeros for a tensor or an array (an outer constant may be either). */
  private zero(of: Atom, out: Stmt[]): Atom {
    if (of.kind === "number" || (of.kind === "var" && this.vars[of.id]!.kind === "number"))
      return { kind: "number", value: 0 };
    return this.emit(out, "zeroTangent", [of], of.kind === "var" ? this.vars[of.id]!.kind : "tensor");
  }

  private tangentOrZero(atom: Atom, out: Stmt[]): Atom {
    return this.tangentOf(atom) ?? this.zero(atom, out);
  }

  private block(stmts: readonly Stmt[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of stmts) this.statement(s, out);
    return out;
  }

  private statement(s: Stmt, out: Stmt[]): void {
    const outer = this.at;
    if (s.kind !== "if" && s.kind !== "merge") this.at = s.node;
    this.tangentStatement(s, out);
    this.at = outer;
  }

  private tangentStatement(s: Stmt, out: Stmt[]): void {
    switch (s.kind) {
      case "let":
        return this.let(s, out);
      case "effect":
      case "throw":
        out.push(s);
        return;
      case "store": {
        out.push(s);
        const array = this.tangents.get(s.array);
        if (array)
          out.push({
            kind: "store",
            array: (array as { id: VarId }).id,
            index: s.index,
            value: this.tangentOrZero(s.value, out),
            node: s.node,
          });
        return;
      }
      case "merge": {
        out.push(s);
        const target = this.tangents.get(s.target);
        if (target)
          out.push({ kind: "merge", target: (target as { id: VarId }).id, value: this.tangentOrZero(s.value, out) });
        return;
      }
      case "if": {
        const merges = [...s.merges];
        for (const m of s.merges) {
          if (!this.varied.has(m)) continue;
          const t = this.tangentVar(m);
          this.tangents.set(m, varAtom(t));
          merges.push(t);
        }
        out.push({ ...s, then: this.block(s.then), else: this.block(s.else), merges });
        return;
      }
      case "loop": {
        const carried = s.carried.filter((c) => this.varied.has(c.var));
        const tangentVars = carried.map((c) => {
          const t = this.tangentVar(c.var);
          this.tangents.set(c.var, varAtom(t));
          return t;
        });
        const inits = carried.map((c) => this.tangentOrZero(c.init, out));
        const body = this.block(s.body);
        const extra: Carried[] = carried.map((c, k) => ({
          var: tangentVars[k]!,
          init: inits[k]!,
          next: this.tangentOrZero(c.next, body),
        }));
        out.push({ ...s, carried: [...s.carried, ...extra], body });
        return;
      }
    }
  }

  private let(s: Stmt & { kind: "let" }, out: Stmt[]): void {
    const op = s.op;
    if (op.kind === "opaque") {
      out.push(s);
      if (!this.varied.has(s.target)) return;
      // An array the function allocates (new Float64Array(n), new Array(n).fill(c)) and then writes
      // varied values into: its tangent starts as zeros of its length, whatever it was filled with.
      if (this.localArrays.has(s.target) && op.nonDifferentiable) {
        const t = this.emit(
          out,
          "zeroTangent",
          [varAtom(s.target)],
          this.vars[s.target]!.kind,
          `${this.vars[s.target]!.name}Dot`,
        );
        this.localArrays.add((t as { id: VarId }).id);
        if (this.tensorArrays.has(s.target)) this.tensorArrays.add((t as { id: VarId }).id);
        this.tangents.set(s.target, t);
        return;
      }
      throw new AdjointError(
        "ADJ215",
        s.node,
        "Forward mode cannot differentiate through an expression kept as written; write it with the runtime's operations.",
      );
    }
    if (op.kind === "call") return this.call(s, op, out);
    out.push(s);
    this.prim(s, op, out);
    // An array the function creates and stores into: its tangent is an array it tracks too, of
    // zeros when nothing varied went into it yet (varied values are stored later).
    if (!this.localArrays.has(s.target) || !this.varied.has(s.target)) return;
    const tangent =
      this.tangents.get(s.target) ?? this.emit(out, "zeroTangent", [varAtom(s.target)], this.vars[s.target]!.kind);
    this.tangents.set(s.target, tangent);
    this.localArrays.add((tangent as { id: VarId }).id);
    if (this.tensorArrays.has(s.target)) this.tensorArrays.add((tangent as { id: VarId }).id);
  }

  private prim(
    s: Stmt & { kind: "let" },
    op: Extract<Stmt, { kind: "let" }>["op"] & { kind: "prim" },
    out: Stmt[],
  ): void {
    const tangents = op.args.map((a) => this.tangentOf(a));
    if (tangents.every((t) => t === null)) return;
    const rule = ruleFor(op.prim);
    if (rule.tangent === null) return;
    const kind = this.vars[s.target]!.kind;
    const tensor = kind === "tensor";
    const y = varAtom(s.target);
    const hasResultShape = (i: number): boolean => this.shapes.sameShape(op.args[i]!, s.target);
    const cx: TangentContext = {
      args: op.args,
      y,
      tangents,
      tensor,
      hasResultShape,
      nested: this.nested,
      emit: (prim, args, k = kind) => this.emit(out, prim, args, k),
      zero: (of) => this.zero(of, out),
      tangentLog: (log) => ({ kind: "number", value: this.lastLog + 1 + (log?.kind === "number" ? log.value : 0) }),
      refuse: (message) => {
        throw new AdjointError("ADJ215", s.node, message);
      },
    };
    const before = this.vars.length;
    const tangent = rule.tangent === "linear" ? this.linear(op.prim, cx) : rule.tangent(cx);
    if (!tangent) return;
    // Name the tangent after its value (yDot), unless the rule returned a value it did not
    // make (an operand's tangent, or y itself: exp's tangent along 1).
    if (tangent.kind === "var" && tangent.id >= before && this.isFreshTemp(tangent.id, out)) {
      const t = this.tangentVar(s.target, this.vars[tangent.id]!.kind);
      this.retarget(out, t);
      this.tangents.set(s.target, varAtom(t));
    } else {
      this.tangents.set(s.target, tangent);
    }
  }

  /** Whether `id` is a temporary the rule just emitted as the last statement of `out`. */
  private isFreshTemp(id: VarId, out: readonly Stmt[]): boolean {
    const last = out.at(-1);
    return last?.kind === "let" && last.target === id && this.temps.has(id);
  }

  /** Renames the last statement's target (a temporary a rule just emitted) to `to`. */
  private retarget(out: Stmt[], to: VarId): void {
    const last = out.pop() as Stmt & { kind: "let" };
    out.push({ ...last, target: to });
    const block = this.emitted.get(out);
    block?.forEach((atom, key) => atom.kind === "var" && atom.id === last.target && block.set(key, varAtom(to)));
    if (this.sums.delete(last.target)) this.sums.add(to);
  }

  /**
   * The tangent of an elementwise rule from its adjoints: each operand's adjoint, with its
   * tangent for g, is its share, and the shares add up. The adjoints are js expressions over
   * placeholders, turned into IR here; unreduced (hasResultShape: true), since a tangent keeps the
   * result's whole shape, and a single share that may be smaller is broadcast to it.
   */
  private linear(prim: string, cx: TangentContext): Atom | null {
    const rule = ruleFor(prim);
    const bindings = new Map<string, Atom>();
    const placeholder = (atom: Atom, name: string): js.Expr => {
      if (atom.kind === "number") return js.num(atom.value);
      bindings.set(name, atom);
      return js.name(name);
    };
    const args = cx.args.map((a, i) => placeholder(a, `\0a${i}`));
    const y = placeholder(cx.y, "\0y");
    const shares: { atom: Atom; full: boolean }[] = [];
    cx.tangents.forEach((t, i) => {
      if (!t || !isDifferentiableOperand(rule, i)) return;
      const adjoint = operandAdjoint(rule, i);
      if (!adjoint) return;
      const g = placeholder(t, `\0g${i}`);
      const e = adjoint({ g, args, y, tensor: cx.tensor, hasResultShape: () => true });
      // Every runtime operation an adjoint is written with broadcasts, so a share that reads a
      // value of the result's shape (y, an operand that has it, or such an operand's tangent) has it too.
      const full = new Set(["\0y", ...cx.args.flatMap((_, j) => (cx.hasResultShape(j) ? [`\0a${j}`, `\0g${j}`] : []))]);
      shares.push({ atom: this.fromExpr(e, bindings, cx), full: readsAny(e, full) });
    });
    if (shares.length === 0) return null;
    if (shares.length === 1) {
      const [{ atom, full }] = shares as [{ atom: Atom; full: boolean }];
      return cx.tensor && !full ? cx.emit("broadcastLike", [atom, cx.y]) : atom;
    }
    return shares
      .map((x) => x.atom)
      .reduce((a, b) => (cx.tensor ? cx.emit("add", [a, b]) : cx.emit("+", [a, b], "number")));
  }

  /** A js expression of a rule (operators, Math, the runtime's primitives, conditionals) as IR lets. */
  private fromExpr(e: js.Expr, bindings: ReadonlyMap<string, Atom>, cx: TangentContext): Atom {
    const sub = (x: js.Expr): Atom => this.fromExpr(x, bindings, cx);
    switch (e.kind) {
      case "num":
        return { kind: "number", value: e.value };
      case "name": {
        const atom = bindings.get(e.name);
        if (!atom) throw new Error(`adjoint internal error: tangent reads an unknown name ${e.name}`);
        return atom;
      }
      case "source":
        return { kind: "constant", node: e.node };
      case "mathConstant":
        return {
          kind: "constant",
          node: ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("Math"), e.name),
        };
      case "neg":
        return cx.emit("unary -", [sub(e.operand)], "number");
      case "binary": {
        return cx.emit(e.op, [sub(e.left), sub(e.right)], e.op === "===" ? "other" : "number");
      }
      case "math":
        return cx.emit(`Math.${e.fn}`, e.args.map(sub), "number");
      case "conditional":
        return cx.emit("select", [sub(e.cond), sub(e.whenTrue), sub(e.whenFalse)], "number");
      case "runtime": {
        const args = e.args.map(sub);
        const t = (prim: string, ...operands: Atom[]): Atom => cx.emit(prim, operands, "tensor");
        const one: Atom = { kind: "number", value: 1 };
        // pow's two adjoint helpers, written out in primitives: g·b·a^(b−1), and g·y·ln a.
        if (e.fn === "powGradBase") {
          const [g, a, b] = args as [Atom, Atom, Atom];
          return t("mul", g, t("mul", b, t("pow", a, t("sub", b, one))));
        }
        if (e.fn === "powGradExponent") {
          const [g, a, , y] = args as [Atom, Atom, Atom, Atom];
          return t("mul", g, t("mul", y, t("log", a)));
        }
        ruleFor(e.fn);
        return t(e.fn, ...args);
      }
      default:
        throw new Error(`adjoint internal error: a tangent cannot be written from a ${e.kind} expression`);
    }
  }

  /**
   * A call with varied arguments calls the callee's own forward mode, with respect to those
   * arguments: r = g_jvp(...args, ...tangents), then its value and tangent read from r.
   */
  private call(
    s: Stmt & { kind: "let" },
    op: Extract<Stmt, { kind: "let" }>["op"] & { kind: "call" },
    out: Stmt[],
  ): void {
    const active = op.args.flatMap((a, i) => (this.tangentOf(a) ? [i] : []));
    if (active.length === 0 || !this.varied.has(s.target)) {
      out.push(s);
      return;
    }
    // A helper's object result: its tangent is an object of the fields' tangents, which the
    // fields read out of (fieldOf's tangent). Reverse mode over that would need a seed of nested objects.
    if (this.fn.callResults.has(s.target) && this.nested)
      throw new AdjointError(
        "ADJ215",
        s.node,
        "A second derivative cannot yet go through a helper that returns an object; return a number or a Tensor.",
      );
    const pair = this.newVar(this.namer.fresh(`${this.vars[s.target]!.name}Pair`), "other");
    out.push({
      kind: "let",
      target: pair,
      op: {
        ...op,
        args: [...op.args, ...active.map((i) => this.tangentOf(op.args[i]!)!)],
        derivation: [...(op.derivation ?? []), { wrt: active, seed: "params", result: "pair" }],
      },
      node: s.node,
    });
    const tangent = this.tangentVar(s.target);
    out.push(
      {
        kind: "let",
        target: s.target,
        op: { kind: "prim", prim: "fieldOf", args: [varAtom(pair), this.key("value")] },
        node: s.node,
      },
      {
        kind: "let",
        target: tangent,
        op: { kind: "prim", prim: "fieldOf", args: [varAtom(pair), this.key("tangent")] },
        node: s.node,
      },
    );
    this.callResults.set(
      pair,
      new Map([
        ["value", s.target],
        ["tangent", tangent],
      ]),
    );
    this.tangents.set(s.target, varAtom(tangent));
  }
}

/** Primitives whose result is a read of an array or a fresh array, which emit() never shares. */
const FRESH_OR_READ = new Set(["index", "loggedIndex", "readAt", "zeroTangent", "onesTangent", "arrayOf", "objectOf"]);

/** Whether a js expression reads one of `names`. */
function readsAny(e: js.Expr, names: ReadonlySet<string>): boolean {
  return (e.kind === "name" && names.has(e.name)) || js.children(e).some((c) => readsAny(c, names));
}

/**
 * The variables that may vary with the wrt parameters: forward dependence through every
 * operand a tangent can flow through, arrays through their stores, carried and merge variables
 * through their values (a fixpoint, for loops).
 */
function variedVars(fn: LoweredFunction, wrt: readonly number[]): Set<VarId> {
  const varied = new Set<VarId>(wrt.map((i) => fn.params[i]!.id));
  for (const p of fn.projections) if (varied.has(p.root)) varied.add(p.id);
  const statements: Stmt[] = [];
  forEachStmt(fn.body, (s) => statements.push(s));
  const reads = (atoms: readonly Atom[]): boolean => atoms.some((a) => atomVars(a).some((v) => varied.has(v)));
  for (let changed = true; changed;) {
    changed = false;
    const mark = (id: VarId): void => {
      if (!varied.has(id)) {
        varied.add(id);
        changed = true;
      }
    };
    for (const s of statements) {
      if (s.kind === "merge" && reads([s.value])) mark(s.target);
      if (s.kind === "store" && reads([s.value])) mark(s.array);
      if (s.kind === "loop") for (const c of s.carried) if (reads([c.init, c.next])) mark(c.var);
      if (s.kind !== "let") continue;
      const op = s.op;
      if (op.kind === "prim") {
        const rule = ruleFor(op.prim);
        if (rule.tangent !== null && op.args.some((a, i) => isDifferentiableOperand(rule, i) && reads([a])))
          mark(s.target);
      } else if (op.kind === "call") {
        if (reads(op.args)) mark(s.target);
      } else if (
        !op.nonDifferentiable &&
        (op.valueReads ? op.valueReads.some((v) => varied.has(v)) : opVars(op).some((v) => varied.has(v)))
      ) {
        mark(s.target);
      }
    }
  }
  // An array allocation (kept as written) that varied values are stored into varies too: its tangent is allocated beside it.
  return varied;
}

/** How many parameters a function has after forward-mode steps: each "params" step adds one tangent per wrt parameter. */
export function parameterCount(fn: FunctionNode, steps: readonly TangentStep[]): number {
  return fn.parameters.length + steps.reduce((n, st) => n + (st.seed === "params" ? st.wrt.length : 0), 0);
}

/**
 * The tangent steps of a chain of markers (innermost first) applied to `fn`, for a derivative
 * whose result is used as a value, or summed (the function an outer grad differentiates:
 * grad sums its result). grad_A seen through a sum is forward mode along ones (sum(∇f) = ∇f·1),
 * so a tower of grads is forward over forward under one reverse sweep; used as a value it is
 * grad's only for a number parameter. jvp is forward mode with tangent parameters.
 */
export function derivationSteps(
  fn: FunctionNode,
  chain: readonly MarkerApplication[],
  position: "value" | "summed",
): TangentStep[] {
  let params = fn.parameters.length;
  return chain.map((m, k) => {
    const { wrt, tuple } = parseWrt(m.call.arguments[1], params);
    const outer = chain[k + 1];
    const summed = outer ? outer.kind === "grad" : position === "summed";
    if (m.kind === "grad") {
      if (tuple)
        throw new AdjointError(
          "ADJ215",
          m.call,
          "A gradient with respect to several parameters cannot be differentiated again; take one parameter at a time.",
        );
      return { wrt, seed: "ones", result: "tangent", ...(summed ? {} : { numbersOnly: true }) };
    }
    if (m.kind === "jvp") {
      if (tuple) throw new AdjointError("ADJ215", m.call, "jvp takes one wrt parameter (a number literal).");
      params += wrt.length;
      return { wrt, seed: "params", result: "pair" };
    }
    throw new AdjointError(
      "ADJ215",
      m.call,
      `${m.kind}() cannot be differentiated again yet; grad and jvp can (hvp(f) is the derivative of grad(f)).`,
    );
  });
}
