// The gradient of a collection (an array of tensors or of structures that a differentiated
// function reads by index: p.layers[i].w, for...of, reduce; transformer/lower/structures.ts).
// The backward sweep allocates it with zerosLikeTree and adds each element's share into it
// in place; it is the sweep's own, so nothing else sees the writes.
import type { Operand } from "../ops/index.js";
import { add } from "../ops/index.js";
import { isTensor } from "../tensor.js";
import { isLeaf, type Leaf } from "../tree.js";
import { fitGradient } from "./adjoints.js";
import { addIntoArray } from "./tape.js";

/**
 * container[key] += g. At a leaf, g is its adjoint: a tensor's may be smaller and broadcast
 * to it, and the sum keeps the leaf's shape and dtype. At a structure, g is a gradient of
 * that structure (a helper's), added leaf by leaf.
 */
export function addInto(container: object, key: string | number, g: unknown): void {
  const slots = container as Record<string | number, unknown>;
  const current = slots[key];
  if (isLeaf(current)) slots[key] = addLeaf(current, g);
  else addTreeInto(current as object, g);
}

/** Adds the gradient structure `g` (a helper's, for a whole collection or structure) into `tree`, leaf by leaf. */
export function addTreeInto(tree: object, g: unknown): void {
  if (g === undefined || g === null) return;
  for (const key of Object.keys(g)) {
    const part = (g as Record<string, unknown>)[key];
    if (part !== undefined) addInto(tree, key, part);
  }
}

function addLeaf(x: Leaf, g: unknown): Leaf {
  if (typeof x === "number") return x + (g as number);
  if (isTensor(x)) return fitGradient(add(x, g as Operand), x);
  // A number array of the sweep's own gradient (zerosLikeTree made it): added into in place.
  addIntoArray(x, g as ArrayLike<number>);
  return x;
}
