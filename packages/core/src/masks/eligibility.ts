// Which parameter tensors a selector may pick from. Shared by every neuron selector, so that
// swapping the selector in a config keeps the same options.
import type { NamedParameter, ParameterGroup } from '../types.js';

export const PARAMETER_GROUPS: readonly ParameterGroup[] = [
  'embedding',
  'attention',
  'mlp',
  'norm',
  'head',
];

export interface MaskEligibility {
  /** Groups to pick from: every group, attention only, MLP only, or a list of groups. */
  tensors: 'all' | 'attention' | 'mlp' | readonly ParameterGroup[];
  /** `exclude` drops the vocabulary matrices (groups `embedding` and `head`) from `tensors`. */
  embeddings: 'include' | 'exclude';
  /** `exclude` drops the RMSNorm / LayerNorm vectors (group `norm`) from `tensors`. */
  norms: 'include' | 'exclude';
}

export const DEFAULT_ELIGIBILITY: MaskEligibility = {
  tensors: 'all',
  embeddings: 'include',
  norms: 'include',
};

/** The groups the options allow; `include` never adds a group that `tensors` left out. */
export function eligibleGroups(options: MaskEligibility): Set<ParameterGroup> {
  const picked: readonly ParameterGroup[] =
    options.tensors === 'all'
      ? PARAMETER_GROUPS
      : options.tensors === 'attention' || options.tensors === 'mlp'
        ? [options.tensors]
        : options.tensors;
  const groups = new Set(picked);
  if (options.embeddings === 'exclude') {
    groups.delete('embedding');
    groups.delete('head');
  }
  if (options.norms === 'exclude') groups.delete('norm');
  return groups;
}

/** The parameters a selector may pick from, in model order. */
export function eligibleParameters(
  parameters: readonly NamedParameter[],
  options: MaskEligibility = DEFAULT_ELIGIBILITY,
): NamedParameter[] {
  const groups = eligibleGroups(options);
  return parameters.filter((p) => groups.has(p.group));
}
