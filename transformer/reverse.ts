// IR -> the generated function: the primal sweep, then the adjoint sweep in reverse.
//
// Adjoints accumulate where values meet. A contribution made in the block that defines
// a variable is held back and summed at the definition (`const dz = a + b`); one made
// inside a branch needs a mutable accumulator declared before the `if` (`let dx = ...`,
// then `dx += ...` inside). An adjoint simple enough to repeat (a literal, a name) is
// never given a name of its own, so seeding with 1 folds away.
import ts from "typescript";
import type { Activity } from "./analysis/activity";
import { AdjointError } from "./diagnostics";
import { cleanUp, type ValueKind } from "./passes";
import { assignedNames, declaredNames, forEachStatement, namesRead } from "./passes/walk";
import * as js from "./js";
import type * as ir from "./ir";
import type { Atom, LoweredFunction, Opaque, VarId } from "./ir";
import { forEachStmt, isDifferentiable, leavesUnder } from "./ir";
import type { Namer } from "./naming";
import { isDifferentiableOperand, operandAdjoint, ruleFor } from "./rules";
import { access } from "./rules/arrays";
import { ShapeFacts, type CallShapes } from "./analysis/shapes";
import { containsCall, functionName, type DifferentiationKind } from "./sites";

export interface AdjointRequest {
  /** "primal": no gradient, the function's value only (a jvp, whose IR computes its tangent beside it). */
  readonly kind: DifferentiationKind | "primal";
  /** Parameter indices, in the order of the result. */
  readonly wrt: readonly number[];
  /** Whether the gradient is returned as a tuple (an array `wrt`). */
  readonly tuple: boolean;
  /** valueAndGrad with hasAux: the function returns [value, aux], and the result is { value, aux, grad }. */
  readonly hasAux?: boolean;
  /**
   * A vjp as a forward and a closure (Clad's split, JAX's vjp): `f_forward(...args)` returns
   * [value, pullback], the pullback taking the seed and reading the primal values the forward
   * computed, so a caller that needs both runs the callee's forward once.
   */
  readonly closure?: boolean;
}

/** Resolves the generated vjp of a callee for the given active argument positions (with `closure`, its `_forward`). */
export type PullbackResolver = (
  stmt: ir.Stmt & { kind: "let" },
  activeArgs: readonly number[],
  closure?: boolean,
) => js.Expr;

/** Resolves the generated function a call of a derivative calls (ir call op with a derivation). */
export type DerivedResolver = (stmt: ir.Stmt & { kind: "let" }) => js.Expr;

/** A loop whose primal is being emitted: its trip counter once a call needs it, and the tapes to declare before it. */
interface PrimalLoop {
  readonly stmt: ir.Stmt & { kind: "loop" };
  trips?: string;
  readonly declarations: js.Statement[];
}

interface AdjointState {
  name?: string;
  pending: js.Expr[];
}

export interface AdjointBody {
  readonly body: js.Statement[];
  /** Extra parameters after the source ones (the seed of a vjp). */
  readonly extraParams: readonly string[];
}

export function buildAdjoint(
  fn: LoweredFunction,
  activity: Activity,
  request: AdjointRequest,
  pullback: PullbackResolver,
  callShapes: CallShapes = () => undefined,
  aux?: Atom,
  derived: DerivedResolver = () => {
    throw new Error("adjoint internal error: a call of a derivative with no resolver");
  },
): AdjointBody {
  return new Reverse(fn, activity, request, pullback, fn.namer.clone(), callShapes, derived).build(aux);
}

class Reverse {
  private readonly alias = new Map<VarId, js.Expr>();
  private readonly defBlock = new Map<VarId, readonly ir.Stmt[]>();
  private readonly adjoints = new Map<VarId, AdjointState>();
  private readonly finalized = new Map<VarId, js.Expr>();
  private readonly conditions = new Map<ir.Stmt, js.Expr>();
  /** Contributions made inside the branch being swept to accumulators declared outside it, summed at its end. */
  private deferred = new Map<VarId, js.Expr[]>();
  private readonly intermediateAdjoints = new Set<string>();
  /** The tape of each loop-carried variable the backward sweep replays. */
  private readonly tapes = new Map<VarId, string>();
  /** Loop counters recomputed in the backward loop as start + step · k instead of taped. */
  private readonly inductions = new Map<VarId, number>();
  /** Whether the sweep being emitted recomputes a loop iteration in the backward sweep. */
  private recomputing = false;
  /** The logs of local-array reads inside loops (see loggedIndex), by the read's log number, named when first needed. */
  private readonly readLogs = new Map<number, string>();
  /** The body of the loop whose iteration is being recomputed, whose own statements the backward sweep follows in the same block, and its trip counter. */
  private recomputedBody?: readonly ir.Stmt[];
  private recomputedTrip?: string;
  /** The loop whose primal is being emitted: calls in its body tape their value and pullback. */
  private primalLoop?: PrimalLoop;
  /** The tapes of a call's value and pullback in its loop's primal, read by the recomputed iteration. */
  private readonly callTapes = new Map<VarId, { value: string; back: string }>();
  private readonly definedInside = new Map<readonly ir.Stmt[], ReadonlySet<VarId>>();
  /** The pullback each call at the top of the body got from its callee's `_forward`, by the call's variable. */
  private readonly backs = new Map<VarId, string>();
  /** The trip counter of each loop, as last emitted by the primal sweep. */
  private readonly loopTrips = new Map<ir.Stmt, string>();
  /** Which values certainly share a shape, so that their adjoints need no reduction. */
  private readonly shapes: ShapeFacts;
  /**
   * The source node of the IR statement being swept (see enter): the origin of the statements
   * made for it and of the adjoint contributions it makes, so each maps to the user's line.
   */
  private at?: ts.Node;
  /** The source node each adjoint contribution was made at (the `at` of contribute). */
  private readonly contributedAt = new WeakMap<js.Expr, ts.Node>();
  /** The source node of each variable's definition (sourceOf its let). */
  private readonly definedAt = new Map<VarId, ts.Node>();

  constructor(
    private readonly fn: LoweredFunction,
    private readonly activity: Activity,
    private readonly request: AdjointRequest,
    private readonly pullback: PullbackResolver,
    private readonly namer: Namer,
    callShapes: CallShapes,
    private readonly derived: DerivedResolver,
  ) {
    this.shapes = new ShapeFacts(fn, callShapes);
  }

