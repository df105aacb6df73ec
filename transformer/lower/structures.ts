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
import { AdjointError } from "../diagnostics";
import type { Atom, Projection, Stmt, ValueKind, VarId } from "../ir";
import { readElement } from "./arrays";
import { isTensorType, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { isNumberType, valueKind } from "./kinds";

/** Whether a parameter of this type is a structure: an object with fields, or a tuple (not a Tensor, an array or a function). */
export function isStructureType(type: ts.Type, checker: ts.TypeChecker): boolean {
  // A tuple of numbers is a number array, as at run time (runtime/tree.ts isLeaf).
  if (checker.isTupleType(type)) return !isNumberTuple(type, checker);
  if (!(type.flags & ts.TypeFlags.Object) || type.isUnion() || isTensorType(type)) return false;
  if (valueKind(type) !== "other" || type.getCallSignatures().length > 0) return false;
  return type.getProperties().length > 0;
}

/** The kind of a projected field: a leaf's value kind, or "other" for a view (a structure) and carried values. */
function isNumberTuple(type: ts.Type, checker: ts.TypeChecker): boolean {
  return checker.getTypeArguments(type as ts.TypeReference).every(isNumberType);
}

function fieldKind(type: ts.Type, checker: ts.TypeChecker): ValueKind {
  if (checker.isTupleType(type)) return isNumberTuple(type, checker) ? "array" : "other";
  if (isStructureType(type, checker)) return "other";
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
export function lowerProjection(cx: LoweringContext, e: ts.Expression, env: Env, hint?: string): Atom | undefined {
  if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  const key = fieldKey(cx, e);
  if (key === undefined) return undefined;
  const object = skipOuterExpressions(e.expression);
  const parent = ts.isIdentifier(object) ? env.get(cx.symbolAt(object)!) : lowerProjection(cx, object, env);
  if (parent === undefined || parent === "uninitialized" || parent.kind !== "var") return undefined;
  if (!cx.structures.has(parent.id)) return undefined;
  const id = cx.project(parent.id, key, () => describeField(cx, cx.checker.getTypeAtLocation(e)), hint);
  return { kind: "var", id };
}

/** The field `e` reads, when its object's type guarantees it: a required property by name, or a tuple index in range. */
function fieldKey(
  cx: LoweringContext,
  e: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): string | number | undefined {
  const objectType = cx.checker.getTypeAtLocation(e.expression);
  if (e.questionDotToken) return undefined;
  if (ts.isPropertyAccessExpression(e)) {
    if (!ts.isIdentifier(e.name)) return undefined;
    return isGuaranteed(cx, objectType, e.name.text) ? e.name.text : undefined;
  }
  const index = skipOuterExpressions(e.argumentExpression);
  if (!ts.isNumericLiteral(index)) return undefined;
  return isGuaranteed(cx, objectType, Number(index.text)) ? Number(index.text) : undefined;
}

/**
 * const { w, b } = p, const { enc: { w } } = p, const [a, b] = pair: each name bound to the
 * projection of its field. The value destructured must be a structure parameter or a view.
 */
export function lowerDestructuring(
  cx: LoweringContext,
  pattern: ts.BindingName,
  value: Atom,
  out: Stmt[],
  env: Env,
): void {
  if (ts.isIdentifier(pattern)) {
    env.set(cx.symbolOf(pattern), value);
    return;
  }
  // const [a, b] = pair, of a tuple of numbers (a number array): element reads.
  if (ts.isArrayBindingPattern(pattern) && value.kind === "var" && cx.vars[value.id]!.kind === "array") {
    const type = cx.checker.getTypeAtLocation(pattern);
    pattern.elements.forEach((element, i) => {
      if (ts.isOmittedExpression(element)) return;
      if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name) || !isGuaranteed(cx, type, i))
        throw new AdjointError("ADJ201", element, "Destructure the elements of a tuple of numbers one name each.");
      const index: Atom = { kind: "number", value: i };
      env.set(cx.symbolOf(element.name), readElement(cx, value, index, out, env, element.name, element.name.text));
    });
    return;
  }
  if (value.kind !== "var" || !cx.structures.has(value.id)) {
    throw new AdjointError(
      "ADJ201",
      pattern,
      "Destructure a structure parameter or a field of one (const { w, b } = p.enc); declare other variables one by one.",
    );
  }
  const objectType = cx.checker.getTypeAtLocation(pattern);
  pattern.elements.forEach((element, i) => {
    if (ts.isOmittedExpression(element)) return;
    if (element.dotDotDotToken || element.initializer) {
      throw new AdjointError("ADJ201", element, "Destructure fields without defaults or a rest element.");
    }
    const key = ts.isObjectBindingPattern(pattern) ? bindingKey(element) : i;
    if (key === undefined || !isGuaranteed(cx, objectType, key)) {
      throw new AdjointError(
        "ADJ201",
        element,
        "Destructure fields the type guarantees: required properties by name, tuple elements within the tuple.",
      );
    }
    const hint = ts.isIdentifier(element.name) ? element.name.text : undefined;
    const id = cx.project(value.id, key, () => describeField(cx, cx.checker.getTypeAtLocation(element.name)), hint);
    lowerDestructuring(cx, element.name, { kind: "var", id }, out, env);
  });
}

