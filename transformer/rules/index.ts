// The one table of adjoint rules, keyed by primitive name: operators by their token
// ("+", "**", "unary -"), Math functions as "Math.sin", tensor primitives and markers by
// their API name ("mul", "stopGradient"), array reads and literals by their IR name ("index").
import { arrayRules } from "./arrays";
import { markerRules } from "./markers";
import { scalarRules } from "./scalar";
import { tensorRules } from "./tensor";
import type { Adjoint, Rule } from "./types";

export type { Adjoint, Rule, RuleContext } from "./types";

export const RULES: Readonly<Record<string, Rule>> = { ...scalarRules, ...arrayRules, ...tensorRules, ...markerRules };

export function ruleFor(prim: string): Rule {
  const rule = RULES[prim];
  if (!rule) throw new Error(`adjoint internal error: no rule for primitive ${prim}`);
  return rule;
}

/** The adjoint of operand i, or null when no gradient flows into it (or it comes from `adjointAll`). */
export function operandAdjoint(rule: Rule, i: number): Adjoint | null {
  const { adjoints } = rule;
  if (typeof adjoints === "function") return (c) => adjoints(c, i);
  return adjoints[i] ?? null;
}

/** Whether a gradient can flow through operand i of the primitive. */
export function isDifferentiableOperand(rule: Rule, i: number): boolean {
  if (typeof rule.adjoints !== "function" && i >= rule.adjoints.length) return rule.adjointAll !== undefined;
  return operandAdjoint(rule, i) !== null;
}
