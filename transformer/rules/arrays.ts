// Rules for arrays: element reads and the arrays a function creates. An element read's
// adjoint is scattered into the array's gradient (scatterIndex, treeRead), which the sweep
// owns and updates in place.
import ts from "typescript";
import { num } from "../js";
import type { Expr } from "../js";
import type { Rule } from "./types";

const element = ([array, i]: readonly Expr[]): Expr => ({ kind: "element", array: array!, index: i! });

/** The text of a key: a string literal the lowering made, or a tuple position. */
export function keyName(key: Expr): string {
  if (key.kind === "source" && ts.isStringLiteral(key.node)) return key.node.text;
  if (key.kind === "num") return String(key.value);
  throw new Error("adjoint internal error: a field's key is neither a string literal nor a position");
}

/** object.key for a string key (a literal the lowering made), object[key] for a number. */
export function access(object: Expr, key: Expr): Expr {
  return key.kind === "source" && ts.isStringLiteral(key.node)
    ? { kind: "property", object, name: key.node.text }
    : { kind: "element", array: object, index: key };
}

export const arrayRules: Record<string, Rule> = {
  // x[i] of a number array: the adjoint g goes into element i of the array's adjoint.
  index: {
    arity: 2,
    primal: element,
    adjoints: [({ g }) => g, null],
    scatterIndex: 1,
    tangent: ({ tangents: [dx], args: [, i], emit }) => emit("index", [dx!, i!]),
    summary: "dx[i] += g",
  },
  // x[i] inside a loop, of an array the function writes: the primal also logs the value at
  // the read counter (operand 2), and the backward sweep's recomputed iteration reads it back.
  // Operand 3 numbers the log: 0 for the primal's reads; a tangent array's reads have their own.
  loggedIndex: {
    arity: 4,
    primal: element,
    adjoints: [({ g }) => g, null, null, null],
    scatterIndex: 1,
    // Under a second derivative the tangent array is written in the same loop: its reads are logged too.
    tangent: ({ tangents: [da], args: [, i, counter, log], emit, nested, tangentLog }) =>
      nested ? emit("loggedIndex", [da!, i!, counter!, tangentLog(log)]) : emit("index", [da!, i!]),
    summary: "da[i] += g",
  },
  // layers[i] or layer.w, read out of a collection (an array of tensors or structures):
  // operands parent, collection, index, keys. The parent is the collection (for the element
  // itself) or the view the last key is read from; the adjoint goes into the collection's
  // gradient at the index and keys (reverse.ts, runtime addInto).
  readAt: {
    arity: "variadic",
    primal: ([parent, , index, ...keys]) =>
      keys.length === 0 ? element([parent!, index!]) : access(parent!, keys.at(-1)!),
    adjoints: [null, ({ g }) => g, null],
    treeRead: true,
    tangent: ({ refuse }) =>
      refuse(
        "Forward mode cannot yet differentiate with respect to an array of layers; differentiate with respect to the layers' fields.",
      ),
    summary: "dxs[i].key += g",
  },
  // return { h, c } (or [h, c] of a tuple type) from a helper: operands key, value, key,
  // value, ... The vjp's seed is an object (an array) of the fields' adjoints, and each
  // value's adjoint is its field of it.
  objectOf: {
    arity: "variadic",
    primal: (args) =>
      args[0]?.kind === "num"
        ? { kind: "array", elements: args.filter((_, i) => i % 2 === 1) } // return [h, c]: keyed by position
        : {
            kind: "object",
            fields: args.flatMap((a, i) => (i % 2 === 1 ? [[keyName(args[i - 1]!), a] as const] : [])),
          },
    adjoints: ({ g, args }, i) => (i % 2 === 1 ? access(g, args[i - 1]!) : num(0)),
    tangent: ({ tangents, args, emit, zero }) =>
      emit(
        "objectOf",
        args.map((a, i) => (i % 2 === 0 ? a : (tangents[i] ?? zero(a)))),
      ),
    summary: "dv_k = g.k",
  },
  // r.h of a helper's structure result r: its adjoint is an object with that field, and the
  // adjoints of r's fields are summed field by field into the seed of the helper's vjp (reverse.ts).
  fieldOf: {
    arity: 2,
    primal: ([object, key]) => access(object!, key!),
    adjoints: [({ g, args }) => ({ kind: "object", fields: [[keyName(args[1]!), g]] }), null],
    tangent: ({ tangents: [dr], args: [, key], emit }) => emit("fieldOf", [dr!, key!]),
    summary: "dr = { k: g }",
  },
  // [x, y, z]: an array the function creates; element j's adjoint is da[j].
  arrayOf: {
    arity: "variadic",
    primal: (args) => ({ kind: "array", elements: args }),
    adjoints: ({ g }, j) => ({ kind: "element", array: g, index: num(j) }),
    tangent: ({ tangents, args, emit, zero }) =>
      emit(
        "arrayOf",
        args.map((a, j) => tangents[j] ?? zero(a)),
      ),
    summary: "dx_j = da[j]",
  },
};
