// Rules for the markers that may appear inside differentiated code. Each returns its
// operand unchanged in the forward pass, so the primal is the operand itself and the
// emitter writes no copy; only the backward pass differs.
import { call, mul, neg, rt, type Expr } from "../js";
import type { Rule } from "./types";

const identity = (args: readonly Expr[]): Expr => args[0]!;

export const markerRules: Record<string, Rule> = {
  // Nothing flows back through stopGradient, so its result is a constant to the analysis
  // and the code for the paths it cuts is never emitted.
  stopGradient: {
    arity: 1,
    primal: identity,
    differentiable: () => false,
    adjoint: ({ g }) => g,
    summary: "no gradient",
  },
  // gradHook(x, hook): the gradient of the result is replaced by hook(g) before it flows into x.
  gradHook: {
    arity: 2,
    primal: identity,
    differentiable: (i) => i === 0,
    // The hook sees the whole gradient (PyTorch's register_hook), never the scalar that
    // stands for a uniform one inside the sweep; what it returns is fitted back to x, so a
    // hook may return a plain number or a broadcastable tensor.
    adjoint: ({ g, args: [x, hook], tensor }) =>
      tensor ? rt("fitGradient", call(hook!, rt("fitGradient", g, x!)), x!) : call(hook!, g),
    summary: "dx = hook(g)",
  },
  // customGradient(forward, backward)(...args): operand 0 is the function it made; its
  // backward gives the gradients of the others, called once with the whole gradient.
  customGradient: {
    arity: "variadic",
    primal: ([fn, ...args]) => call(fn!, ...args),
    differentiable: (i) => i > 0,
    adjoint: () => {
      throw new Error("adjoint internal error: customGradient contributes through adjointAll");
    },
    adjointAll: ({ g, args: [fn, ...args], y, tensor }) =>
      rt("customGradients", fn!, tensor ? rt("fitGradient", g, y) : g, ...args),
    summary: "(dx1, ..., dxn) = backward(g, x1, ..., xn)",
  },
  // reverseGradient(x, lambda = 1): the gradient is multiplied by -lambda.
  reverseGradient: {
    arity: "variadic",
    primal: identity,
    differentiable: (i) => i === 0,
    adjoint: ({ g, args: [, lambda], tensor }) => {
      if (tensor) return lambda ? rt("neg", rt("mul", lambda, g)) : rt("neg", g);
      return lambda ? neg(mul(lambda, g)) : neg(g);
    },
    summary: "dx = −λ·g",
  },
};
