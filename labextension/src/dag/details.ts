/**
 * The details panel of the network view: what a clicked layer or group is.
 */
import { DagIndex } from './graph';
import { formatInt, formatShape, formatValue } from './format';
import { ConfigValue } from './types';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  parent: HTMLElement,
  content?: string
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) {
    e.className = cls;
  }
  if (content !== undefined) {
    e.textContent = content;
  }
  parent.appendChild(e);
  return e;
}

function row(table: HTMLElement, key: string, value: string, cls = ''): HTMLElement {
  const tr = el('tr', '', table);
  el('th', '', tr, key);
  return el('td', cls, tr, value);
}

/** A list of layer names that select the layer when clicked. */
function links(parent: HTMLElement, names: string[], onSelect: (id: string) => void): void {
  if (!names.length) {
    el('span', 'dln-dag-details-none', parent, '—');
    return;
  }
  names.forEach((name, i) => {
    if (i) {
      parent.appendChild(document.createTextNode(', '));
    }
    const a = el('button', 'dln-dag-link', parent, name);
    a.type = 'button';
    a.dataset.nodeId = name;
    a.addEventListener('click', () => onSelect(name));
  });
}

function configRows(table: HTMLElement, config: { [key: string]: ConfigValue }): void {
  for (const [key, value] of Object.entries(config)) {
    row(table, key, formatValue(value), 'dln-dag-config-value');
  }
}

/**
 * Fill *panel* with the details of layer *id*: type, kind, output shape, parameters,
 * group, neighbours and settings.
 */
export function showLayer(
  panel: HTMLElement,
  index: DagIndex,
  id: string,
  onSelect: (id: string) => void,
  onGroup: (groupId: string) => void
): void {
  const node = index.nodes.get(id);
  if (!node) {
    return;
  }
  panel.textContent = '';
  panel.dataset.nodeId = node.id;
  delete panel.dataset.groupId;
  el('div', 'dln-dag-details-title', panel, node.name);
  const table = el('table', 'dln-dag-details-table', panel);
  row(table, 'Type', node.type, 'dln-dag-details-type');
  row(table, 'Kind', node.kind, 'dln-dag-details-kind');
  row(table, 'Output shape', formatShape(node.shape), 'dln-dag-details-shape');
  row(table, 'Parameters', formatInt(node.params), 'dln-dag-details-params');
  if (node.group) {
    const group = index.groups.get(node.group);
    const cell = row(table, 'Group', '');
    const a = el('button', 'dln-dag-link', cell, group?.label ?? node.group);
    a.type = 'button';
    a.dataset.groupId = node.group;
    a.addEventListener('click', () => onGroup(node.group as string));
  }
  if (node.scope) {
    row(table, 'Nested model', node.scope);
  }
  links(row(table, 'Inputs', ''), index.inputs.get(node.id) ?? [], onSelect);
  links(row(table, 'Outputs', ''), index.outputs.get(node.id) ?? [], onSelect);
  if (node.config && Object.keys(node.config).length) {
    el('div', 'dln-dag-details-heading', panel, 'Configuration');
    configRows(el('table', 'dln-dag-details-table dln-dag-details-config', panel), node.config);
  }
}

/** Fill *panel* with the details of group *id*: size, repetitions, members. */
export function showGroup(
  panel: HTMLElement,
  index: DagIndex,
  id: string,
  onSelect: (id: string) => void
): void {
  const group = index.groups.get(id);
  if (!group) {
    return;
  }
  panel.textContent = '';
  panel.dataset.groupId = group.id;
  delete panel.dataset.nodeId;
  el('div', 'dln-dag-details-title', panel, group.label);
  const table = el('table', 'dln-dag-details-table', panel);
  row(table, 'Type', 'group of repeated blocks', 'dln-dag-details-type');
  row(table, 'Layers', String(group.members.length));
  row(table, 'Repeats', `${group.repeat} × ${group.units[0]?.length ?? 0} layers`);
  row(table, 'Output shape', formatShape(group.shape), 'dln-dag-details-shape');
  row(table, 'Parameters', formatInt(group.params), 'dln-dag-details-params');
  const composition = index
    .composition(group)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  row(table, 'Kinds', composition);
  el('div', 'dln-dag-details-heading', panel, 'Members');
  links(el('div', 'dln-dag-details-members', panel), group.members, onSelect);
}
