// What kind of value a TypeScript type holds, as far as gradients are concerned.
import ts from "typescript";
import type { ValueKind } from "../ir";
import { isTensorType } from "../sites";

export function isNumberType(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every(isNumberType);
  return (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.Any)) !== 0;
}

/** What a value of this type can carry: a number's gradient, a tensor's (also for `any`, decided at run time), or none. */
export function valueKind(type: ts.Type): ValueKind {
  if (type.flags & ts.TypeFlags.Any) return "tensor";
  if (type.isUnion()) return type.types.map(valueKind).reduce(joinKinds);
  if (type.flags & ts.TypeFlags.NumberLike) return "number";
  if (isTensorType(type)) return "tensor";
  // A tuple of numbers is a number array at run time; another tuple is a structure (lower/structures.ts).
  if (isTuple(type)) return isNumberType(type.getNumberIndexType() ?? type) ? "array" : "other";
  const name = type.getSymbol()?.name;
  return name === "Float64Array" || name === "Float32Array" || name === "Array" || name === "ReadonlyArray"
    ? "array"
    : "other";
}

/** The kind of a value that is one or the other (a merge of two branches). */
export function joinKinds(a: ValueKind, b: ValueKind): ValueKind {
  if (a === b) return a;
  if (a === "other" || b === "other" || a === "array" || b === "array") return "other";
  return a === "tensor" || b === "tensor" ? "tensor" : "number";
}

function isTuple(type: ts.Type): boolean {
  return (
    ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0 &&
    ((type as ts.TypeReference).target.objectFlags & ts.ObjectFlags.Tuple) !== 0
  );
}
