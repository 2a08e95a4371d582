// Shares of a mask per tensor, per layer and per group (for logs, run.json and the report), and
// the overlap of two masks.
import type { NamedParameter, ParameterGroup, ParameterMask } from '../types.js';

export interface MaskShare {
  selected: number;
  total: number;
  /** selected / total; 0 for an empty total. */
  share: number;
}

export interface MaskSummary {
  /** Over every parameter element, eligible or not. */
  overall: MaskShare;
  tensors: Array<MaskShare & { name: string; group: ParameterGroup; layer: number | null }>;
  /** One entry per decoder layer in ascending order, then `null` for embeddings, final norm, head. */
  layers: Array<MaskShare & { layer: number | null }>;
  groups: Partial<Record<ParameterGroup, MaskShare>>;
}

function share(selected: number, total: number): MaskShare {
  return { selected, total, share: total === 0 ? 0 : selected / total };
}

function add(
  into: Map<unknown, [number, number]>,
  key: unknown,
  selected: number,
  total: number,
): void {
  const entry = into.get(key) ?? [0, 0];
  entry[0] += selected;
  entry[1] += total;
  into.set(key, entry);
}

/** Shares per tensor, layer and group; a parameter missing from the mask counts as unselected. */
export function maskSummary(
  mask: ParameterMask,
  parameters: readonly NamedParameter[],
): MaskSummary {
  const layers = new Map<unknown, [number, number]>();
  const groups = new Map<unknown, [number, number]>();
  const tensors: MaskSummary['tensors'] = [];
  let selected = 0;
  let total = 0;
  for (const p of parameters) {
    const chosen = mask.tensors.get(p.name)?.indices.length ?? 0;
    const size = p.variable.size;
    tensors.push({ name: p.name, group: p.group, layer: p.layer, ...share(chosen, size) });
    add(layers, p.layer, chosen, size);
    add(groups, p.group, chosen, size);
    selected += chosen;
    total += size;
  }
  const layerKeys = [...layers.keys()] as Array<number | null>;
  layerKeys.sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b));
  return {
    overall: share(selected, total),
    tensors,
    layers: layerKeys.map((layer) => ({ layer, ...share(...layers.get(layer)!) })),
    groups: Object.fromEntries([...groups].map(([g, [s, t]]) => [g, share(s, t)])),
  };
}

export interface MaskOverlap {
  /** Elements selected by both masks. */
  intersection: number;
  /** Elements selected by either. */
  union: number;
  /** intersection / union; 1 when both masks are empty (they agree everywhere). */
  jaccard: number;
  selectedA: number;
  selectedB: number;
}

/** Overlap of two masks over the tensors either names (indices are ascending, so one merge each). */
export function maskOverlap(a: ParameterMask, b: ParameterMask): MaskOverlap {
  let intersection = 0;
  let selectedA = 0;
  let selectedB = 0;
  for (const t of a.tensors.values()) selectedA += t.indices.length;
  for (const t of b.tensors.values()) selectedB += t.indices.length;
  for (const [name, ta] of a.tensors) {
    const tb = b.tensors.get(name);
    if (tb === undefined) continue;
    intersection += intersectSorted(ta.indices, tb.indices);
  }
  const union = selectedA + selectedB - intersection;
  return {
    intersection,
    union,
    jaccard: union === 0 ? 1 : intersection / union,
    selectedA,
    selectedB,
  };
}

function intersectSorted(x: Int32Array, y: Int32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      n += 1;
      i += 1;
      j += 1;
    } else if (x[i] < y[j]) i += 1;
    else j += 1;
  }
  return n;
}
