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
import * as js from "./js";
import type * as ir from "./ir";
import type { Atom, Carried, LoweredFunction, Opaque, VarId } from "./ir";
import { forEachStmt } from "./ir";
import type { Namer } from "./naming";
import { isDifferentiableOperand, operandAdjoint, ruleFor } from "./rules";
import { ShapeFacts, type CallShapes } from "./analysis/shapes";
import { containsCall, type DifferentiationKind } from "./sites";

export interface AdjointRequest {
  readonly kind: DifferentiationKind;
  /** Parameter indices, in the order of the result. */
  readonly wrt: readonly number[];
  /** Whether the gradient is returned as a tuple (an array `wrt`). */
  readonly tuple: boolean;
}

/** Resolves the generated vjp of a callee for the given active argument positions. */
export type PullbackResolver = (stmt: ir.Stmt & { kind: "let" }, activeArgs: readonly number[]) => js.Expr;

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
): AdjointBody {
  return new Reverse(fn, activity, request, pullback, fn.namer.clone(), callShapes).build();
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
  /** The log of local-array reads inside loops (see loggedIndex), named when first needed. */
  private readLog?: string;
  /** The trip counter of each loop, as last emitted by the primal sweep. */
  private readonly loopTrips = new Map<ir.Stmt, string>();
  /** Which values certainly share a shape, so that their adjoints need no reduction. */
  private readonly shapes: ShapeFacts;

  constructor(
    private readonly fn: LoweredFunction,
    private readonly activity: Activity,
    private readonly request: AdjointRequest,
    private readonly pullback: PullbackResolver,
    private readonly namer: Namer,
    callShapes: CallShapes,
  ) {
    this.shapes = new ShapeFacts(fn, callShapes);
  }

  build(): AdjointBody {
    const { fn, request } = this;
    this.recordBlocks(fn.body);
    for (const p of fn.params) this.defBlock.set(p.id, fn.body);

    const body = this.forward(fn.body);
    if (this.readLog) body.unshift({ kind: "let", name: this.readLog, init: js.rt("numberTape") });
    const seedName = request.kind === "vjp" ? this.namer.fresh("seed") : undefined;
    const extraParams = seedName ? [seedName] : [];
    const value = this.value(fn.result);

    const backward: js.Statement[] = [];
    // Array parameters' gradients are allocated first and added into in place.
    for (const p of fn.params) {
      if (this.fn.vars[p.id]!.kind === "array" && this.isActive(p.id)) this.allocateArrayAdjoint(p.id, backward);
    }
    if (fn.result.kind === "var" && this.isActive(fn.result.id)) {
      this.contribute(fn.result.id, seedName ? js.name(seedName) : js.num(1), fn.body);
    }
    this.backward(fn.body, backward);
    const grads = request.wrt.map((i) => {
      const p = fn.params[i]!;
      if (this.fn.vars[p.id]!.kind === "array") {
        return this.isActive(p.id)
          ? js.name(this.state(p.id).name!)
          : js.rt("zerosLikeArray", js.name(this.varName(p.id)));
      }
      const g = this.isActive(p.id) ? this.finalize(p.id, backward) : js.num(0);
      // A tensor parameter's gradient gets the parameter's exact shape and dtype (a zero
      // gradient included); inside the sweep adjoints may stay smaller and broadcast.
      return this.isTensor(p.id) ? js.rt("fitGradient", g, this.value({ kind: "var", id: p.id })) : g;
    });
    body.push(...backward);

    const gradient = request.tuple ? ({ kind: "array", elements: grads } as const) : grads[0]!;
    const returned: js.Expr =
      request.kind === "valueAndGrad"
        ? {
            kind: "object",
            fields: [
              ["value", value],
              ["grad", gradient],
            ],
          }
        : gradient;
    body.push({ kind: "return", value: returned });
    // Dropping a tape can leave the primal values only it read dead: simplify again after it.
    const inlinable = this.inlinableNames();
    return { body: hoistBranchValues(simplify(dropUnusedTapes(simplify(body, inlinable)), inlinable)), extraParams };
  }

  private isTensor(id: VarId): boolean {
    return this.fn.vars[id]!.kind === "tensor";
  }

  /** The sum of adjoint contributions: `+` for numbers, the runtime's add for tensors. */
  private total(id: VarId, terms: readonly js.Expr[]): js.Expr {
    return this.isTensor(id) ? terms.reduce((acc, t) => js.rt("add", acc, t), js.num(0)) : js.sum(terms);
  }

  /** `dx += terms` for a number; `dx = add(dx, terms)` for a tensor, whose values are never written in place. */
  private accumulate(id: VarId, terms: readonly js.Expr[]): js.Statement {
    const name = this.state(id).name!;
    if (!this.isTensor(id)) return { kind: "accumulate", name, value: js.sum(terms) };
    return { kind: "assign", name, value: js.rt("add", js.name(name), this.total(id, terms)) };
  }

  private allocateArrayAdjoint(id: VarId, out: js.Statement[]): void {
    const name = this.namer.adjoint(this.varName(id));
    this.state(id).name = name;
    out.push({ kind: "const", name, init: js.rt("zerosLikeArray", js.name(this.varName(id))) });
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
      if (s.kind === "let") this.defBlock.set(s.target, block);
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
    const renames = new Map<ts.Symbol, js.Expr>();
    expr.renames.forEach((atom, symbol) => renames.set(symbol, this.value(atom)));
    return { kind: "opaque", node: expr.node, renames };
  }

  // ---- primal sweep ----

  private forward(block: readonly ir.Stmt[]): js.Statement[] {
    const out: js.Statement[] = [];
    for (const s of block) {
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
            init = js.call({ kind: "source", node: op.calleeRef }, ...op.args.map((a) => this.value(a)));
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
          // Recomputing an iteration writes nothing: its reads come from the log.
          if (!this.recomputing)
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
    }
    return out;
  }

  /**
   * x[i] of an array the function writes, inside a loop: the primal reads the array and logs
   * the value at the read counter; an iteration recomputed by the backward sweep, when later
   * writes may have changed the array, reads the log instead.
   */
  private loggedRead(s: ir.Stmt & { kind: "let" }, [array, index, counter]: readonly Atom[]): js.Statement[] {
    const log = (this.readLog ??= this.namer.fresh("readLog"));
    const name = this.varName(s.target);
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
      if (s.kind === "let" && this.fn.localArrays.has(s.target) && this.isActive(s.target))
        this.allocateArrayAdjoint(s.target, out);
    }
    for (let k = block.length - 1; k >= 0; k--) {
      const s = block[k]!;
      if (s.kind === "let" && this.isActive(s.target) && this.fn.localArrays.has(s.target)) {
        // The array's gradient, allocated first, holds every contribution by now.
        if (s.op.kind === "prim") this.propagate(s, js.name(this.arrayAdjoint(s.target)), block, out);
      } else if (s.kind === "store") {
        if (this.isActive(s.array)) this.backwardStore(s, block, out);
      } else if (s.kind === "let" && this.isActive(s.target)) {
        const g = this.finalize(s.target, out);
        if (g.kind === "num" && g.value === 0) continue;
        this.propagate(s, g, block, out);
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
    const body = this.forward(s.body);
    if (this.loopIsActive(s) && s.carried.length > 0) {
      // One trip counter, and a tape per carried variable written at index trips: numbers in
      // a Float64Array doubled when full, tensors in an array.
      const trips = this.namer.fresh("trips");
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
        : js.binary("<", this.value({ kind: "var", id: s.cond.index }), {
            kind: "length",
            array: this.value(s.cond.array),
          });
    const guarded: js.Expr = s.guard === undefined ? cond : js.binary("&&", js.name(this.varName(s.guard)), cond);
    out.push({ kind: "while", cond: guarded, body, testAfter: s.testAfter });
    return out;
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
      assign.push({ kind: "assign", name: this.varName(c.var), value: next });
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
    const recomputing = this.recomputing;
    this.recomputing = true;
    body.push(...this.forward(s.body));
    this.recomputing = recomputing;
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
      if (rule.scatterIndex !== undefined) {
        const array = op.args[0]!;
        if (active(array, 0)) {
          const index = args[rule.scatterIndex]!;
          out.push({
            kind: "accumulateElement",
            array: this.arrayAdjoint(array.id),
            index,
            value: operandAdjoint(rule, 0)!({ g, args, y, tensor, hasResultShape }),
          });
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
      // The seed goes after every parameter: omitted optional arguments are passed as undefined.
      const args = op.args.map((a) => this.value(a));
      while (args.length < op.callee.parameters.length) args.push(js.name("undefined"));
      const call = js.call(this.pullback(s, active), ...args, g);
      const ids = active.map((i) => (op.args[i] as { id: VarId }).id);
      // An array argument's gradient comes back as an array of its own, added into the caller's in place.
      const contribute = (id: VarId, e: js.Expr): void => {
        if (this.fn.vars[id]!.kind !== "array") this.contribute(id, e, block);
        else out.push({ kind: "effect", expr: js.rt("addIntoArray", js.name(this.arrayAdjoint(id)), e) });
      };
      if (ids.length === 1) return contribute(ids[0]!, call);
      const names = ids.map((id) => this.namer.adjoint(this.varName(id)));
      out.push({ kind: "destructure", names, init: call });
      ids.forEach((id, k) => contribute(id, js.name(names[k]!)));
    }
  }

  private state(id: VarId): AdjointState {
    let st = this.adjoints.get(id);
    if (!st) this.adjoints.set(id, (st = { pending: [] }));
    return st;
  }

  private contribute(id: VarId, e: js.Expr, block: readonly ir.Stmt[]): void {
    if (e.kind === "num" && e.value === 0) return;
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
    out.push({ kind: "let", name: st.name, init: this.total(id, st.pending) });
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
        out.push({ kind: "const", name, init: total });
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

// ---- clean-up ----

/**
 * Removes primal values nothing reads, then inlines temporaries of A-normal form that
 * are read exactly once, later in the same block, so `const z = x * y + Math.sin(x)` comes
 * back as written when the backward sweep needs neither product nor sine.
 */
export function simplify(body: js.Statement[], inlinable: ReadonlySet<string>): js.Statement[] {
  let current = body;
  for (let changed = true; changed;) {
    changed = false;
    const reads = countReads(current);
    const pruned = removeDead(current, reads);
    if (pruned.changed) {
      current = pruned.body;
      changed = true;
      continue;
    }
    const unshuffled = inlineLiteralVariables(dropIdentityShuffles(current));
    const withoutDeadUpdates = dropDeadUpdates(unshuffled);
    if (withoutDeadUpdates !== current) {
      current = withoutDeadUpdates;
      changed = true;
      continue;
    }
    const inlined = inlineOnce(current, reads, inlinable);
    if (inlined !== current) {
      current = inlined;
      changed = true;
    }
  }
  return current;
}

/**
 * Variables nothing needed reads, found by marking from what the function must do (its
 * return value, effects, conditions) through every assignment: a running sum the gradient
 * does not need goes with all its updates, and so does a pair of merge variables feeding
 * each other around a loop. Names are matched by name; a loop body recomputed by the
 * backward sweep reuses its names, which only makes more of them live, never fewer.
 */
function dropDeadUpdates(body: js.Statement[]): js.Statement[] {
  const deps = new Map<string, Set<string>>();
  const live = new Set<string>();
  const work: string[] = [];
  const mark = (names: Iterable<string>): void => {
    for (const n of names) if (!live.has(n)) (live.add(n), work.push(n));
  };
  const depend = (target: string, exprs: readonly js.Expr[]): void => {
    let set = deps.get(target);
    if (!set) deps.set(target, (set = new Set()));
    for (const e of exprs) for (const n of js.namesIn(e)) set.add(n);
  };
  const scan = (list: readonly js.Statement[]): void =>
    list.forEach((x) => {
      switch (x.kind) {
        case "const":
        case "let":
        case "assign":
        case "accumulate": {
          const value = "value" in x ? x.value : x.init;
          if (value && !isPure(value)) mark([x.name, ...js.namesIn(value)]);
          depend(x.name, value ? [value] : []);
          break;
        }
        case "destructure":
          if (!isPure(x.init)) mark(js.namesIn(x.init));
          x.names.forEach((n) => n && depend(n, [x.init]));
          break;
        case "storeElement":
        case "accumulateElement":
          depend(x.array, [x.index, x.value]);
          break;
        case "if":
          mark(js.namesIn(x.cond));
          scan(x.then);
          scan(x.else);
          break;
        case "while":
          mark(js.namesIn(x.cond));
          scan(x.body);
          break;
        default:
          mark(exprsOf(x).flatMap((e) => js.namesIn(e)));
      }
    });
  scan(body);
  while (work.length > 0) mark(deps.get(work.pop()!) ?? []);
  let changed = false;
  const go = (list: readonly js.Statement[]): js.Statement[] =>
    list.flatMap((x): js.Statement[] => {
      if ((x.kind === "let" || x.kind === "const") && !live.has(x.name) && (!x.init || isPure(x.init)))
        return ((changed = true), []);
      if ((x.kind === "assign" || x.kind === "accumulate") && !live.has(x.name) && isPure(x.value))
        return ((changed = true), []);
      if (
        (x.kind === "storeElement" || x.kind === "accumulateElement") &&
        !live.has(x.array) &&
        isPure(x.index) &&
        isPure(x.value)
      )
        return ((changed = true), []);
      // A destructure with a live name keeps its inputs live through that name; with none it goes.
      if (x.kind === "destructure" && x.names.every((n) => !n || !live.has(n)) && isPure(x.init))
        return ((changed = true), []);
      if (x.kind === "if") return [{ ...x, then: go(x.then), else: go(x.else) }];
      if (x.kind === "while") return [{ ...x, body: go(x.body) }];
      return [x];
    });
  const result = go(body);
  return changed ? result : body;
}

/** How many times each name is declared anywhere in the statements. */
function declarationCounts(body: readonly js.Statement[]): Map<string, number> {
  const declared = new Map<string, number>();
  const count = (list: readonly js.Statement[]): void =>
    list.forEach((s) => {
      if (s.kind === "const" || s.kind === "let") declared.set(s.name, (declared.get(s.name) ?? 0) + 1);
      if (s.kind === "destructure") s.names.forEach((n) => n && declared.set(n, (declared.get(n) ?? 0) + 1));
      if (s.kind === "if") (count(s.then), count(s.else));
      if (s.kind === "while") count(s.body);
    });
  count(body);
  return declared;
}

/**
 * A variable declared once with a literal and never assigned again (an accumulator's
 * adjoint of 1 once its loop passes it through) is replaced by the literal, folded.
 */
function inlineLiteralVariables(body: js.Statement[]): js.Statement[] {
  const declared = declarationCounts(body);
  const assigned = assignedNames(body);
  const literals = new Map<string, js.Expr>();
  for (const s of body) {
    if (
      (s.kind === "const" || s.kind === "let") &&
      s.init?.kind === "num" &&
      declared.get(s.name) === 1 &&
      !assigned.has(s.name)
    )
      literals.set(s.name, s.init);
  }
  if (literals.size === 0) return body;
  if ([...literals.keys()].some((n) => readsInOpaque(body, n))) return body;
  const replace = (e: js.Expr): js.Expr => js.refold(js.substitute(e, (n) => literals.get(n)));
  return body
    .filter((s) => !((s.kind === "const" || s.kind === "let") && literals.has(s.name)))
    .map((s) => replaceDeep(s, replace));
}

/**
 * In a backward loop, `const dyNext = dy; dy = 0; ...; dy += dyNext * x;` hands a carried
 * adjoint from one iteration to the one before. When nothing in between reads or writes dy
 * otherwise, the copy goes: the iteration reads dy itself and assigns it once, at its end
 * (`dy = dy * x`), and not at all when it passes through unchanged (an accumulator's).
 */
function dropIdentityShuffles(body: js.Statement[]): js.Statement[] {
  let changed = false;
  const go = (list: readonly js.Statement[]): js.Statement[] => {
    let out = list.map((s): js.Statement => {
      if (s.kind === "if") return { ...s, then: go(s.then), else: go(s.else) };
      if (s.kind === "while") return { ...s, body: go(s.body) };
      return s;
    });
    for (let i = 0; i + 1 < out.length; i++) {
      const copy = out[i]!;
      const reset = out[i + 1]!;
      if (copy.kind !== "const" || copy.init?.kind !== "name") continue;
      const carried = copy.init.name;
      if (reset.kind !== "assign" || reset.name !== carried || reset.value.kind !== "num" || reset.value.value !== 0)
        continue;
      const rest = out.slice(i + 2);
      const isUpdate = (x: js.Statement): x is js.Statement & { kind: "accumulate" } =>
        x.kind === "accumulate" && x.name === carried;
      const others = rest.filter((x) => !isUpdate(x));
      const updates = rest.filter(isUpdate);
      if (readsInOpaque(rest, copy.name) || containsRead(others, carried) || assignedNames(others).has(carried))
        continue;
      if (updates.some((u) => js.namesIn(u.value).includes(carried))) continue;
      // Each update's value is evaluated at the end instead: nothing it reads may change after it.
      const movable = rest.every(
        (x, j) => !isUpdate(x) || !js.namesIn(x.value).some((n) => assignedNames(rest.slice(j + 1)).has(n)),
      );
      if (!movable) continue;
      const rename = (e: js.Expr): js.Expr => js.substitute(e, (n) => (n === copy.name ? js.name(carried) : undefined));
      const total = js.sum(updates.map((u) => rename(u.value)));
      const assign: js.Statement[] =
        total.kind === "name" && total.name === carried ? [] : [{ kind: "assign", name: carried, value: total }];
      out = [...out.slice(0, i), ...others.map((x) => replaceDeep(x, rename)), ...assign];
      changed = true;
      i--;
    }
    return out;
  };
  const result = go(body);
  return changed ? result : body;
}

function replaceDeep(s: js.Statement, f: (e: js.Expr) => js.Expr): js.Statement {
  const replaced = replaceIn(s, f);
  if (replaced.kind === "if")
    return {
      ...replaced,
      cond: f(replaced.cond),
      then: replaced.then.map((x) => replaceDeep(x, f)),
      else: replaced.else.map((x) => replaceDeep(x, f)),
    };
  if (replaced.kind === "while")
    return { ...replaced, cond: f(replaced.cond), body: replaced.body.map((x) => replaceDeep(x, f)) };
  return replaced;
}

/**
 * A carried variable whose replayed value the backward sweep never reads (an accumulator
 * such as a running sum) needs no tape: its declaration, growth and stores go.
 */
function dropUnusedTapes(body: js.Statement[]): js.Statement[] {
  const maintenance = (x: js.Statement): string | undefined =>
    x.kind === "if" || x.kind === "storeElement" ? x.tapeOf : undefined;
  const tapes = new Set<string>();
  const withoutMaintenance = (list: readonly js.Statement[]): js.Statement[] =>
    list.flatMap((x): js.Statement[] => {
      const tape = maintenance(x);
      if (tape) return (tapes.add(tape), []);
      if (x.kind === "while") return [{ ...x, body: withoutMaintenance(x.body) }];
      if (x.kind === "if") return [{ ...x, then: withoutMaintenance(x.then), else: withoutMaintenance(x.else) }];
      return [x];
    });
  const reads = countReads(withoutMaintenance(body));
  const unused = new Set([...tapes].filter((t) => !reads.get(t)));
  if (unused.size === 0) return body;
  const go = (list: readonly js.Statement[]): js.Statement[] =>
    list.flatMap((x): js.Statement[] => {
      const tape = maintenance(x);
      if (tape && unused.has(tape)) return [];
      if ((x.kind === "let" || x.kind === "const") && unused.has(x.name)) return [];
      if (x.kind === "while") return [{ ...x, body: go(x.body) }];
      if (x.kind === "if") return [{ ...x, then: go(x.then), else: go(x.else) }];
      return [x];
    });
  return go(body);
}

/**
 * A primal value computed inside a branch and read by the backward sweep (whose branches
 * are other blocks) is declared before the outermost `if` that holds it, and assigned
 * where it is computed.
 */
function hoistBranchValues(list: js.Statement[]): js.Statement[] {
  // Every block gets the same treatment, inner blocks first (loop bodies, branches).
  const body = list.map((s): js.Statement => {
    if (s.kind === "while") return { ...s, body: hoistBranchValues(s.body) };
    if (s.kind === "if") return { ...s, then: hoistBranchValues(s.then), else: hoistBranchValues(s.else) };
    return s;
  });
  const out: js.Statement[] = [];
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    if (s.kind !== "if") {
      out.push(s);
      continue;
    }
    const declared = new Set<string>();
    const collect = (list: readonly js.Statement[]): void =>
      list.forEach((x) => {
        if (x.kind === "const" || x.kind === "let") declared.add(x.name);
        if (x.kind === "destructure") x.names.forEach((n) => n && declared.add(n));
        if (x.kind === "if") (collect(x.then), collect(x.else));
      });
    collect([s]);
    const readAfter = countReads(body.slice(i + 1));
    const hoisted = [...declared].filter((n) => (readAfter.get(n) ?? 0) > 0);
    if (hoisted.length === 0) {
      out.push(s);
      continue;
    }
    const names = new Set(hoisted);
    // The declaration moves out: an initialised one becomes an assignment, a bare one (a
    // merge variable) goes, so that nothing inside shadows the hoisted variable.
    const rewrite = (list: readonly js.Statement[]): js.Statement[] =>
      list.flatMap((x): js.Statement[] => {
        if ((x.kind === "const" || x.kind === "let") && names.has(x.name))
          return x.init ? [{ kind: "assign", name: x.name, value: x.init }] : [];
        if (x.kind === "if") return [{ ...x, then: rewrite(x.then), else: rewrite(x.else) }];
        return [x];
      });
    for (const n of hoisted) out.push({ kind: "let", name: n });
    out.push(rewrite([s])[0]!);
  }
  return out;
}

const exprsOf = js.statementExprs;

function countReads(body: readonly js.Statement[], reads = new Map<string, number>()): Map<string, number> {
  for (const s of body) {
    for (const e of exprsOf(s)) for (const n of js.namesIn(e)) reads.set(n, (reads.get(n) ?? 0) + 1);
    if (s.kind === "accumulate" || s.kind === "assign") reads.set(s.name, reads.get(s.name) ?? 0);
    // An array written element by element is in use while anything writes it.
    if (s.kind === "storeElement") reads.set(s.array, (reads.get(s.array) ?? 0) + 1);
    if (s.kind === "if") {
      countReads(s.then, reads);
      countReads(s.else, reads);
    }
    if (s.kind === "while") countReads(s.body, reads);
  }
  return reads;
}

function isPure(e: js.Expr): boolean {
  // Differentiated functions are pure by contract, so their calls may be dropped or moved;
  // an expression kept as written may have effects only if it calls something.
  if (e.kind === "opaque" && containsCall(e.node)) return false;
  return js.children(e).every(isPure);
}

/** Names assigned (=, +=) anywhere in the statements, arrays written element by element included. */
function assignedNames(list: readonly js.Statement[], out = new Set<string>()): Set<string> {
  for (const s of list) {
    if (s.kind === "assign" || s.kind === "accumulate") out.add(s.name);
    if (s.kind === "storeElement" || s.kind === "accumulateElement") out.add(s.array);
    if (s.kind === "if") (assignedNames(s.then, out), assignedNames(s.else, out));
    if (s.kind === "while") assignedNames(s.body, out);
  }
  return out;
}

function removeDead(
  body: js.Statement[],
  reads: ReadonlyMap<string, number>,
): { body: js.Statement[]; changed: boolean } {
  let changed = false;
  // A merge variable nothing reads goes with every assignment to it (when they are pure).
  const deadMerges = (
    list: readonly js.Statement[],
    reads: ReadonlyMap<string, number>,
    found = new Set<string>(),
  ): Set<string> => {
    list.forEach((s) => {
      if (s.kind === "let" && !s.init && !reads.get(s.name)) found.add(s.name);
      if (s.kind === "if") (deadMerges(s.then, reads, found), deadMerges(s.else, reads, found));
    });
    return found;
  };
  // A loop body is a block: what it declares is read only inside it, so its own reads decide
  // (the backward sweep recomputes an iteration under the same names in a block of its own).
  const go = (
    list: js.Statement[],
    reads: ReadonlyMap<string, number>,
    dead: ReadonlySet<string>,
    global = true,
  ): js.Statement[] =>
    list.flatMap((s): js.Statement[] => {
      // A loop that only updates variables nothing after it reads (a backward loop left
      // with nothing to do but count down) goes. Decided with the whole function's reads.
      if (
        s.kind === "while" &&
        global &&
        isPure(s.cond) &&
        s.body.every((x) => (x.kind === "assign" || x.kind === "accumulate") && isPure(x.value))
      ) {
        const inside = countReads([s]);
        if ([...assignedNames(s.body)].every((n) => (reads.get(n) ?? 0) === (inside.get(n) ?? 0))) {
          changed = true;
          return [];
        }
      }
      if (s.kind === "const" && !reads.get(s.name) && (!s.init || isPure(s.init))) {
        changed = true;
        return [];
      }
      if ((s.kind === "let" && dead.has(s.name)) || (s.kind === "assign" && dead.has(s.name) && isPure(s.value))) {
        changed = true;
        return [];
      }
      if (s.kind === "while") {
        const local = countReads(s.body);
        return [{ ...s, body: go(s.body, local, deadMerges(s.body, local), false) }];
      }
      if (s.kind === "if") {
        // Conditions that call functions were saved in a const by the primal sweep, so an
        // emptied branch can go without losing an effect.
        const then = go(s.then, reads, dead, global);
        const els = go(s.else, reads, dead, global);
        if (then.length === 0 && els.length === 0) {
          changed = true;
          return [];
        }
        if (then.length === 0) return [{ kind: "if", cond: { kind: "not", operand: s.cond }, then: els, else: [] }];
        return [{ ...s, then, else: els }];
      }
      return [s];
    });
  const result = go(body, reads, deadMerges(body, reads));
  return { body: result, changed };
}

function inlineOnce(
  body: js.Statement[],
  reads: ReadonlyMap<string, number>,
  inlinable: ReadonlySet<string>,
): js.Statement[] {
  // A loop body is a block: the names it declares are read only inside it (the backward
  // loop recomputes an iteration under the same names), so its own reads decide.
  const go = (list: js.Statement[], reads: ReadonlyMap<string, number>): js.Statement[] => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.kind === "if") {
        const then = go(s.then, reads);
        const els = go(s.else, reads);
        if (then !== s.then || els !== s.else)
          return [...list.slice(0, i), { ...s, then, else: els }, ...list.slice(i + 1)];
        continue;
      }
      if (s.kind === "while") {
        const body = go(s.body, countReads(s.body));
        if (body !== s.body) return [...list.slice(0, i), { ...s, body }, ...list.slice(i + 1)];
        continue;
      }
      if (s.kind !== "const" || !s.init || reads.get(s.name) !== 1 || !isPure(s.init)) continue;
      const name = s.name;
      const init = s.init;
      const initReads = new Set(js.namesIn(init));
      for (let j = i + 1; j < list.length; j++) {
        const user = list[j]!;
        // Loop-carried variables and accumulators are reassigned: never move a read past that.
        const writes = assignedNames([user]);
        if (
          [...initReads].some((n) => writes.has(n)) &&
          !(user.kind === "assign" && exprsOf(user).some((e) => js.namesIn(e).includes(name)))
        )
          break;
        if (user.kind === "if" || user.kind === "while") {
          if (containsRead([user], name)) break;
          continue;
        }
        if (!exprsOf(user).some((e) => js.namesIn(e).includes(name))) continue;
        if (exprsOf(user).some((e) => js.readsInOpaque(e, name))) break;
        // Temporaries fold into their one use; a named value only into the merge it feeds.
        if (!inlinable.has(name) && user.kind !== "assign") break;
        const replaced = replaceIn(user, (e) => js.substitute(e, (n) => (n === name ? init : undefined)));
        return [...list.slice(0, i), ...list.slice(i + 1, j), replaced, ...list.slice(j + 1)];
      }
    }
    return list;
  };
  return go(body, reads);
}

/** Whether `name` is read inside an expression kept as written, where substitution cannot reach. */
function readsInOpaque(list: readonly js.Statement[], name: string): boolean {
  return list.some(
    (x) =>
      exprsOf(x).some((e) => js.readsInOpaque(e, name)) ||
      (x.kind === "if" && readsInOpaque([...x.then, ...x.else], name)) ||
      (x.kind === "while" && readsInOpaque(x.body, name)),
  );
}

function containsRead(list: readonly js.Statement[], name: string): boolean {
  return (countReads(list).get(name) ?? 0) > 0;
}

function replaceIn(s: js.Statement, f: (e: js.Expr) => js.Expr): js.Statement {
  switch (s.kind) {
    case "const":
    case "let":
      return s.init ? { ...s, init: f(s.init) } : s;
    case "destructure":
      return { ...s, init: f(s.init) };
    case "assign":
    case "accumulate":
    case "return":
      return { ...s, value: f(s.value) };
    case "effect":
    case "throw":
      return { ...s, expr: f(s.expr) };
    case "accumulateElement":
    case "storeElement":
      return { ...s, index: f(s.index), value: f(s.value) };
    default:
      return s;
  }
}
