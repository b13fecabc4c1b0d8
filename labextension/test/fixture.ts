/**
 * A network message as Python sends it: `DagView.from_dag(residual_dag()).to_json()` (see
 * tests/test_labextension.py), saved in residual.json. Its three residual blocks form one
 * group, so it has both layouts: groups collapsed, and every layer drawn.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDagData, IDagLayout, IRect } from '../src/dag/types';

/** A fresh copy of the message (tests may change it). */
export function residual(): IDagData {
  // compiled to test-build/test/: the JSON stays beside the sources
  const path = join(__dirname, '..', '..', 'test', 'residual.json');
  return JSON.parse(readFileSync(path, 'utf-8')) as IDagData;
}

/** Box id -> rectangle of each box of *layout*. */
export function rectsOf(layout: IDagLayout): Map<string, IRect> {
  return new Map(layout.boxes.map(b => [b.id, { x: b.x, y: b.y, w: b.w, h: b.h }]));
}
