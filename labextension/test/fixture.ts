/**
 * Network messages as Python sends them: `DagView.from_dag(dag).to_json()` for the DAGs of
 * tests/test_labextension.py (which checks that these files are current). residual.json:
 * three residual blocks form one group, so it has both layouts, groups collapsed and every
 * layer drawn. stages.json: two groups, so it also has one layout per group.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDagData, IDagLayout, IRect } from '../src/dag/types';

function load(name: string): IDagData {
  // compiled to test-build/test/: the JSON stays beside the sources
  const path = join(__dirname, '..', '..', 'test', name);
  return JSON.parse(readFileSync(path, 'utf-8')) as IDagData;
}

/** A fresh copy of the one-group message (tests may change it). */
export function residual(): IDagData {
  return load('residual.json');
}

/** A fresh copy of the two-group message. */
export function stages(): IDagData {
  return load('stages.json');
}

/** Box id -> rectangle of each box of *layout*. */
export function rectsOf(layout: IDagLayout): Map<string, IRect> {
  return new Map(layout.boxes.map(b => [b.id, { x: b.x, y: b.y, w: b.w, h: b.h }]));
}
