import { describe, expect, test } from 'vitest';

import { escapeHtml, formatCount, formatNumber, formatShare } from './html.js';

describe('escapeHtml', () => {
  test('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(escapeHtml(3)).toBe('3');
  });
});

describe('formats', () => {
  test('numbers: 4 decimals, exponent form outside [1e-3, 1e5), n/a for missing', () => {
    expect(formatNumber(0.625)).toBe('0.6250');
    expect(formatNumber(-112.53041)).toBe('-112.5304');
    expect(formatNumber(0)).toBe('0.0000');
    expect(formatNumber(0.000734)).toBe('7.34e-4');
    expect(formatNumber(123456)).toBe('1.23e+5');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatNumber(undefined)).toBe('n/a');
  });

  test('shares as percentages with 2 decimals, counts with thousands separators', () => {
    expect(formatShare(0.05)).toBe('5.00%');
    expect(formatShare(13042 / 82240)).toBe('15.86%');
    expect(formatShare(null)).toBe('n/a');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
  });
});
