// A variable declared once with a literal and never assigned again (an accumulator's
// adjoint of 1 once its loop passes it through) is replaced by the literal, folded.
import * as js from "../js";
import { assignedNames, declaredNames, forEachStatement, mapExprsDeep, readsInOpaque } from "./walk";

export function inlineLiteralVariables(body: js.Statement[]): js.Statement[] {
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
  // Substitution cannot reach into an expression kept as written.
  if ([...literals.keys()].some((n) => readsInOpaque(body, n))) return body;
  const replace = (e: js.Expr): js.Expr => js.refold(js.substitute(e, (n) => literals.get(n)));
  const withoutDeclarations = body.filter((s) => !((s.kind === "const" || s.kind === "let") && literals.has(s.name)));
  return mapExprsDeep(withoutDeclarations, replace);
}

/** How many times each name is declared anywhere in the statements. */
function declarationCounts(body: readonly js.Statement[]): Map<string, number> {
  const declared = new Map<string, number>();
  forEachStatement(body, (s) => {
    for (const n of declaredNames(s)) declared.set(n, (declared.get(n) ?? 0) + 1);
  });
  return declared;
}