  /** `aux`: with hasAux, the value returned beside the result, carried without a gradient. */
  build(aux?: Atom): AdjointBody {
    const { fn, request } = this;
    this.recordBlocks(fn.body);
    for (const p of fn.params) this.defBlock.set(p.id, fn.body);
    for (const p of fn.projections) this.defBlock.set(p.id, fn.body);

    // The fields read from structure parameters first, each from its parent (reading them cannot throw).
    const body = fn.projections.map((p): js.Statement => ({
      kind: "const",
      name: this.varName(p.id),
      init: this.field(p),
    }));
    body.push(...this.forward(fn.body));
    for (const log of [...this.readLogs.values()].reverse())
      body.unshift({ kind: "let", name: log, init: js.rt("numberTape") });
    const seedName = request.kind === "vjp" ? this.namer.fresh("seed") : undefined;
    const extraParams = seedName && !request.closure ? [seedName] : [];
    const value = this.value(fn.result);
    if (request.kind === "primal") {
      body.push({ kind: "return", value });
      return { body: cleanUp(body, this.inlinableNames(), this.valueKinds(), this.namer), extraParams };
    }

    const backward: js.Statement[] = [];
    // Array parameters' (and array fields') gradients are allocated first and added into in place.
    for (const { id } of [...fn.params, ...fn.projections]) {
      if (!this.isActive(id)) continue;
      if (this.fn.vars[id]!.kind === "array" || fn.collections.has(id)) this.allocateArrayAdjoint(id, backward);
    }
    if (fn.result.kind === "var" && this.isActive(fn.result.id)) {
      this.contribute(fn.result.id, seedName ? js.name(seedName) : js.num(1), fn.body);
    }
    this.backward(fn.body, backward);
    // A parameter's gradient, completed and fitted to its shape, maps to the parameter.
    const grads = request.wrt.map((i) => {
      const p = fn.params[i]!;
      const mark = this.enter(p.decl, backward);
      const g = fn.structures.has(p.id) ? this.structureGradient(p.id, backward) : this.gradientOf(p.id, backward);
      js.locateExpr(g, p.decl);
      this.leave(mark, backward);
      return g;
    });
    const gradient = request.tuple ? ({ kind: "array", elements: grads } as const) : grads[0]!;
    if (request.closure) {
      // return [value, (seed) => { backward sweep; return gradient }], each part cleaned up on its own.
      const inner = cleanUp(
        [...backward, { kind: "return", value: gradient }],
        this.inlinableNames(),
        this.valueKinds(),
        this.namer,
      );
      const pullback: js.Expr = { kind: "pullback", param: seedName!, body: inner, reads: freeNames(inner, seedName!) };
      body.push({ kind: "return", value: { kind: "array", elements: [value, pullback] } });
      return { body: cleanUp(body, this.inlinableNames(), this.valueKinds(), this.namer), extraParams };
    }
    body.push(...backward);

    const returned: js.Expr =
      request.kind === "valueAndGrad"
        ? {
            kind: "object",
            fields: [
              ["value", value],
              ...(aux ? [["aux", this.value(aux)] as [string, js.Expr]] : []),
              ["grad", gradient],
            ],
          }
        : gradient;
    body.push({ kind: "return", value: returned });
    return { body: cleanUp(body, this.inlinableNames(), this.valueKinds(), this.namer), extraParams };
  }

  /**
   * Each primal name's kind, for the fusion pass (the adjoints' kinds it reads from their
   * definitions): "scalar" for a tensor every variable of that name holds a whole reduction in.
   */
  private valueKinds(): Map<string, ValueKind> {
    const kinds = new Map<string, ValueKind>();
    this.fn.vars.forEach((v, id) => {
      if (v.kind !== "number" && v.kind !== "tensor") return;
      const kind: ValueKind = v.kind === "tensor" && this.shapes.isScalar(id) ? "scalar" : v.kind;
      const before = kinds.get(v.name);
      kinds.set(v.name, before === undefined || before === kind ? kind : "tensor");
    });
    return kinds;
  }

  /** The gradient of a parameter or a field of one, once the sweep is over. */
  private gradientOf(id: VarId, out: js.Statement[]): js.Expr {
    if (this.fn.vars[id]!.kind === "array") {
      return this.isActive(id) ? js.name(this.state(id).name!) : js.rt("zerosLikeArray", js.name(this.varName(id)));
    }
    if (this.fn.collections.has(id)) {
      return this.isActive(id) ? js.name(this.state(id).name!) : js.rt("zerosLikeTree", js.name(this.varName(id)));
    }
    const g = this.isActive(id) ? this.finalize(id, out) : js.num(0);
    // A tensor's gradient gets the value's exact shape and dtype (a zero gradient included);
    // inside the sweep adjoints may stay smaller and broadcast.
    return this.isTensor(id) ? js.rt("fitGradient", g, this.value({ kind: "var", id })) : g;
  }

  /**
   * A structure parameter's gradient: the runtime builds it in the parameter's shape, with the
   * gradients of the leaves the function read in their places and zeros for the others.
   */
  private structureGradient(param: VarId, out: js.Statement[]): js.Expr {
    const tree = (parent: VarId): js.Expr => ({
      kind: "object",
      fields: this.fn.projections
        .filter((p) => p.parent === parent)
        .flatMap((p): [string, js.Expr][] => {
          if (this.fn.structures.has(p.id)) return [[String(p.key), tree(p.id)]];
          if (this.fn.collections.has(p.id))
            return this.isActive(p.id) ? [[String(p.key), this.gradientOf(p.id, out)]] : [];
          if (!isDifferentiable(this.fn.vars[p.id]!) || !this.isActive(p.id)) return [];
          return [[String(p.key), this.gradientOf(p.id, out)]];
        }),
    });
    return js.rt("structureGradient", js.name(this.varName(param)), tree(param));
  }

  /** The primal value of a field: its parent's property or tuple element. */
  private field(p: ir.Projection): js.Expr {
    const parent = this.varName(p.parent);
    return typeof p.key === "number"
      ? { kind: "element", array: js.name(parent), index: js.num(p.key) }
      : { kind: "member", object: parent, name: p.key };
  }

