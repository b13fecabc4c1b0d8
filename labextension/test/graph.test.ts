/**
 * DagIndex: look-ups over a network message (neighbours, groups, totals, search).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ALL_GROUPS, DagIndex } from '../src/dag/graph';
import { residual, stages } from './fixture';

function ids(boxes: { id: string }[]): string[] {
  return boxes.map(b => b.id).sort();
}

describe('DagIndex', () => {
  it('indexes layers, groups and both directions of every edge', () => {
    const index = new DagIndex(residual());
    assert.equal(index.nodes.size, 9);
    assert.deepEqual([...index.groups.keys()], ['group/1']);
    assert.deepEqual(index.inputs.get('b1_add'), ['b1_conv', 'stem']);
    assert.deepEqual(index.outputs.get('stem'), ['b1_conv', 'b1_add']);
    assert.deepEqual(index.inputs.get('x'), []);
    assert.deepEqual(index.outputs.get('out'), []);
  });

  it('adds up the parameters', () => {
    assert.equal(new DagIndex(residual()).params, 112 + 3 * 148 + 50);
  });

  it('can expand only with groups and the layout with every layer', () => {
    assert.equal(new DagIndex(residual()).canExpand, true);
    const flat = residual();
    delete flat.expanded_layout;
    assert.equal(new DagIndex(flat).canExpand, false);
    const ungrouped = residual();
    ungrouped.groups = [];
    assert.equal(new DagIndex(ungrouped).canExpand, false);
  });

  it('counts the kinds of a group, most frequent first, ties by name', () => {
    const data = residual();
    const index = new DagIndex(data);
    assert.deepEqual(index.composition(data.groups[0]), [
      ['conv', 3],
      ['merge', 3]
    ]);
    const odd = { ...data.groups[0], members: ['b1_add', 'b1_conv', 'b2_conv', 'missing'] };
    assert.deepEqual(index.composition(odd), [
      ['conv', 2],
      ['merge', 1],
      ['other', 1]
    ]);
  });

  it('finds the exact name first, then prefixes, then names that contain the query', () => {
    const data = residual();
    data.nodes.push({ ...data.nodes[0], id: 'add', name: 'add' });
    const index = new DagIndex(data);
    assert.deepEqual(index.search('add'), ['add', 'b1_add', 'b2_add', 'b3_add']);
    assert.deepEqual(index.search('  B2'), ['b2_conv', 'b2_add']);
    assert.deepEqual(index.search('_conv'), ['b1_conv', 'b2_conv', 'b3_conv']);
    assert.deepEqual(index.search(' '), []);
    assert.deepEqual(index.search('nothing'), []);
  });

  it('opens one group at a time: its layers drawn, the other group one box', () => {
    const data = stages();
    const index = new DagIndex(data);
    const [a, b] = data.groups;
    assert.equal(index.layoutFor(null), data.layout);
    assert.equal(index.layoutFor(ALL_GROUPS), data.expanded_layout);
    const openA = index.layoutFor(a.id);
    assert.deepEqual(openA.open, [a.id]);
    assert.equal(openA.expanded, false);
    assert.deepEqual(ids(openA.boxes), [...a.members, b.id, 'down', 'out', 'stem', 'x'].sort());
    const openB = index.layoutFor(b.id);
    assert.deepEqual(openB.open, [b.id]);
    assert.deepEqual(ids(openB.boxes), [...b.members, a.id, 'down', 'out', 'stem', 'x'].sort());
    assert.equal(index.layoutFor('group/99'), data.layout, 'an unknown group opens nothing');
  });

  it('opens the only group with the layout that draws every layer', () => {
    const data = residual();
    const index = new DagIndex(data);
    assert.equal(data.group_layouts, undefined);
    assert.equal(index.layoutFor('group/1'), data.expanded_layout);
    assert.equal(index.layoutFor('group/1').expanded, true);
    const flat = residual();
    delete flat.expanded_layout;
    assert.equal(new DagIndex(flat).layoutFor('group/1'), flat.layout);
  });
});
