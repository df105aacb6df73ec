// The intermediate representation between TypeScript and the generated code.
//
// A lowered function is in A-normal form and SSA: every statement performs one operation
// on atoms (variables, literals, expressions over constants) and defines a fresh
// variable. A variable the source reassigns becomes several IR variables (y, y_1, ...);
// where branches meet, a merge variable is declared before the `if` and assigned at the
// end of each branch. Control flow is structured (no gotos): early returns are removed
// by lowering, so a function is a body and one result atom. The one mutation is `store`,
// into an array the function creates; its reads inside loops are logged (loggedIndex).
import ts from "typescript";
import type { Namer } from "./naming";
import type { FunctionNode } from "./sites";

export type VarId = number;

/** "array": number[], Float64Array or Float32Array, whose gradient is an array of the same kind. */
export type ValueKind = "number" | "tensor" | "array" | "other";

export function isDifferentiable(v: Var): boolean {
  return v.kind !== "other";
}

export interface Var {
  readonly id: VarId;
  /** Readable, unique within the generated function. */
  readonly name: string;
  /**
   * Only numbers and tensors carry a gradient. "tensor" also covers `number | Tensor` and
   * `any`: their adjoints are combined with the runtime's add, which takes both.
   */
  readonly kind: ValueKind;
}

export type Atom =
  | { readonly kind: "var"; readonly id: VarId }
  | { readonly kind: "number"; readonly value: number }
  /** An expression that reads no variable of the function: an outer constant, a literal, Math.PI. */
  | { readonly kind: "constant"; readonly node: ts.Expression };

/**
 * An expression kept as written (a condition, a hook closure, an unknown call), with the
 * function's variables it reads renamed to their SSA versions when emitted. `renames`
 * maps each local symbol the expression reads to the variable current at that point, and
 * each element read of an array the function writes (buf[i]), or length of one it grows
 * (ys.length), to the value lowering read it into.
 */
export interface Opaque {
  readonly node: ts.Expression;
  readonly renames: ReadonlyMap<ts.Symbol | ts.Node, Atom>;
}

export type Op =
  /** A primitive with a rule in rules/: an operator, a Math function or a marker. */
  | { readonly kind: "prim"; readonly prim: string; readonly args: readonly Atom[] }
  /**
   * A call to a user function whose body the transformer can see, or to a derivative of one
   * (`derivation`: du(t) for const du = grad(u), or a callee's tangent in forward mode), which
   * calls the generated function of that derivation.
   */
  | {
      readonly kind: "call";
      readonly callee: FunctionNode;
      readonly calleeRef: ts.Expression;
      readonly args: readonly Atom[];
      readonly derivation?: readonly TangentStep[];
    }
  /**
   * A value kept as written. Unless `nonDifferentiable`, it is refused if a gradient must
   * flow through it; `valueReads`, when given, are the only variables it reads that could
   * carry one (the others are read for a shape or a dtype: full(x.shape, s) holds s, not x).
   */
  | {
      readonly kind: "opaque";
      readonly expr: Opaque;
      readonly nonDifferentiable: boolean;
      readonly valueReads?: readonly VarId[];
    };

export type Stmt =
  | { readonly kind: "let"; readonly target: VarId; readonly op: Op; readonly node: ts.Node }
  /** An expression evaluated for its effect only. */
  | { readonly kind: "effect"; readonly expr: Opaque; readonly node: ts.Node }
  /** Ends the path: nothing after it runs, and the backward sweep never reaches it. */
  | { readonly kind: "throw"; readonly expr: Opaque; readonly node: ts.Node }
  /** array[index] = value, into an array the function created (localArrays). */
  | {
      readonly kind: "store";
      readonly array: VarId;
      readonly index: Atom;
      readonly value: Atom;
      readonly node: ts.Node;
    }
  /** Assigns a merge variable at the end of a branch. */
  | { readonly kind: "merge"; readonly target: VarId; readonly value: Atom }
  | {
      readonly kind: "if";
      /** An expression of the source, or a variable (whether a loop returned). */
      readonly cond: Opaque | Atom;
      readonly then: readonly Stmt[];
      readonly else: readonly Stmt[];
      /** Merge variables assigned in both branches, declared before the `if`. */
      readonly merges: readonly VarId[];
    }
  | {
      /**
       * while (cond) body, or do body while (cond) when `testAfter`. The body is SSA like
       * the rest; the carried variables are assigned their `next` at its end.
       */
      readonly kind: "loop";
      readonly cond: Opaque | IndexBound;
      readonly testAfter: boolean;
      readonly carried: readonly Carried[];
      /** A carried variable a break clears: the loop runs while it is set and `cond` holds. */
      readonly guard?: VarId;
      readonly body: readonly Stmt[];
      readonly node: ts.Node;
    };

/**
 * One application of forward mode to a function (forward.ts), which makes a function of the
 * same parameters and, with seed "params", one tangent parameter per `wrt` parameter after them.
 */
export interface TangentStep {
  /** Parameter indices, of the function the step applies to. */
  readonly wrt: readonly number[];
  /** "params": the tangents are parameters; "ones": each is one, so the tangent is the sum of the gradient's elements (grad(f) seen through a sum). */
  readonly seed: "params" | "ones";
  /** "pair": the function returns { value, tangent }; "tangent": the tangent alone, summed when it is a tensor (grad's sum). */
  readonly result: "pair" | "tangent";
  /** The derivative is used as a value, not summed: it is grad's only for number parameters, which the step then requires. */
  readonly numbersOnly?: boolean;
}

/** The condition of a loop over indices: index < array.length (for...of, reduce, map), or index < count (Array.from). */
export type IndexBound =
  { readonly index: VarId; readonly array: Atom } | { readonly index: VarId; readonly count: Atom };