  private isTensor(id: VarId): boolean {
    return this.fn.vars[id]!.kind === "tensor";
  }

  /** The sum of adjoint contributions: `+` for numbers, the runtime's add for tensors. */
  private total(id: VarId, terms: readonly js.Expr[]): js.Expr {
    // A helper's object result: each field's contributions summed, every field present (the vjp's seed).
    const fields = this.fn.callResults.get(id);
    if (fields) {
      const byKey = (key: string): js.Expr[] =>
        terms.flatMap((t) => (t.kind === "object" ? t.fields.filter(([k]) => k === key).map(([, v]) => v) : []));
      const sums = [...fields].map(([key, field]) => [key, this.total(field, byKey(key))] as const);
      // A tuple's seed is an array: positions without a number or tensor (none is read) are 0.
      if (this.fn.tupleResults.has(id)) {
        const length = Math.max(...sums.map(([k]) => Number(k) + 1));
        const at = (i: number): js.Expr => sums.find(([k]) => k === String(i))?.[1] ?? js.num(0);
        return { kind: "array", elements: Array.from({ length }, (_, i) => at(i)) };
      }
      return { kind: "object", fields: sums };
    }
    if (!this.isTensor(id)) return js.sum(terms);
    const sum = terms.reduce((acc, t) => js.rt("add", acc, t), js.num(0));
    js.locateExpr(sum, this.termsOrigin(terms));
    return sum;
  }

  /**
   * Where a sum of contributions maps: the primitive they all come from, when they come from
   * one (then the statement computes that primitive's adjoint); undefined when they come from
   * several, and the statement maps where the sweep is (the value's definition, or parameter).
   */
  private termsOrigin(terms: readonly js.Expr[]): ts.Node | undefined {
    const origins = new Set(terms.map((t) => this.contributedAt.get(t)));
    const [only] = origins;
    return origins.size === 1 ? only : undefined;
  }

  /** A statement of a sum of contributions, located by termsOrigin. */
  private located<S extends js.Statement>(s: S, terms: readonly js.Expr[]): S {
    const origin = this.termsOrigin(terms);
    return origin ? { ...s, origin } : s;
  }

  /** `dx += terms` for a number; `dx = add(dx, terms)` for a tensor, whose values are never written in place. */
  private accumulate(id: VarId, terms: readonly js.Expr[]): js.Statement {
    const name = this.state(id).name!;
    if (!this.isTensor(id)) return this.located({ kind: "accumulate", name, value: js.sum(terms) }, terms);
    const sum = js.rt("add", js.name(name), this.total(id, terms));
    js.locateExpr(sum, this.termsOrigin(terms));
    return this.located({ kind: "assign", name, value: sum }, terms);
  }

  private allocateArrayAdjoint(id: VarId, out: js.Statement[]): void {
    const name = this.namer.adjoint(this.varName(id));
    this.state(id).name = name;
    const zeros = this.fn.collections.has(id) ? "zerosLikeTree" : "zerosLikeArray";
    out.push({ kind: "const", name, init: js.rt(zeros, js.name(this.varName(id))) });
  }

  /** The gradient array of an array (a parameter or one the function creates), allocated before it is added into. */
  private arrayAdjoint(id: VarId): string {
    const name = this.state(id).name;
    if (!name)
      throw new AdjointError(
        "ADJ203",
        this.fn.decl,
        "A gradient would flow into an array the transformer does not track; read its elements in the function that creates or takes it.",
      );
    return name;
  }

  private isActive(id: VarId): boolean {
    return this.activity.active.has(id);
  }

  private recordBlocks(block: readonly ir.Stmt[]): void {
    for (const s of block) {
      if (s.kind === "let") {
        this.defBlock.set(s.target, block);
        const node = this.sourceOf(s);
        if (node) this.definedAt.set(s.target, node);
      }
      if (s.kind === "if") {
        for (const m of s.merges) this.defBlock.set(m, block);
        this.recordBlocks(s.then);
        this.recordBlocks(s.else);
      }
      if (s.kind === "loop") {
        for (const c of s.carried) this.defBlock.set(c.var, block);
        this.recordBlocks(s.body);
      }
    }
  }

  private varName(id: VarId): string {
    return this.fn.vars[id]!.name;
  }

  /** The primal value of an atom. */
  private value(atom: Atom): js.Expr {
    if (atom.kind === "number") return js.num(atom.value);
    if (atom.kind === "constant") return { kind: "source", node: atom.node };
    return this.alias.get(atom.id) ?? js.name(this.varName(atom.id));
  }

  private opaque(expr: Opaque): js.Expr {
    const renames = new Map<ts.Symbol | ts.Node, js.Expr>();
    expr.renames.forEach((atom, symbol) => renames.set(symbol, this.value(atom)));
    return { kind: "opaque", node: expr.node, renames };
  }

  // ---- primal sweep ----

