// Structure parameters: an object, interface, class instance or tuple of numbers, tensors,
// number arrays and further structures (API.md "Structured values"). Each field the
// function reads by name (p.w, p.enc.b, pair[0]) becomes a projection (ir.ts): a variable
// defined at the top of the function, whose gradient, for a leaf, is the field's part of the
// parameter's gradient. Only fields the type guarantees are projected (a required property,
// a tuple index within its length), so reading them first can never throw.
//
// An array of tensors or of structures (p.layers: Dense[]) is a collection: its elements are
// read where the body reads them (p.layers[i], for...of, reduce), by a readAt primitive whose
// adjoint adds into the collection's gradient at the element's index and keys. A structure
// read out of one (layers[i]) is a view: its fields are readAt primitives too.
//
// Anything else that reads a structure (Object.values(p)) reads the parameter itself as a
// value kept as written; when the parameter is differentiated, activity analysis refuses it
// wherever a gradient would have to flow through it.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { varAtom, type Atom, type ElementView, type Projection, type Stmt, type ValueKind, type VarId } from "../ir";
import { readElement } from "./arrays";
import { isTensorType, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { emitPrim, lowerExpr } from "./expressions";
import { isNumberType, valueKind } from "./kinds";

/** Whether a parameter of this type is a structure: an object with fields, or a tuple (not a Tensor, an array or a function). */
export function isStructureType(type: ts.Type, checker: ts.TypeChecker): boolean {
  // A tuple of numbers is a number array, as at run time (runtime/tree.ts isLeaf).
  if (checker.isTupleType(type)) return !isNumberTuple(type, checker);
  if (!(type.flags & ts.TypeFlags.Object) || type.isUnion() || isTensorType(type)) return false;
  if (valueKind(type) !== "other" || type.getCallSignatures().length > 0) return false;
  return type.getProperties().length > 0;
}

/** Whether a value of this type is a collection: an array (not a tuple) of tensors, of structures, or of such arrays. */
export function isCollectionType(type: ts.Type, checker: ts.TypeChecker): boolean {
  if (checker.isTupleType(type) || !checker.isArrayType(type)) return false;
  const element = type.getNumberIndexType();
  return (
    element !== undefined &&
    (isTensorType(element) || isStructureType(element, checker) || isCollectionType(element, checker))
  );
}

function isNumberTuple(type: ts.Type, checker: ts.TypeChecker): boolean {
  return checker.getTypeArguments(type as ts.TypeReference).every(isNumberType);
}

/** The kind of a projected field: a leaf's value kind, or "other" for a view (a structure), a collection and carried values. */
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
 * The field or element `e` reads from a structure parameter, a view or a collection: a
 * projection (p.w, p.enc.w, pair[1]) created on first use, or a readAt of an element
 * (p.layers[i], layer.w of a view). Undefined when `e` is none of these; the caller then
 * keeps it as written.
 */
export function lowerFieldRead(
  cx: LoweringContext,
  e: ts.Expression,
  out: Stmt[],
  env: Env,
  hint?: string,
): Atom | undefined {
  if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  if (e.questionDotToken) return undefined;
  const object = skipOuterExpressions(e.expression);
  const binding = ts.isIdentifier(object) ? env.get(cx.symbolAt(object)!) : lowerFieldRead(cx, object, out, env);
  if (binding === undefined || binding === "uninitialized" || binding.kind !== "var") return undefined;
  const parent = binding.id;
  const returned = cx.callResults.get(parent);
  if (returned) {
    const key = fieldKey(cx, e);
    const id = key === undefined ? undefined : returned.get(String(key));
    return id === undefined ? undefined : varAtom(id);
  }
  if (isArrayOfLayers(cx, parent)) {
    if (!ts.isElementAccessExpression(e) || !cx.isNumber(e.argumentExpression)) return undefined;
    const index = lowerExpr(cx, e.argumentExpression, out, env);
    return readElementOf(cx, parent, index, cx.checker.getTypeAtLocation(e), out, e, hint);
  }
  const key = fieldKey(cx, e);
  if (key === undefined) return undefined;
  const view = cx.views.get(parent);
  if (view) {
    const at = { ...view, keys: [...view.keys, cx.keyAtom(key)] };
    return readAt(cx, parent, at, cx.checker.getTypeAtLocation(e), out, e, hint);
  }
  if (!cx.structures.has(parent)) return undefined;
  const id = cx.project(parent, key, () => describeField(cx, cx.checker.getTypeAtLocation(e)), hint);
  return { kind: "var", id };
}

/** Whether `id` holds an array of layers: a collection, or an inner array read out of one (p.grid[i]). */
export function isArrayOfLayers(cx: LoweringContext, id: VarId): boolean {
  return cx.collections.has(id) || cx.collectionViews.has(id);
}

/** Element `index` of an array of layers `array` (a collection, or an inner array of one), of type `type`. */
export function readElementOf(
  cx: LoweringContext,
  array: VarId,
  index: Atom,
  type: ts.Type,
  out: Stmt[],
  node: ts.Node,
  hint?: string,
): Atom | undefined {
  const view = cx.views.get(array);
  const at: ElementView = view ? { ...view, keys: [...view.keys, index] } : { collection: array, index, keys: [] };
  return readAt(cx, array, at, type, out, node, hint);
}

/**
 * Element `index` of a collection, or a field of one (`at`), read from `parent` (the
 * collection, or the view the last key is read from): a tensor or number leaf, or a view of
 * a structure. Undefined for anything else (a string, a number array inside a layer): it is
 * then kept as written, and refused if a gradient must flow through it.
 */
export function readAt(
  cx: LoweringContext,
  parent: VarId,
  at: ElementView,
  type: ts.Type,
  out: Stmt[],
  node: ts.Node,
  hint?: string,
): Atom | undefined {
  // A structure, or an inner array of layers (p.grid[i]), is a view; a number or a tensor a leaf.
  const inner = isCollectionType(type, cx.checker);
  const structure = isStructureType(type, cx.checker) || inner;
  const kind = structure ? "other" : fieldKind(type, cx.checker);
  if (!structure && kind !== "tensor" && kind !== "number") return undefined;
  const args = [varAtom(parent), varAtom(at.collection), at.index, ...at.keys];
  // Unnamed reads are named after what they read: layer for layers[i], w for layer.w.
  const last = at.keys.at(-1);
  const name =
    at.keys.length === 0
      ? elementName(cx.vars[at.collection]!.name)
      : last?.kind === "constant" && ts.isStringLiteral(last.node)
        ? last.node.text
        : undefined;
  const value = emitPrim(cx, "readAt", args, out, node, hint ?? name);
  if (structure && value.kind === "var") cx.views.set(value.id, at);
  if (inner && value.kind === "var") cx.collectionViews.add(value.id);
  return value;
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
  const returned = value.kind === "var" ? cx.callResults.get(value.id) : undefined;
  if (returned) {
    for (const [i, element] of pattern.elements.entries()) {
      if (ts.isOmittedExpression(element)) continue;
      const key = ts.isObjectBindingPattern(pattern) ? bindingKey(element) : String(i);
      const id = key === undefined ? undefined : returned.get(key);
      if (id === undefined || element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name))
        throw new AdjointError(
          "ADJ201",
          element,
          "Destructure the number and tensor fields the helper returns, one name each.",
        );
      env.set(cx.symbolOf(element.name), varAtom(id));
    }
    return;
  }
  const view = value.kind === "var" ? cx.views.get(value.id) : undefined;
  if (value.kind !== "var" || (!cx.structures.has(value.id) && !view)) {
    throw new AdjointError(
      "ADJ201",
      pattern,
      "Destructure a structure parameter, a field of one or an element of an array of them (const { w, b } = p.enc); declare other variables one by one.",
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
    const fieldType = cx.checker.getTypeAtLocation(element.name);
    if (view) {
      const field = readAt(
        cx,
        value.id,
        { ...view, keys: [...view.keys, cx.keyAtom(key)] },
        fieldType,
        out,
        element,
        hint,
      );
      if (!field)
        throw new AdjointError(
          "ADJ201",
          element,
          "Destructure the numbers, tensors and structures of a layer; read other fields by name.",
        );
      return lowerDestructuring(cx, element.name, field, out, env);
    }
    const id = cx.project(value.id, key, () => describeField(cx, fieldType), hint);
    lowerDestructuring(cx, element.name, { kind: "var", id }, out, env);
  });
}

