/**
 * Geometry of a drawing: edge paths, and the frames that the drawing with every layer puts
 * around the members of each group.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  edgePath,
  FRAME_LABEL_CHARS,
  FRAME_PAD,
  groupFrame,
  groupFrames,
  union
} from '../src/dag/geometry';
import { IRect } from '../src/dag/types';
import { rectsOf, residual } from './fixture';

function inside(inner: IRect, outer: IRect, margin = 0): boolean {
  return (
    inner.x - margin >= outer.x &&
    inner.y - margin >= outer.y &&
    inner.x + inner.w + margin <= outer.x + outer.w &&
    inner.y + inner.h + margin <= outer.y + outer.h
  );
}

function overlap(a: IRect, b: IRect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('edgePath', () => {
  it('draws a straight line along a column', () => {
    assert.equal(
      edgePath(
        [
          [73, 44],
          [73, 74]
        ],
        'TB'
      ),
      'M73,44 L73,74'
    );
  });

  it('bends between columns, across the flow of the layout', () => {
    const points: [number, number][] = [
      [83, 118],
      [144, 148],
      [144, 192],
      [83, 222]
    ];
    assert.equal(
      edgePath(points, 'TB'),
      'M83,118 C83,133 144,133 144,148 L144,192 C144,207 83,207 83,222'
    );
    assert.equal(
      edgePath(
        [
          [0, 0],
          [40, 20]
        ],
        'LR'
      ),
      'M0,0 C20,0 20,20 40,20'
    );
  });
});

describe('union', () => {
  it('is the smallest rectangle holding both', () => {
    assert.deepEqual(union({ x: 0, y: 10, w: 5, h: 5 }, { x: -3, y: 12, w: 4, h: 20 }), {
      x: -3,
      y: 10,
      w: 8,
      h: 22
    });
  });
});

describe('group frames of the drawing with every layer', () => {
  const data = residual();
  const layout = data.expanded_layout!;
  const rects = rectsOf(layout);
  const group = data.groups[0];

  it('frames every member with FRAME_PAD px around, and no other layer', () => {
    const frame = groupFrame(group, rects)!;
    assert.deepEqual(frame.rect, { x: 6, y: 140, w: 134, h: 430 });
    for (const name of group.members) {
      assert.ok(inside(rects.get(name)!, frame.rect, FRAME_PAD), name);
    }
    for (const name of ['x', 'stem', 'out']) {
      assert.ok(!overlap(rects.get(name)!, frame.rect), name);
    }
  });

  it('puts the label tab left of the frame, level with its top', () => {
    const frame = groupFrame(group, rects)!;
    assert.equal(frame.label, `− ${group.label}`);
    assert.ok(frame.tab.x + frame.tab.w <= frame.rect.x);
    assert.ok(frame.tab.y >= frame.rect.y && frame.tab.y < frame.rect.y + 13);
    assert.ok(frame.labelX <= frame.tab.x + frame.tab.w && frame.labelX > frame.tab.x);
    assert.ok(frame.tab.w > frame.label.length * 5, 'the tab is as wide as its text');
  });

  it('shortens a long label in the middle', () => {
    const long = { ...group, label: 'conv2_block1 … conv2_block3_with_a_long_name ×3' };
    const frame = groupFrame(long, rects)!;
    assert.equal(frame.label.length, 2 + FRAME_LABEL_CHARS);
    assert.ok(frame.label.startsWith('− conv2_') && frame.label.endsWith('name ×3'));
  });

  it('grows the bounds of the drawing to hold the frames and their tabs', () => {
    const base = { x: 0, y: 0, w: layout.width, h: layout.height };
    const { frames, bounds } = groupFrames(data.groups, rects, base);
    assert.equal(frames.length, 1);
    assert.ok(inside(base, bounds) && inside(frames[0].rect, bounds));
    assert.ok(inside(frames[0].tab, bounds));
    assert.equal(bounds.x, frames[0].tab.x);
    assert.ok(bounds.x < 0, 'the tab sticks out left of the boxes');
  });

  it('draws no frame for a group none of whose members is drawn', () => {
    const grouped = rectsOf(data.layout); // the group is one box there
    assert.equal(groupFrame(group, grouped), null);
    const base = { x: 0, y: 0, w: 10, h: 10 };
    assert.deepEqual(groupFrames(data.groups, grouped, base), { frames: [], bounds: base });
  });

  it('frames only the members that are drawn', () => {
    const some = new Map([...rects].filter(([id]) => id !== 'b3_conv' && id !== 'b3_add'));
    const frame = groupFrame(group, some)!;
    assert.equal(frame.rect.y + frame.rect.h, rects.get('b2_add')!.y + 44 + FRAME_PAD);
  });
});