  private forward(block: readonly ir.Stmt[]): js.Statement[] {
    const out: js.Statement[] = [];
    for (const s of block) {
      const mark = this.enter(this.sourceOf(s), out);
      switch (s.kind) {
        case "let": {
          const op = s.op;
          let init: js.Expr;
          if (op.kind === "prim" && op.prim === "loggedIndex") {
            out.push(...this.loggedRead(s, op.args));
            break;
          }
          if (op.kind === "prim") {
            init = ruleFor(op.prim).primal(op.args.map((a) => this.value(a)));
            // Markers return their operand: the result is the operand itself, no copy.
            if (init.kind === "name" || init.kind === "num" || init.kind === "source") {
              this.alias.set(s.target, init);
              break;
            }
          } else if (op.kind === "call") {
            const args = op.args.map((a) => this.value(a));
            if (this.callWithPullback(s, op, args, block, out)) break;
            init = js.call(op.derivation ? this.derived(s) : { kind: "source", node: op.calleeRef }, ...args);
          } else {
            init = this.opaque(op.expr);
          }
          // A recomputed iteration may name what the primal aliased (a marker of a counter
          // recomputed as start + step · k): the alias from the primal would be stale.
          this.alias.delete(s.target);
          out.push({ kind: "const", name: this.varName(s.target), init });
          break;
        }
        case "effect":
          out.push({ kind: "effect", expr: this.opaque(s.expr) });
          break;
        case "store":
          // Recomputing an iteration writes nothing (its reads come from the log), except into an
          // array the iteration itself creates (a map's result), which it fills again.
          if (!this.recomputing || this.createdInRecomputed().has(s.array))
            out.push({
              kind: "storeElement",
              array: this.varName(s.array),
              index: this.value(s.index),
              value: this.value(s.value),
            });
          break;
        case "throw":
          out.push({ kind: "throw", expr: this.opaque(s.expr) });
          break;
        case "merge":
          out.push({ kind: "assign", name: this.varName(s.target), value: this.value(s.value) });
          break;
        case "if": {
          for (const m of s.merges) out.push({ kind: "let", name: this.varName(m) });
          let cond = "renames" in s.cond ? this.opaque(s.cond) : this.value(s.cond);
          // The backward sweep branches the same way. A condition that calls a function is
          // evaluated once and kept; any other condition just reads immutable values again.
          if ("renames" in s.cond && containsCall(s.cond.node)) {
            const name = this.namer.fresh("cond");
            out.push({ kind: "const", name, init: cond });
            cond = js.name(name);
          }
          this.conditions.set(s, cond);
          out.push({ kind: "if", cond, then: this.forward(s.then), else: this.forward(s.else) });
          break;
        }
        case "loop":
          out.push(...this.forwardLoop(s));
          break;
      }
      this.leave(mark, out);
    }
    return out;
  }

  /** The source node an IR statement computes: the primitive call, statement or loop it was lowered from. */
  private sourceOf(s: ir.Stmt): ts.Node | undefined {
    switch (s.kind) {
      case "let":
        // A value forward mode adds (a tangent) comes from the whole function: the enclosing statement's node says more.
        return s.node === this.fn.decl ? undefined : s.node;
      case "effect":
      case "throw":
      case "store":
      case "loop":
        return s.node;
      case "if":
        return "renames" in s.cond ? s.cond.node : undefined;
      case "merge":
        return undefined;
    }
  }

  /**
   * Starts the statements made for a source node (none: those of the enclosing one): they
   * and their primitive calls take it as origin when `leave` closes it, unless one of their
   * own (a nested statement's, a contribution's) was set first.
   */
  private enter(node: ts.Node | undefined, out: readonly js.Statement[]): { outer?: ts.Node; start: number } {
    const mark = { outer: this.at, start: out.length };
    if (node) this.at = node;
    return mark;
  }

  private leave(mark: { outer?: ts.Node; start: number }, out: readonly js.Statement[]): void {
    js.locate(out.slice(mark.start), this.at);
    this.at = mark.outer;
  }

  /**
   * x[i] of an array the function writes, inside a loop: the primal reads the array and logs
   * the value at the read counter; an iteration recomputed by the backward sweep, when later
   * writes may have changed the array, reads the log instead.
   */
  private loggedRead(s: ir.Stmt & { kind: "let" }, [array, index, counter, which]: readonly Atom[]): js.Statement[] {
    const name = this.varName(s.target);
    // With no backward sweep to replay the iteration, the read is a read.
    if (this.request.kind === "primal")
      return [{ kind: "const", name, init: { kind: "element", array: this.value(array!), index: this.value(index!) } }];
    // A tangent array's reads (forward mode under a second derivative) have a log of their own, at the same counter.
    const number = which?.kind === "number" ? which.value : 0;
    let log = this.readLogs.get(number);
    if (!log) this.readLogs.set(number, (log = this.namer.fresh(number === 0 ? "readLog" : "tangentReadLog")));
    const at = this.value(counter!);
    if (this.recomputing) return [{ kind: "const", name, init: { kind: "element", array: js.name(log), index: at } }];
    const full = js.binary("===", at, { kind: "member", object: log, name: "length" });
    return [
      { kind: "const", name, init: { kind: "element", array: this.value(array!), index: this.value(index!) } },
      {
        kind: "if",
        cond: full,
        then: [{ kind: "assign", name: log, value: js.rt("growTape", js.name(log)) }],
        else: [],
        tapeOf: log,
      },
      { kind: "storeElement", array: log, index: at, value: js.name(name), tapeOf: log },
    ];
  }

  // ---- adjoint sweep ----

  private backward(block: readonly ir.Stmt[], out: js.Statement[]): void {
    // An array the block creates is read only after its creation, in this block (an early
    // return copies what follows into each branch): its gradient is allocated where the
    // block's sweep starts, on the paths where the array exists.
    for (const s of block) {
      if (s.kind === "let" && this.fn.localArrays.has(s.target) && this.isActive(s.target)) {
        const mark = this.enter(this.sourceOf(s), out);
        this.allocateArrayAdjoint(s.target, out);
        this.leave(mark, out);
      }
    }
    for (let k = block.length - 1; k >= 0; k--) {
      const s = block[k]!;
      const mark = this.enter(this.sourceOf(s), out);
      if (s.kind === "let" && this.isActive(s.target) && this.fn.localArrays.has(s.target)) {
        // The array's gradient, allocated first, holds every contribution by now.
        if (s.op.kind === "prim") this.propagate(s, js.name(this.arrayAdjoint(s.target)), block, out);
      } else if (s.kind === "store") {
        if (this.isActive(s.array)) this.backwardStore(s, block, out);
      } else if (s.kind === "let" && this.isActive(s.target)) {
        const g = this.finalize(s.target, out);
        if (!(g.kind === "num" && g.value === 0)) this.propagate(s, g, block, out);
      } else if (s.kind === "merge") {
        if (this.isActive(s.target) && s.value.kind === "var" && this.isActive(s.value.id)) {
          this.contribute(s.value.id, this.finalized.get(s.target)!, block);
        }
      } else if (s.kind === "loop") {
        this.backwardLoop(s, block, out);
      } else if (s.kind === "if") {
        for (const m of s.merges) if (this.isActive(m)) this.finalize(m, out, true);
        for (const v of this.contributedInside(s)) this.declare(v, out);
        const thenOut = this.branch(s.then);
        const elseOut = this.branch(s.else);
        const cond = this.conditions.get(s)!;
        // Clean-up drops the `if` if both branches are empty and negates it if only `then` is.
        out.push({ kind: "if", cond, then: thenOut, else: elseOut });
      }
      this.leave(mark, out);
    }
  }