function describeField(cx: LoweringContext, type: ts.Type): { kind: ValueKind; structure: boolean } {
  return { kind: fieldKind(type, cx.checker), structure: isStructureType(type, cx.checker) };
}

/** The property an object pattern's element reads: `w` in { w } and in { w: weight }. */
function bindingKey(element: ts.BindingElement): string | undefined {
  const name = element.propertyName ?? element.name;
  return ts.isIdentifier(name) ? name.text : undefined;
}

/** Whether a value of `type` certainly has field `key`: a required data property, or a tuple element within its length. */
function isGuaranteed(cx: LoweringContext, type: ts.Type, key: string | number): boolean {
  if (typeof key === "number") {
    if (!cx.checker.isTupleType(type)) return false;
    const target = (type as ts.TypeReference).target as ts.TupleType;
    return Number.isInteger(key) && key < target.minLength;
  }
  const property = type.getProperty(key);
  return property !== undefined && (property.flags & NOT_A_FIELD) === 0;
}

/**
 * What a read of p.key may not be: optional (absent at run time), a method, or an accessor
 * (its value is no own field the gradient has a place for: a getter's gradient would be lost).
 */
const NOT_A_FIELD = ts.SymbolFlags.Optional | ts.SymbolFlags.Method | ts.SymbolFlags.Accessor;

/**
 * Projects every field of a structure passed to a called function, by its type, so that the
 * callee's gradient (a whole structure) can be added into the caller's leaves. A part the
 * type cannot list (an optional field, an array of structures, an index signature) marks
 * the structure incomplete: the backward sweep refuses to take a gradient through the call.
 */
export function projectAllFields(cx: LoweringContext, id: VarId, type: ts.Type): void {
  const visit = (parent: VarId, parentType: ts.Type): void => {
    if (parentType.getStringIndexType() || parentType.getNumberIndexType()) {
      if (!cx.checker.isTupleType(parentType)) cx.incompleteStructures.add(id);
    }
    const keys: (string | number)[] = cx.checker.isTupleType(parentType)
      ? Array.from({ length: ((parentType as ts.TypeReference).target as ts.TupleType).fixedLength }, (_, i) => i)
      : parentType.getProperties().map((p) => p.name);
    for (const key of keys) {
      const fieldType =
        typeof key === "number"
          ? (cx.checker.getTypeArguments(parentType as ts.TypeReference)[key] ?? cx.checker.getAnyType())
          : cx.checker.getTypeOfSymbol(parentType.getProperty(key)!);
      if (fieldType.getCallSignatures().length > 0) continue; // methods and functions carry no gradient
      const described = describeField(cx, fieldType);
      if (!isGuaranteed(cx, parentType, key)) {
        if (described.kind !== "other" || described.structure || mayHoldLeaves(fieldType))
          cx.incompleteStructures.add(id);
        continue;
      }
      if (described.kind === "other" && !described.structure) {
        if (mayHoldLeaves(fieldType)) cx.incompleteStructures.add(id);
        continue;
      }
      const child = cx.project(parent, key, () => described);
      if (described.structure) visit(child, fieldType);
    }
  };
  visit(id, type);
}

/** Whether a value of a type the projections do not follow could hold numbers or tensors (an array of layers, a Map): any object but a string-like one. */
function mayHoldLeaves(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(mayHoldLeaves);
  return (
    (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) !== 0
  );
}

/** A name for a projection: the key itself when it is free, else the path joined in camel case (encW, pair1). */
export function projectionName(parentName: string, key: string | number, isRootParent: boolean): string {
  if (typeof key === "string" && isRootParent) return key;
  const tail = String(key);
  return `${parentName}${tail[0]!.toUpperCase()}${tail.slice(1)}`;
}

export type { Projection, VarId };
