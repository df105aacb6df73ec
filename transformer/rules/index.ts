// The one table of adjoint rules, keyed by primitive name: operators by their token
// ("+", "**", "neg"), Math functions as "Math.sin", markers by their API name.
import { markerRules } from "./markers";
import { scalarRules } from "./scalar";
import type { Rule } from "./types";

export type { Rule, RuleContext } from "./types";

export const RULES: Readonly<Record<string, Rule>> = { ...scalarRules, ...markerRules };

export function ruleFor(prim: string): Rule {
  const rule = RULES[prim];
  if (!rule) throw new Error(`adjoint internal error: no rule for primitive ${prim}`);
  return rule;
}

/** Whether a gradient can flow through operand i of the primitive. */
export function isDifferentiableOperand(rule: Rule, i: number): boolean {
  return rule.differentiable ? rule.differentiable(i) : true;
}
