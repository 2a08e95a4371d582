import { describe, expect, test } from 'vitest';

import { FORGETTING_TENSORS } from './fixture.js';
import { ALL_GROUPS, heatmapCells } from './masks.js';

describe('heatmapCells', () => {
  test('sums tensors per layer and group, adds each row over all groups, keeps layer and group order', () => {
    const layers = [0, 1, null].map((layer) => {
      const tensors = FORGETTING_TENSORS.filter((t) => t.layer === layer);
      const selected = tensors.reduce((n, t) => n + t.selected, 0);
      const total = tensors.reduce((n, t) => n + t.total, 0);
      return { layer, selected, total, share: selected / total };
    });
    const summary = {
      overall: { selected: 0, total: 0, share: 0 },
      tensors: FORGETTING_TENSORS,
      layers,
      groups: {},
    };
    const { cells, rows, groups } = heatmapCells(summary);
    expect(rows).toEqual(['layer 0', 'layer 1', 'outside layers']);
    expect(groups).toEqual(['embedding', 'attention', 'mlp', 'norm', ALL_GROUPS]);
    const at = (row: string, group: string) =>
      cells.find((c) => c.row === row && c.group === group);
    expect(at('layer 0', 'attention')).toMatchObject({
      selected: 1024,
      total: 8192,
      share: 0.125,
      label: '12.50%',
    });
    expect(at('layer 0', 'mlp')).toMatchObject({ selected: 410, total: 16384, label: '2.50%' });
    expect(at('layer 1', 'norm')).toMatchObject({ selected: 16, total: 128, share: 0.125 });
    expect(at('outside layers', 'norm')).toMatchObject({
      selected: 0,
      total: 64,
      share: 0,
      label: '0.00%',
    });
    expect(at('layer 1', ALL_GROUPS)).toMatchObject({
      selected: 11280,
      total: 24704,
      label: '45.66%',
    });
    expect(at('outside layers', ALL_GROUPS)).toMatchObject({
      selected: 328,
      total: 32832,
      label: '1.00%',
    });
    expect(at('layer 0', 'embedding')).toBeUndefined();
    expect(cells.length).toBe(11);
  });
});
