// Rules for number arrays: element reads and the arrays a function creates. An element
// read's adjoint is scattered into the array's gradient (scatterIndex), which the sweep
// owns and updates in place.
import { num } from "../js";
import type { Expr } from "../js";
import type { Rule } from "./types";

const element = ([array, i]: readonly Expr[]): Expr => ({ kind: "element", array: array!, index: i! });

export const arrayRules: Record<string, Rule> = {
  // x[i] of a number array: the adjoint g goes into element i of the array's adjoint.
  index: {
    arity: 2,
    primal: element,
    adjoints: [({ g }) => g, null],
    scatterIndex: 1,
    summary: "dx[i] += g",
  },
  // x[i] inside a loop, of an array the function writes: the primal also logs the value at
  // the read counter (operand 2), and the backward sweep's recomputed iteration reads it back.
  loggedIndex: {
    arity: 3,
    primal: element,
    adjoints: [({ g }) => g, null, null],
    scatterIndex: 1,
    summary: "da[i] += g",
  },
  // [x, y, z]: an array the function creates; element j's adjoint is da[j].
  arrayOf: {
    arity: "variadic",
    primal: (args) => ({ kind: "array", elements: args }),
    adjoints: ({ g }, j) => ({ kind: "element", array: g, index: num(j) }),
    summary: "dx_j = da[j]",
  },
};
