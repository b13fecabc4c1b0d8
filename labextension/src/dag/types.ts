/**
 * The JSON a network view sends (`DagView.to_json()` in dl_notebook/graph/view.py).
 */

/** The mime type of the interactive network view. */
export const MIME_TYPE = 'application/vnd.dl-notebook.dag+json';

/** An output shape without the batch axis: nested lists of sizes (null = unknown). */
export type Shape = null | number | string | Shape[];

/** A JSON value of a layer setting. */
export type ConfigValue =
  null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };

/** One layer. */
export interface IDagNode {
  id: string;
  name: string;
  type: string;
  kind: string;
  shape: Shape;
  params: number;
  group: string | null;
  scope: string;
  config?: { [key: string]: ConfigValue };
}

/** A run of repeated blocks drawn as one box. */
export interface IDagGroup {
  id: string;
  label: string;
  members: string[];
  units: string[][];
  repeat: number;
  params: number;
  shape: Shape;
}

/** A laid-out box: a layer or a group, top-left corner and size. */
export interface IDagBox {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A routed edge between two boxes. */
export interface IDagEdge {
  source: string;
  target: string;
  points: [number, number][];
}

/** Positions of the boxes and edges of one drawing. */
export interface IDagLayout {
  /** Whether every layer is drawn. */
  expanded: boolean;
  /** The groups drawn layer by layer (in a frame) rather than as one box. */
  open?: string[];
  direction: 'TB' | 'LR';
  width: number;
  height: number;
  boxes: IDagBox[];
  edges: IDagEdge[];
}

/** The whole message. */
export interface IDagData {
  version: number;
  name: string;
  nodes: IDagNode[];
  edges: [string, string][];
  groups: IDagGroup[];
  /** Groups collapsed. */
  layout: IDagLayout;
  /** Every layer drawn (when there are groups). */
  expanded_layout?: IDagLayout;
  /** Group id -> the layout with that group alone drawn layer by layer (two groups or more). */
  group_layouts?: { [id: string]: IDagLayout };
}

/** An axis-aligned rectangle in drawing coordinates. */
export interface IRect {
  x: number;
  y: number;
  w: number;
  h: number;
}
