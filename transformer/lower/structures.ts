// Structure parameters: an object, interface, class instance or tuple of numbers, tensors,
// number arrays and further structures (API.md "Structured values"). Each field the
// function reads by name (p.w, p.enc.b, pair[0]) becomes a projection (ir.ts): a variable
// defined at the top of the function, whose gradient, for a leaf, is the field's part of the
// parameter's gradient. Only fields the type guarantees are projected (a required property,
// a tuple index within its length), so reading them first can never throw.
//
// Anything else that reads a structure (a dynamic index, a loop over an array of layers, a
// call that takes one) reads the parameter itself as a value kept as written; when the
// parameter is differentiated, activity analysis refuses it wherever a gradient would have
// to flow through it, and the backward sweep refuses a call that takes one.
import ts from "typescript";
import type { Atom, Projection, ValueKind, VarId } from "../ir";
import { isTensorType, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { isNumberType, valueKind } from "./kinds";

/** Whether a parameter of this type is a structure: an object with fields, or a tuple (not a Tensor, an array or a function). */
export function isStructureType(type: ts.Type, checker: ts.TypeChecker): boolean {
  // A tuple of numbers is a number array, as at run time.
  if (checker.isTupleType(type)) return fieldKind(type, checker, false) !== "array";
  if (!(type.flags & ts.TypeFlags.Object) || type.isUnion() || isTensorType(type)) return false;
  if (valueKind(type) !== "other" || type.getCallSignatures().length > 0) return false;
  return type.getProperties().length > 0;
}

/** The kind of a projected field: a leaf's value kind, or "other" for a view (a structure) and carried values. */
function fieldKind(type: ts.Type, checker: ts.TypeChecker, structures = true): ValueKind {
  if (structures && isStructureType(type, checker)) return "other";
  const kind = valueKind(type);
  // An array is a leaf only when it holds numbers (number[], Float64Array); Tensor[] and Layer[] are not.
  if (kind === "array") {
    const element = type.getNumberIndexType();
    return element && isNumberType(element) ? "array" : "other";
  }
  return kind;
}

/**
 * The projection `e` reads (p.w, p.enc.w, pair[1]), created on first use; undefined when `e`
 * is not a chain of guaranteed fields from a structure parameter.
 */
export function lowerProjection(cx: LoweringContext, e: ts.Expression, env: Env): Atom | undefined {
  if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  const key = fieldKey(cx, e);
  if (key === undefined) return undefined;
  const object = skipOuterExpressions(e.expression);
  const parent = ts.isIdentifier(object) ? env.get(cx.symbolAt(object)!) : lowerProjection(cx, object, env);
  if (parent === undefined || parent === "uninitialized" || parent.kind !== "var") return undefined;
  if (!cx.structures.has(parent.id)) return undefined;
  const id = cx.project(parent.id, key, () => {
    const type = cx.checker.getTypeAtLocation(e);
    return { kind: fieldKind(type, cx.checker), structure: isStructureType(type, cx.checker) };
  });
  return { kind: "var", id };
}

/** The field `e` reads, when its object's type guarantees it: a required property by name, or a tuple index in range. */
function fieldKey(
  cx: LoweringContext,
  e: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): string | number | undefined {
  const objectType = cx.checker.getTypeAtLocation(e.expression);
  if (ts.isPropertyAccessExpression(e)) {
    if (!ts.isIdentifier(e.name) || e.questionDotToken) return undefined;
    const property = objectType.getProperty(e.name.text);
    if (!property || property.flags & ts.SymbolFlags.Optional || property.flags & ts.SymbolFlags.Method)
      return undefined;
    return e.name.text;
  }
  const index = skipOuterExpressions(e.argumentExpression);
  if (!ts.isNumericLiteral(index) || !cx.checker.isTupleType(objectType)) return undefined;
  const i = Number(index.text);
  const target = (objectType as ts.TypeReference).target as ts.TupleType;
  return Number.isInteger(i) && i < target.minLength ? i : undefined;
}

/** A name for a projection: the key itself when it is free, else the path joined in camel case (encW, pair1). */
export function projectionName(parentName: string, key: string | number, isRootParent: boolean): string {
  if (typeof key === "string" && isRootParent) return key;
  const tail = String(key);
  return `${parentName}${tail[0]!.toUpperCase()}${tail.slice(1)}`;
}

export type { Projection, VarId };
