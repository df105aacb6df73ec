// The one table of adjoint rules, keyed by primitive name: operators by their token
// ("+", "**", "unary -"), Math functions as "Math.sin", tensor primitives and markers by
// their API name ("mul", "stopGradient").
import { markerRules } from "./markers";
import { scalarRules } from "./scalar";
import { tensorRules } from "./tensor";
import type { Rule } from "./types";

export type { Rule, RuleContext } from "./types";

export const RULES: Readonly<Record<string, Rule>> = { ...scalarRules, ...tensorRules, ...markerRules };

export function ruleFor(prim: string): Rule {
  const rule = RULES[prim];
  if (!rule) throw new Error(`adjoint internal error: no rule for primitive ${prim}`);
  return rule;
}

/** Whether a gradient can flow through operand i of the primitive. */
export function isDifferentiableOperand(rule: Rule, i: number): boolean {
  return rule.differentiable ? rule.differentiable(i) : true;
}
