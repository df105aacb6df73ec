// Rules for the markers that may appear inside differentiated code. Each returns its
// operand unchanged in the forward pass, so the primal is the operand itself (and its
// shape, for shapes.ts) and the emitter writes no copy; only the backward pass differs.
import { call, rt, type Expr } from "../js";
import { algebraFor } from "./algebra";
import type { Rule, Tangent } from "./types";

const identity = (args: readonly Expr[]): Expr => args[0]!;

/**
 * A marker that changes only the backward sweep is the identity to forward mode; under a
 * second derivative, which differentiates the tangent code, the hook would be lost: refused.
 */
const backwardOnly =
  (marker: string): Tangent =>
  ({ tangents: [dx], nested, refuse }) =>
    nested
      ? refuse(
          `${marker} changes the backward sweep only; a second derivative through it has no meaning to compute: differentiate once, or remove ${marker} from the function differentiated twice.`,
        )
      : dx!;

/** A customGradient function's call and backward, the same with or without a tangent rule. */
const customBackward: Pick<Rule, "arity" | "primal" | "adjoints" | "adjointAll"> = {
  arity: "variadic",
  primal: ([fn, ...args]) => call(fn!, ...args),
  adjoints: [null],
  adjointAll: ({ g, args: [fn, ...args], y, tensor }) =>
    rt("customGradients", fn!, tensor ? rt("fitGradient", g, y) : g, ...args),
};

export const markerRules: Record<string, Rule> = {
  // Nothing flows back through stopGradient, so its result is a constant to the analysis
  // and the code for the paths it cuts is never emitted.
  stopGradient: {
    arity: 1,
    primal: identity,
    shape: "firstOperand",
    adjoints: [null],
    tangent: null,
    summary: "no gradient",
  },
  // gradHook(x, hook): the gradient of the result is replaced by hook(g) before it flows into x.
  gradHook: {
    arity: 2,
    primal: identity,
    shape: "firstOperand",
    // The hook sees the whole gradient (PyTorch's register_hook), never the scalar that
    // stands for a uniform one inside the sweep; what it returns is fitted back to x, so a
    // hook may return a plain number or a broadcastable tensor.
    adjoints: [
      ({ g, args: [x, hook], tensor }) =>
        tensor ? rt("fitGradient", call(hook!, rt("fitGradient", g, x!)), x!) : call(hook!, g),
      null,
    ],
    tangent: backwardOnly("gradHook"),
    summary: "dx = hook(g)",
  },
  // customGradient(forward, backward)(...args): operand 0 is the function it made; its
  // backward gives the gradients of the others, called once with the whole gradient.
  customGradient: {
    ...customBackward,
    tangent: ({ refuse }) =>
      refuse(
        "A customGradient function has a backward rule only; forward mode and second derivatives cannot go through it. Write the function plainly, or stop its gradient.",
      ),
    summary: "(dx1, ..., dxn) = backward(g, x1, ..., xn)",
  },
  // A customGradient function made with a tangent rule (its third argument): the same
  // backward, and forward mode calls the tangent rule with one tangent per operand.
  customGradientWithTangent: {
    ...customBackward,
    tangent: ({ tangents: [, ...tangents], args: [fn, ...args], emit, zero, nested, refuse }) =>
      nested
        ? refuse(
            "A second derivative cannot go through a customGradient function: its tangent rule has no derivative of its own. Write the function plainly.",
          )
        : emit("customTangent", [
            fn!,
            emit(
              "arrayOf",
              args.map((a, i) => tangents[i] ?? zero(a)),
              "other",
            ),
            ...args,
          ]),
    summary: "(dx1, ..., dxn) = backward(g, x1, ..., xn); ẏ = tangent([ẋ1, ..., ẋn], x1, ..., xn)",
  },
  // The result's tangent from a customGradient function's tangent rule (what the tangent above
  // emits; no source lowers to it). It appears only in forward-mode code that is not
  // differentiated again, so it has neither an adjoint nor a tangent of its own.
  customTangent: {
    arity: "variadic",
    primal: ([fn, tangents, ...args]) => rt("customTangent", fn!, tangents!, ...args),
    adjoints: () => {
      throw new Error("adjoint internal error: customTangent is never differentiated");
    },
    tangent: ({ refuse }) =>
      refuse(
        "Forward mode cannot go twice through a customGradient function's tangent rule: write the function plainly for a second derivative.",
      ),
    summary: "ẏ = tangent(tangents, ...args); never differentiated",
  },
  // reverseGradient(x, lambda = 1): the gradient is multiplied by -lambda.
  reverseGradient: {
    arity: "variadic",
    primal: identity,
    shape: "firstOperand",
    adjoints: [
      ({ g, args: [, lambda], tensor }) => {
        const A = algebraFor(tensor);
        return A.neg(lambda ? A.mul(lambda, g) : g);
      },
      null,
    ],
    tangent: backwardOnly("reverseGradient"),
    summary: "dx = −λ·g",
  },
};
