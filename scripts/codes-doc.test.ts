import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderCodesDoc } from './codes-doc.js';

test('docs/codes.md matches the code tables (regenerate with scripts/codes-doc.ts --write)', () => {
  const committed = readFileSync(new URL('../docs/codes.md', import.meta.url), 'utf8');
  assert.equal(committed, renderCodesDoc());
});