  /**
   * a[i] = v backwards: v's adjoint is what a[i] had gathered since, and the element's
   * adjoint starts again from 0 for the value the store overwrote.
   */
  private backwardStore(s: ir.Stmt & { kind: "store" }, block: readonly ir.Stmt[], out: js.Statement[]): void {
    const da = this.arrayAdjoint(s.array);
    const index = this.value(s.index);
    if (s.value.kind === "var" && this.isActive(s.value.id)) {
      const name = this.namer.adjoint(this.varName(s.value.id));
      out.push({ kind: "const", name, init: { kind: "element", array: js.name(da), index } });
      this.contribute(s.value.id, js.name(name), block);
    }
    out.push({ kind: "storeElement", array: da, index, value: js.num(0) });
  }

  /** Whether the backward sweep has anything to do in a loop. */
  private loopIsActive(s: ir.Stmt & { kind: "loop" }): boolean {
    let active = s.carried.some((c) => this.isActive(c.var));
    forEachStmt(
      s.body,
      (x) =>
        (active ||=
          ((x.kind === "let" || x.kind === "merge") && this.isActive(x.target)) ||
          (x.kind === "store" && this.isActive(x.array))),
    );
    return active;
  }

  /**
   * The primal loop. When the backward sweep needs it, each carried variable's value at
   * the start of every iteration goes on a tape (counters excepted: they are recomputed);
   * the backward sweep restores them in reverse and recomputes the iteration's other values
   * from them. Reads of arrays the function writes also go to the read log (loggedRead).
   */
  private forwardLoop(s: ir.Stmt & { kind: "loop" }): js.Statement[] {
    const out: js.Statement[] = s.carried.map((c) => ({
      kind: "let",
      name: this.varName(c.var),
      init: this.value(c.init),
    }));
    const outer = this.primalLoop;
    const loop: PrimalLoop = { stmt: s, declarations: [] };
    this.primalLoop = loop;
    const body = this.forward(s.body);
    this.primalLoop = outer;
    out.push(...loop.declarations);
    if (this.loopIsActive(s) && s.carried.length > 0) {
      // One trip counter, and a tape per carried variable written at index trips: numbers in
      // a Float64Array doubled when full, tensors in an array.
      const trips = loop.trips ?? this.namer.fresh("trips");
      this.loopTrips.set(s, trips);
      out.push({ kind: "let", name: trips, init: js.num(0) });
      const record = s.carried.flatMap((c): js.Statement[] => {
        // A counter (from an integer, by an integer step) is recomputed from the trip count, not taped.
        if (c.counterStep !== undefined) {
          this.inductions.set(c.var, c.counterStep);
          return [];
        }
        const tape = this.namer.fresh(`${this.varName(c.var)}Tape`);
        this.tapes.set(c.var, tape);
        const store: js.Statement = {
          kind: "storeElement",
          array: tape,
          index: js.name(trips),
          value: js.name(this.varName(c.var)),
          tapeOf: tape,
        };
        if (this.isTensor(c.var)) {
          out.push({ kind: "let", name: tape, init: { kind: "array", elements: [] } });
          return [store];
        }
        out.push({ kind: "let", name: tape, init: js.rt("numberTape") });
        const full = js.binary("===", js.name(trips), { kind: "member", object: tape, name: "length" });
        const grow: js.Statement = {
          kind: "if",
          cond: full,
          then: [{ kind: "assign", name: tape, value: js.rt("growTape", js.name(tape)) }],
          else: [],
          tapeOf: tape,
        };
        return [grow, store];
      });
      body.unshift(...record);
      body.push(...this.carriedUpdate(s), { kind: "assign", name: trips, value: js.add(js.name(trips), js.num(1)) });
    } else {
      body.push(...this.carriedUpdate(s));
    }
    const cond =
      "renames" in s.cond
        ? this.opaque(s.cond)
        : js.binary(
            "<",
            this.value({ kind: "var", id: s.cond.index }),
            "count" in s.cond ? this.value(s.cond.count) : { kind: "length", array: this.value(s.cond.array) },
          );
    const guarded: js.Expr = s.guard === undefined ? cond : js.binary("&&", js.name(this.varName(s.guard)), cond);
    out.push({ kind: "while", cond: guarded, body, testAfter: s.testAfter });
    return out;
  }

  /** The variables defined inside the loop body being recomputed, at any depth, computed once per body. */
  private createdInRecomputed(): ReadonlySet<VarId> {
    const body = this.recomputedBody;
    if (!body) return new Set();
    let found = this.definedInside.get(body);
    if (!found) {
      const ids = new Set<VarId>();
      forEachStmt(body, (x) => x.kind === "let" && ids.add(x.target));
      this.definedInside.set(body, (found = ids));
    }
    return found;
  }

