/**
 * Look-ups over one network message: layers and groups by id, neighbours, search.
 */
import { IDagData, IDagGroup, IDagLayout, IDagNode } from './types';

/** The expansion state that draws every layer (any other state is null or a group id). */
export const ALL_GROUPS = '*';

/** Indexes of a network message. */
export class DagIndex {
  readonly data: IDagData;
  readonly nodes = new Map<string, IDagNode>();
  readonly groups = new Map<string, IDagGroup>();
  readonly inputs = new Map<string, string[]>();
  readonly outputs = new Map<string, string[]>();

  constructor(data: IDagData) {
    this.data = data;
    for (const node of data.nodes) {
      this.nodes.set(node.id, node);
      this.inputs.set(node.id, []);
      this.outputs.set(node.id, []);
    }
    for (const group of data.groups) {
      this.groups.set(group.id, group);
    }
    for (const [source, target] of data.edges) {
      this.outputs.get(source)?.push(target);
      this.inputs.get(target)?.push(source);
    }
  }

  /** Whether the message holds a layout with every layer drawn. */
  get canExpand(): boolean {
    return this.data.groups.length > 0 && !!this.data.expanded_layout;
  }

  /**
   * The layout of an expansion state: null draws every group as a box, a group id draws
   * that group layer by layer and the others as boxes (an unknown id: none), ALL_GROUPS
   * draws every layer.
   * Every layout comes from Python's layout engine, as the notebook's SVG drawing does.
   */
  layoutFor(open: string | null): IDagLayout {
    const data = this.data;
    if (open === null || !this.canExpand) {
      return data.layout;
    }
    if (open === ALL_GROUPS) {
      return data.expanded_layout!;
    }
    if (!this.groups.has(open)) {
      return data.layout;
    }
    // with a single group, opening it draws every layer
    return data.group_layouts?.[open] ?? data.expanded_layout!;
  }

  /** Total number of parameters. */
  get params(): number {
    return this.data.nodes.reduce((sum, n) => sum + n.params, 0);
  }

  /** `(kind, count)` pairs of the members of *group*, most frequent first. */
  composition(group: IDagGroup): [string, number][] {
    const counts = new Map<string, number>();
    for (const name of group.members) {
      const kind = this.nodes.get(name)?.kind ?? 'other';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /**
   * Names of the layers that match *query*, best first: the exact name, then names that
   * start with it, then names that contain it (case-insensitive), each in network order.
   */
  search(query: string): string[] {
    const q = query.trim().toLowerCase();
    if (!q) {
      return [];
    }
    const exact: string[] = [];
    const prefix: string[] = [];
    const inside: string[] = [];
    for (const node of this.data.nodes) {
      const name = node.name.toLowerCase();
      if (name === q) {
        exact.push(node.id);
      } else if (name.startsWith(q)) {
        prefix.push(node.id);
      } else if (name.includes(q)) {
        inside.push(node.id);
      }
    }
    return [...exact, ...prefix, ...inside];
  }
}