function describeField(
  cx: LoweringContext,
  type: ts.Type,
): { kind: ValueKind; structure: boolean; collection: boolean } {
  return {
    kind: fieldKind(type, cx.checker),
    structure: isStructureType(type, cx.checker),
    collection: isCollectionType(type, cx.checker),
  };
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
 * callee's gradient (a whole structure) can be added into the caller's leaves (a collection
 * is one: its gradient is added in whole). A part the type cannot list (an optional field, an index signature) marks
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
      if (described.kind === "other" && !described.structure && !described.collection) {
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

/**
 * return { h, c } from a helper (objectOf): the vjp's seed carries the adjoints of its number
 * and tensor fields. Other fields (a label) are carried; activity analysis refuses one a
 * gradient would have to flow through (an array of states), as the caller reads only the
 * number and tensor fields back (readCallResult).
 */
export function lowerReturnedObject(
  cx: LoweringContext,
  e: ts.ObjectLiteralExpression | ts.ArrayLiteralExpression,
  out: Stmt[],
  env: Env,
): Atom {
  const args: Atom[] = [];
  // return [h, c] of a tuple type: the same, keyed by position.
  if (ts.isArrayLiteralExpression(e)) {
    e.elements.forEach((element, i) => {
      if (ts.isSpreadElement(element) || ts.isOmittedExpression(element))
        throw new AdjointError("ADJ214", element, "Return a tuple of its elements one by one (return [h, c]).");
      args.push({ kind: "number", value: i }, lowerExpr(cx, element, out, env));
    });
  }
  for (const p of ts.isObjectLiteralExpression(e) ? e.properties : []) {
    const name = ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
    const key = name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
    if (key === undefined)
      throw new AdjointError("ADJ214", p, "Return an object of named fields (return { h, c } or { h: value }).");
    const value = ts.isShorthandPropertyAssignment(p)
      ? shorthandValue(cx, p, env)
      : lowerExpr(cx, (p as ts.PropertyAssignment).initializer, out, env, key);
    args.push(cx.keyAtom(key), value);
  }
  const result = emitPrim(cx, "objectOf", args, out, e);
  if (result.kind === "var") cx.returnedObjects.add(result.id);
  return result;
}

/** The variable `{ h }` reads (the checker's symbol of the name `h` there is the property's). */
function shorthandValue(cx: LoweringContext, p: ts.ShorthandPropertyAssignment, env: Env): Atom {
  const symbol = cx.checker.getShorthandAssignmentValueSymbol(p);
  const binding = symbol && env.get(symbol);
  if (binding === "uninitialized")
    throw new AdjointError("ADJ206", p, `\`${p.name.text}\` may be read before it is assigned.`);
  if (binding) return binding;
  if (symbol && cx.isDeclaredInside(symbol))
    throw new AdjointError(
      "ADJ210",
      p,
      `\`${p.name.text}\` is declared inside the differentiated function in a form the transformer does not track: declare it outside the function.`,
    );
  return { kind: "constant", node: p.name };
}

/**
 * const r = cell(...) of a helper that returns an object: each number or tensor field is
 * read right after the call (fieldOf), and r.h or const { h, c } = r reads those.
 */
export function readCallResult(cx: LoweringContext, result: VarId, type: ts.Type, out: Stmt[], node: ts.Node): void {
  if (!isStructureType(type, cx.checker)) return;
  const tuple = cx.checker.isTupleType(type);
  const fields = new Map<string, VarId>();
  const keys = tuple
    ? cx.checker.getTypeArguments(type as ts.TypeReference).map((fieldType, i) => ({ key: i, fieldType }))
    : type.getProperties().map((p) => ({ key: p.name, fieldType: cx.checker.getTypeOfSymbol(p) }));
  for (const { key, fieldType } of keys) {
    if (!isGuaranteed(cx, type, key)) continue;
    const kind = fieldKind(fieldType, cx.checker);
    if (kind !== "number" && kind !== "tensor") continue;
    const id = cx.tempVar(kind, typeof key === "string" ? key : `${cx.vars[result]!.name}${key}`);
    out.push({
      kind: "let",
      target: id,
      op: { kind: "prim", prim: "fieldOf", args: [varAtom(result), cx.keyAtom(key)] },
      node,
    });
    fields.set(String(key), id);
  }
  cx.callResults.set(result, fields);
  if (tuple) cx.tupleResults.add(result);
}

/** layer for layers, xsElement for xs. */
function elementName(collection: string): string {
  return /[^s]s$/.test(collection) ? collection.slice(0, -1) : `${collection}Element`;
}

/** A name for a projection: the key itself when it is free, else the path joined in camel case (encW, pair1). */
export function projectionName(parentName: string, key: string | number, isRootParent: boolean): string {
  if (typeof key === "string" && isRootParent) return key;
  const tail = String(key);
  return `${parentName}${tail[0]!.toUpperCase()}${tail.slice(1)}`;
}

export type { Projection, VarId };