  /**
   * A call the backward sweep follows in the same block (the top of the body, or a recomputed
   * iteration of a loop) or that a loop's primal runs: the callee's forward gives the value and
   * its pullback, which the sweep calls instead of a vjp that would run the forward again; in a
   * loop's primal both go on tapes, which the recomputed iteration reads. False for a call
   * emitted as written.
   */
  private callWithPullback(
    s: ir.Stmt & { kind: "let" },
    op: ir.Op & { kind: "call" },
    args: readonly js.Expr[],
    block: readonly ir.Stmt[],
    out: js.Statement[],
  ): boolean {
    const active = op.args.flatMap((a, i) => (a.kind === "var" && this.isActive(a.id) ? [i] : []));
    const once = this.recomputing ? block === this.recomputedBody : block === this.fn.body;
    const loop = this.primalLoop;
    const taping =
      loop !== undefined && block === loop.stmt.body && this.loopIsActive(loop.stmt) && loop.stmt.carried.length > 0;
    if (!(once || taping) || !this.isActive(s.target) || active.length === 0) return false;
    // A temporary takes the callee's name: const [huberValue, huberBack] = huber_forward(r, 1).
    // A derivative called by a name of its own (ddu(t, p) for const ddu = grad(grad(u))) takes that name.
    const called =
      ts.isCallExpression(s.node) && ts.isIdentifier(s.node.expression) ? s.node.expression.text : undefined;
    const callee = (op.derivation && called) || (functionName(op.callee) ?? "call");
    const named = !this.fn.temps.has(s.target);
    const valueName = named ? this.varName(s.target) : this.namer.fresh(`${callee}Value`);
    const back = this.namer.fresh(`${named ? this.varName(s.target) : callee}Back`);
    this.backs.set(s.target, back);
    if (named) this.alias.delete(s.target);
    else this.alias.set(s.target, js.name(valueName));
    const taped = this.recomputing && block === this.recomputedBody ? this.callTapes.get(s.target) : undefined;
    if (taped) {
      const at = js.name(this.recomputedTrip!);
      out.push(
        { kind: "const", name: valueName, init: { kind: "element", array: js.name(taped.value), index: at } },
        { kind: "const", name: back, init: { kind: "element", array: js.name(taped.back), index: at } },
      );
      return true;
    }
    out.push({ kind: "destructure", names: [valueName, back], init: js.call(this.pullback(s, active, true), ...args) });
    if (taping) {
      const trips = (loop.trips ??= this.namer.fresh("trips"));
      const tapes = { value: this.namer.fresh(`${valueName}Tape`), back: this.namer.fresh(`${back}Tape`) };
      this.callTapes.set(s.target, tapes);
      for (const [tape, name] of [
        [tapes.value, valueName],
        [tapes.back, back],
      ] as const) {
        loop.declarations.push({ kind: "let", name: tape, init: { kind: "array", elements: [] } });
        out.push({ kind: "storeElement", array: tape, index: js.name(trips), value: js.name(name), tapeOf: tape });
      }
    }
    return true;
  }

  /** carried = next, for every carried variable at once (a swap stays a swap). */
  private carriedUpdate(s: ir.Stmt & { kind: "loop" }): js.Statement[] {
    const carried = new Set(s.carried.map((c) => c.var));
    const pre: js.Statement[] = [];
    const assign: js.Statement[] = [];
    for (const c of s.carried) {
      let next = this.value(c.next);
      if (c.next.kind === "var" && c.next.id === c.var) continue;
      if (c.next.kind === "var" && carried.has(c.next.id)) {
        const name = this.namer.fresh(`${this.varName(c.var)}Next`);
        pre.push({ kind: "const", name, init: next });
        next = js.name(name);
      }
      // The carried variable takes its next value where the source assigns it, not where the loop starts.
      const origin = c.next.kind === "var" ? this.definedAt.get(c.next.id) : undefined;
      assign.push({ kind: "assign", name: this.varName(c.var), value: next, ...(origin && { origin }) });
    }
    return [...pre, ...assign];
  }

  /**
   * The loop backwards: pop each iteration's carried values, recompute the iteration, pass
   * each carried variable's adjoint to its end-of-iteration value, and sweep the body
   * backwards, which gives the carried adjoints for the iteration before.
   */
  private backwardLoop(s: ir.Stmt & { kind: "loop" }, block: readonly ir.Stmt[], out: js.Statement[]): void {
    if (!this.loopIsActive(s)) return;
    // With nothing carried there is no trip count to replay (do { a[0] = x } while (false)).
    if (s.carried.length === 0)
      throw new AdjointError(
        "ADJ202",
        s.node,
        "A loop that reassigns no variable cannot be replayed backwards; give it a counter.",
      );
    for (const v of this.contributedInside(s)) this.declare(v, out);
    const active = s.carried.filter((c) => this.isActive(c.var));
    // A carried adjoint must hold every contribution from after the loop before the
    // backward loop starts: declare it, or flush what is pending into it.
    for (const c of active) {
      const st = this.state(c.var);
      if (!st.name) this.declare(c.var, out);
      else if (st.pending.length > 0) {
        out.push(this.accumulate(c.var, st.pending));
        st.pending = [];
      }
    }
    // Each iteration's carried values come back under names of their own, so the carried
    // variables keep their final values for everything the sweep does after this loop.
    const saved = new Map(s.carried.map((c) => [c.var, this.alias.get(c.var)] as const));
    const k = this.namer.fresh("trip");
    const body: js.Statement[] = [{ kind: "assign", name: k, value: js.sub(js.name(k), js.num(1)) }];
    for (const c of s.carried) {
      const step = this.inductions.get(c.var);
      if (step !== undefined) {
        this.alias.set(
          c.var,
          step === 0 ? this.value(c.init) : js.add(this.value(c.init), js.mul(js.num(step), js.name(k))),
        );
        continue;
      }
      const name = this.namer.fresh(`${this.varName(c.var)}Then`);
      body.push({
        kind: "const",
        name,
        init: { kind: "element", array: js.name(this.tapes.get(c.var)!), index: js.name(k) },
      });
      this.alias.set(c.var, js.name(name));
    }
    const [recomputing, recomputedBody, recomputedTrip] = [this.recomputing, this.recomputedBody, this.recomputedTrip];
    this.recomputing = true;
    this.recomputedBody = s.body;
    this.recomputedTrip = k;
    body.push(...this.forward(s.body));
    [this.recomputing, this.recomputedBody, this.recomputedTrip] = [recomputing, recomputedBody, recomputedTrip];
    const outer = this.deferred;
    this.deferred = new Map();
    for (const c of active) {
      const name = this.state(c.var).name!;
      const carriedIn = this.namer.fresh(`${name}Next`);
      body.push({ kind: "const", name: carriedIn, init: js.name(name) }, { kind: "assign", name, value: js.num(0) });
      if (c.next.kind === "var" && this.isActive(c.next.id)) this.contribute(c.next.id, js.name(carriedIn), s.body);
    }
    this.backward(s.body, body);
    this.deferred.forEach((terms, id) => body.push(this.accumulate(id, terms)));
    this.deferred = outer;
    out.push({ kind: "let", name: k, init: js.name(this.loopTrips.get(s)!) });
    out.push({ kind: "while", cond: js.binary(">", js.name(k), js.num(0)), body, testAfter: false });
    saved.forEach((alias, id) => (alias ? this.alias.set(id, alias) : this.alias.delete(id)));
    for (const c of active) {
      if (c.init.kind === "var" && this.isActive(c.init.id))
        this.contribute(c.init.id, js.name(this.state(c.var).name!), block);
    }
  }