/** A variable a loop body reassigns: `var` holds it across iterations (mutable, unlike the rest of the IR). */
export interface Carried {
  readonly var: VarId;
  /** Its value before the loop. */
  readonly init: Atom;
  /** Its value at the end of an iteration, computed in the body. */
  readonly next: Atom;
  /** Set for a counter: at the start of iteration k it is init + counterStep · k, exactly (integers). */
  readonly counterStep?: number;
}

export interface Param {
  readonly id: VarId;
  readonly decl: ts.ParameterDeclaration;
}

/**
 * A field of a structure parameter the function reads (p.w, p.enc.b, pair[0]): a variable
 * defined at the top of the function from its parent (the parameter, or the projection of
 * an enclosing field) by one property name or tuple index. The type guarantees the field
 * exists. A projection of a structure (p.enc) is a view with no gradient of its own; one of
 * a number, tensor or number array is a leaf, whose gradient goes into the parameter's.
 */
export interface Projection {
  readonly id: VarId;
  readonly parent: VarId;
  readonly key: string | number;
  /** The structure parameter it is read from, and the keys from there. */
  readonly root: VarId;
  readonly path: readonly (string | number)[];
}

/**
 * An element of a collection (an array of tensors or of structures: p.layers) read by a
 * computed index, or a structure inside one (layers[i], layers[i].enc): a variable of the
 * body defined by a readAt primitive, through which the gradient goes into the collection's.
 */
export interface ElementView {
  readonly collection: VarId;
  readonly index: Atom;
  /**
   * The keys from the element to this view (empty for the element itself): field names as
   * string literals, and indices into inner arrays of layers (p.grid[i][j]) as numbers or variables.
   */
  readonly keys: readonly Atom[];
}

export interface LoweredFunction {
  readonly decl: ts.SignatureDeclaration;
  /** The names lowering gave out; generated functions continue from a clone of it. */
  readonly namer: Namer;
  /** Temporaries introduced by A-normal form, which the emitter may inline back. */
  readonly temps: ReadonlySet<VarId>;
  readonly vars: readonly Var[];
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  readonly result: Atom;
  /** Arrays the function creates (arrayOf, or an allocation kept as written) and tracks element by element; stores write them. */
  readonly localArrays: ReadonlySet<VarId>;
  /** Parameters whose type is a structure (an object or a tuple), and projections that are structures themselves. */
  readonly structures: ReadonlySet<VarId>;
  /** The fields of structure parameters the function reads, parents before children. */
  readonly projections: readonly Projection[];
  /** Structures passed to a call whose fields the type could not all list: no gradient may flow through the call. */
  readonly incompleteStructures: ReadonlySet<VarId>;
  /** With hasAux: the arrays of a `return [value, aux]`, whose first element is the result to differentiate. */
  readonly pairs: ReadonlySet<VarId>;
  /**
   * Arrays of tensors or of structures (a parameter, or a field: p.layers) whose elements are
   * read by index: each has a gradient of the same structure, allocated with zeros and added
   * into in place (runtime/tree.ts addInto).
   */
  readonly collections: ReadonlySet<VarId>;
  /** Structures read out of collections (layers[i]), by variable. */
  readonly views: ReadonlyMap<VarId, ElementView>;
  /** Local arrays whose elements are tensors: their gradients are arrays of tensor adjoints, added with the runtime's add. */
  readonly tensorArrays: ReadonlySet<VarId>;
  /** `return { h, c }` of a helper (objectOf): the vjp's seed is an object of the fields' adjoints. */
  readonly returnedObjects: ReadonlySet<VarId>;
  /** A helper's structure result (const { h, c } = cell(...)): its fields, read right after the call (fieldOf), by key. */
  readonly callResults: ReadonlyMap<VarId, ReadonlyMap<string, VarId>>;
  /** The call results among them that are tuples: the seed is an array, in the order of the positions. */
  readonly tupleResults: ReadonlySet<VarId>;
  /** Forward mode's tangents, by variable: each certainly has its value's shape (shapes.ts uses it). */
  readonly tangentOf?: ReadonlyMap<VarId, VarId>;
}

/** The leaves (projections that are not structures) inside structure `id`, with their keys from it. */
export function leavesUnder(fn: LoweredFunction, id: VarId): { leaf: Projection; keys: (string | number)[] }[] {
  const found: { leaf: Projection; keys: (string | number)[] }[] = [];
  const byId = new Map(fn.projections.map((p) => [p.id, p]));
  for (const p of fn.projections) {
    if (fn.structures.has(p.id)) continue;
    const keys: (string | number)[] = [];
    for (let at: Projection | undefined = p; at; at = byId.get(at.parent)) {
      keys.unshift(at.key);
      if (at.parent === id) {
        found.push({ leaf: p, keys });
        break;
      }
    }
  }
  return found;
}

export function varAtom(id: VarId): Atom {
  return { kind: "var", id };
}

/** Variables an atom reads. */
export function atomVars(atom: Atom): VarId[] {
  return atom.kind === "var" ? [atom.id] : [];
}

export function opaqueVars(expr: Opaque): VarId[] {
  return [...new Set([...expr.renames.values()].flatMap(atomVars))];
}

export function opVars(op: Op): VarId[] {
  return op.kind === "opaque" ? opaqueVars(op.expr) : op.args.flatMap(atomVars);
}

/** Visits every statement, nested ones included, in program order. */
export function forEachStmt(body: readonly Stmt[], visit: (stmt: Stmt) => void): void {
  for (const stmt of body) {
    visit(stmt);
    if (stmt.kind === "if") {
      forEachStmt(stmt.then, visit);
      forEachStmt(stmt.else, visit);
    }
    if (stmt.kind === "loop") forEachStmt(stmt.body, visit);
  }
}