  /** The adjoint sweep of one branch, with its contributions to outer accumulators summed at the end. */
  private branch(block: readonly ir.Stmt[]): js.Statement[] {
    const outer = this.deferred;
    this.deferred = new Map();
    const out: js.Statement[] = [];
    this.backward(block, out);
    this.deferred.forEach((terms, id) => out.push(this.accumulate(id, terms)));
    this.deferred = outer;
    return out;
  }

  /** Contributions of the adjoint `g` of a definition to the adjoints of its operands. */
  private propagate(s: ir.Stmt & { kind: "let" }, g: js.Expr, block: readonly ir.Stmt[], out: js.Statement[]): void {
    const op = s.op;
    if (op.kind === "prim") {
      const rule = ruleFor(op.prim);
      const args = op.args.map((a) => this.value(a));
      const y = this.value({ kind: "var", id: s.target });
      const tensor = this.isTensor(s.target);
      const hasResultShape = (i: number): boolean => this.shapes.sameShape(op.args[i]!, s.target);
      const active = (a: Atom, i: number): a is Atom & { kind: "var" } =>
        a.kind === "var" && this.isActive(a.id) && isDifferentiableOperand(rule, i);
      if (rule.treeRead) {
        // layers[i].w: g goes into the collection's gradient at the same index and keys.
        const collection = op.args[1]!;
        if (active(collection, 1)) {
          const [, , index, ...keys] = args;
          out.push(this.addIntoCollection(collection.id, index!, keys, g));
        }
        return;
      }
      if (rule.scatterIndex !== undefined) {
        const array = op.args[0]!;
        if (active(array, 0)) {
          const index = args[rule.scatterIndex]!;
          const da = this.arrayAdjoint(array.id);
          const value = operandAdjoint(rule, 0)!({ g, args, y, tensor, hasResultShape });
          // An array of tensors holds tensor adjoints (0 until the first): da[i] = add(da[i], g).
          const element: js.Expr = { kind: "element", array: js.name(da), index };
          out.push(
            this.fn.tensorArrays.has(array.id)
              ? { kind: "storeElement", array: da, index, value: js.rt("add", element, value) }
              : { kind: "accumulateElement", array: da, index, value },
          );
        }
        return;
      }
      if (rule.adjointAll) {
        const names = op.args
          .slice(1)
          .map((a, k) => (active(a, k + 1) ? this.namer.adjoint(this.varName(a.id)) : undefined));
        out.push({ kind: "destructure", names, init: rule.adjointAll({ g, args, y, tensor, hasResultShape }) });
        op.args.slice(1).forEach((a, k) => active(a, k + 1) && this.contribute(a.id, js.name(names[k]!), block));
        return;
      }
      op.args.forEach((a, i) => {
        const adjoint = operandAdjoint(rule, i);
        if (adjoint && a.kind === "var" && this.isActive(a.id)) {
          this.contribute(a.id, adjoint({ g, args, y, tensor, hasResultShape }), block);
        }
      });
    } else if (op.kind === "call") {
      const active = op.args.flatMap((a, i) => (a.kind === "var" && this.isActive(a.id) ? [i] : []));
      if (active.length === 0) return;
      const incomplete = active.find((i) => this.fn.incompleteStructures.has((op.args[i] as { id: VarId }).id));
      if (incomplete !== undefined) {
        throw new AdjointError(
          "ADJ214",
          (s.node as ts.CallExpression).arguments?.[incomplete] ?? s.node,
          "A structure passed to a function must have every field listed by its type (no optional fields, arrays of structures or index signatures); pass the fields the function needs instead.",
        );
      }
      // The seed goes after every parameter: omitted optional arguments are passed as undefined.
      const args = op.args.map((a) => this.value(a));
      while (args.length < op.callee.parameters.length) args.push(js.name("undefined"));
      const back = this.backs.get(s.target);
      const call = back ? js.call(js.name(back), g) : js.call(this.pullback(s, active), ...args, g);
      const ids = active.map((i) => (op.args[i] as { id: VarId }).id);
      // An array argument's gradient comes back as an array of its own, added into the caller's in place;
      // a structure's as a structure, each of whose fields goes to the caller's field.
      const contribute = (id: VarId, e: js.Expr): void => {
        if (this.fn.structures.has(id)) return this.contributeFields(id, e, block, out);
        const view = this.fn.views.get(id);
        if (view) {
          const keys = view.keys.map((k) => this.value(k));
          return void out.push(this.addIntoCollection(view.collection, this.value(view.index), keys, e));
        }
        if (this.fn.collections.has(id))
          return void out.push({ kind: "effect", expr: js.rt("addTreeInto", js.name(this.arrayAdjoint(id)), e) });
        if (this.fn.vars[id]!.kind !== "array") this.contribute(id, e, block);
        else out.push({ kind: "effect", expr: js.rt("addIntoArray", js.name(this.arrayAdjoint(id)), e) });
      };
      if (ids.length === 1) return contribute(ids[0]!, call);
      const names = ids.map((id) => this.namer.adjoint(this.varName(id)));
      out.push({ kind: "destructure", names, init: call });
      ids.forEach((id, k) => contribute(id, js.name(names[k]!)));
    }
  }

  /** A structure's gradient `e` (a callee's, in the structure's shape) added into the caller's fields of it. */
  private contributeFields(id: VarId, e: js.Expr, block: readonly ir.Stmt[], out: js.Statement[]): void {
    let tree = e;
    if (tree.kind !== "name") {
      const name = this.namer.adjoint(this.varName(id));
      out.push({ kind: "const", name, init: tree });
      tree = js.name(name);
    }
    for (const { leaf, keys } of leavesUnder(this.fn, id)) {
      if (!this.isActive(leaf.id)) continue;
      const part = keys.reduce<js.Expr>(
        (object, key) =>
          typeof key === "number"
            ? { kind: "element", array: object, index: js.num(key) }
            : { kind: "property", object, name: key },
        tree,
      );
      if (this.fn.vars[leaf.id]!.kind === "array")
        out.push({ kind: "effect", expr: js.rt("addIntoArray", js.name(this.arrayAdjoint(leaf.id)), part) });
      else if (this.fn.collections.has(leaf.id))
        out.push({ kind: "effect", expr: js.rt("addTreeInto", js.name(this.arrayAdjoint(leaf.id)), part) });
      else this.contribute(leaf.id, part, block);
    }
  }

  /** `adjoint.addInto(dLayers[i], "w", g)`: g added into a collection's gradient at an element (and keys inside it). */
  private addIntoCollection(collection: VarId, index: js.Expr, keys: readonly js.Expr[], g: js.Expr): js.Statement {
    const gradient = js.name(this.arrayAdjoint(collection));
    if (keys.length === 0) return { kind: "effect", expr: js.rt("addInto", gradient, index, g) };
    const container = keys.slice(0, -1).reduce(access, { kind: "element", array: gradient, index } as js.Expr);
    return { kind: "effect", expr: js.rt("addInto", container, keys.at(-1)!, g) };
  }

  private state(id: VarId): AdjointState {
    let st = this.adjoints.get(id);
    if (!st) this.adjoints.set(id, (st = { pending: [] }));
    return st;
  }

  private contribute(id: VarId, e: js.Expr, block: readonly ir.Stmt[]): void {
    if (e.kind === "num" && e.value === 0) return;
    // The adjoint of the primitive being swept: it maps there, wherever the sum it joins is made.
    js.locateExpr(e, this.at);
    if (this.at) this.contributedAt.set(e, this.at);
    if (this.fn.vars[id]!.kind === "array") {
      throw new AdjointError(
        "ADJ203",
        this.fn.decl,
        "An array's gradient flows only through reading its elements (or passing it to a function that does); use it that way.",
      );
    }
    const st = this.state(id);
    if (this.defBlock.get(id) === block) st.pending.push(e);
    else if (st.name) this.deferred.set(id, [...(this.deferred.get(id) ?? []), e]);
    else throw new Error(`adjoint internal error: adjoint of ${this.varName(id)} used before it was declared`);
  }

  /** Declares a mutable accumulator before a branch that adds to it. */
  private declare(id: VarId, out: js.Statement[]): void {
    const st = this.state(id);
    if (st.name) return;
    st.name = this.namer.adjoint(this.varName(id));
    out.push(this.located({ kind: "let", name: st.name, init: this.total(id, st.pending) }, st.pending));
    st.pending = [];
  }

  /** The adjoint of a variable, complete once the sweep reaches its definition. */
  private finalize(id: VarId, out: js.Statement[], mustName = false): js.Expr {
    const st = this.state(id);
    let result: js.Expr;
    if (st.name) {
      if (st.pending.length > 0) out.push(this.accumulate(id, st.pending));
      result = js.name(st.name);
    } else {
      const total = this.total(id, st.pending);
      if (js.isTrivial(total) && !(mustName && total.kind === "neg")) {
        result = total;
      } else {
        const name = this.namer.adjoint(this.varName(id));
        out.push(this.located({ kind: "const", name, init: total }, st.pending));
        // Adjoints of intermediates may fold into their one use; a parameter's gradient keeps its name.
        if (!this.fn.params.some((p) => p.id === id)) this.intermediateAdjoints.add(name);
        result = js.name(name);
      }
    }
    st.pending = [];
    this.finalized.set(id, result);
    return result;
  }

  /** Variables defined outside an `if` whose adjoints receive contributions inside it. */
  private contributedInside(s: ir.Stmt & { kind: "if" | "loop" }): VarId[] {
    const inside = new Set<readonly ir.Stmt[]>();
    const blocks = (b: readonly ir.Stmt[]): void => {
      inside.add(b);
      b.forEach((x) =>
        x.kind === "if" ? (blocks(x.then), blocks(x.else)) : x.kind === "loop" ? blocks(x.body) : undefined,
      );
    };
    const children = s.kind === "if" ? [...s.then, ...s.else] : s.body;
    if (s.kind === "if") (blocks(s.then), blocks(s.else));
    else blocks(s.body);
    const found = new Set<VarId>();
    const add = (id: VarId): void => {
      if (this.isActive(id) && !inside.has(this.defBlock.get(id)!)) found.add(id);
    };
    // A loop passes each carried adjoint to its next value inside its body, even when that
    // value is defined before the loop (s = c, with c loop-invariant).
    const nexts = (x: ir.Stmt & { kind: "loop" }): void =>
      x.carried.forEach((c) => this.isActive(c.var) && c.next.kind === "var" && add(c.next.id));
    if (s.kind === "loop") nexts(s);
    forEachStmt(children, (x) => {
      if (x.kind === "merge" && this.isActive(x.target) && x.value.kind === "var") add(x.value.id);
      if (x.kind === "store" && this.isActive(x.array) && x.value.kind === "var") add(x.value.id);
      if (x.kind === "loop") x.carried.forEach((c) => this.isActive(c.var) && c.init.kind === "var" && add(c.init.id));
      if (x.kind === "loop") nexts(x);
      if (x.kind === "let" && this.isActive(x.target) && x.op.kind !== "opaque") {
        const rule = x.op.kind === "prim" ? ruleFor(x.op.prim) : undefined;
        x.op.args.forEach((a, i) => a.kind === "var" && (!rule || isDifferentiableOperand(rule, i)) && add(a.id));
        // A structure passed to a call: its fields take the gradient.
        for (const a of x.op.args) {
          if (a.kind === "var" && this.fn.structures.has(a.id))
            leavesUnder(this.fn, a.id).forEach((l) => add(l.leaf.id));
        }
      }
    });
    return [...found].sort((a, b) => a - b);
  }

  /**
   * Names that may be inlined into their single use: temporaries of A-normal form, and the
   * adjoints of intermediates (each read only after every contribution to it was made).
   */
  private inlinableNames(): Set<string> {
    return new Set([...[...this.fn.temps].map((id) => this.varName(id)), ...this.intermediateAdjoints]);
  }
}

/** The names a pullback's body uses from outside it (the function's primal values), read or, should it ever, written. */
function freeNames(body: readonly js.Statement[], param: string): string[] {
  const declared = new Set<string>([param]);
  const used = new Set<string>(assignedNames(body));
  forEachStatement(body, (s) => {
    declaredNames(s).forEach((n) => declared.add(n));
    namesRead(s).forEach((n) => used.add(n));
  });
  return [...used].filter((n) => !declared.has(n));
}
