// The objects a Kustomization (or HelmRelease, or ArtifactGenerator) applied, as a
// tree: its inventory, with the inventories of the Flux objects in it expanded in
// turn. Building reads objects through a lookup (the cluster, or fixtures in tests);
// rendering is pure.
import type { KubeObject } from '../../api/object.js';
import { groupOf, parseObjectId, subjectOf, type ObjMetadata } from '../../apply/object-id.js';
import { arrayAt, fieldAt, stringAt } from '../../health/fields.js';

export type TreeNote = 'not found' | 'cycle' | 'malformed inventory id';

export interface TreeNode extends ObjMetadata {
  /** Why this node's children are not listed. */
  readonly note?: TreeNote;
  readonly children: readonly TreeNode[];
}

/** Reads one object; undefined when it does not exist. */
export type ObjectLookup = (ref: ObjMetadata) => Promise<KubeObject | undefined>;

export interface TreeOptions {
  /** Only Flux objects (the toolkit API groups). */
  readonly compact?: boolean;
}

const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
const HELM_GROUP = 'helm.toolkit.fluxcd.io';
const GENERATOR_GROUP = 'source.extensions.fluxcd.io';

/** The inventory of the kinds that have one; undefined for every other kind. */
function inventoryOf(obj: KubeObject): ObjMetadata[] | undefined {
  const group = groupOf(obj.apiVersion);
  if (
    (group === KUSTOMIZE_GROUP && obj.kind === 'Kustomization') ||
    (group === HELM_GROUP && obj.kind === 'HelmRelease')
  ) {
    return arrayAt(obj, 'status.inventory.entries').map((e) => parseEntry(stringAt(e, 'id')));
  }
  if (group === GENERATOR_GROUP && obj.kind === 'ArtifactGenerator') {
    return arrayAt(obj, 'status.inventory').map((e) => ({
      namespace: stringAt(e, 'namespace'),
      name: stringAt(e, 'name'),
      group: 'source.toolkit.fluxcd.io',
      kind: 'ExternalArtifact',
    }));
  }
  return undefined;
}

// A malformed id still shows up (as its raw text) rather than hiding the rest of the tree.
function parseEntry(id: string): ObjMetadata {
  try {
    return parseObjectId(id);
  } catch {
    return { namespace: '', name: id, group: '', kind: '' };
  }
}

function isExpandable(m: ObjMetadata): boolean {
  return (
    (m.group === KUSTOMIZE_GROUP && m.kind === 'Kustomization') ||
    (m.group === HELM_GROUP && m.kind === 'HelmRelease') ||
    (m.group === GENERATOR_GROUP && m.kind === 'ArtifactGenerator')
  );
}

const keyOf = (m: ObjMetadata): string => `${m.group}/${m.kind}/${m.namespace}/${m.name}`;

function metadataOf(obj: KubeObject): ObjMetadata {
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
  };
}

export async function buildTree(
  root: KubeObject,
  lookup: ObjectLookup,
  opts: TreeOptions = {},
): Promise<TreeNode> {
  const self = metadataOf(root);
  return { ...self, children: await childrenOf(root, lookup, opts, new Set([keyOf(self)])) };
}

async function childrenOf(
  parent: KubeObject,
  lookup: ObjectLookup,
  opts: TreeOptions,
  ancestors: ReadonlySet<string>,
): Promise<TreeNode[]> {
  const entries = inventoryOf(parent);
  if (entries === undefined) return [];
  const self = keyOf(metadataOf(parent));
  // Objects of a remote cluster (spec.kubeConfig) cannot be read here: list them, don't expand.
  const remote = fieldAt(parent, 'spec.kubeConfig') !== undefined;
  const shown = entries.filter(
    (m) => keyOf(m) !== self && (opts.compact !== true || m.group.endsWith('.fluxcd.io')),
  );
  return Promise.all(
    shown.map(async (m): Promise<TreeNode> => {
      if (m.kind === '') return { ...m, note: 'malformed inventory id', children: [] };
      if (remote || !isExpandable(m)) return { ...m, children: [] };
      if (ancestors.has(keyOf(m))) return { ...m, note: 'cycle', children: [] };
      const child = await lookup(m);
      if (child === undefined) return { ...m, note: 'not found', children: [] };
      return { ...m, children: await childrenOf(child, lookup, opts, new Set([...ancestors, keyOf(m)])) };
    }),
  );
}

function label(node: TreeNode): string {
  const text = node.kind === '' ? node.name : subjectOf(node);
  return node.note === undefined ? text : `${text} (${node.note})`;
}

/** The tree in Flux's layout: the root, then `├── `/`└── ` branches indented by `│   `. */
export function renderTree(root: TreeNode): string[] {
  const lines = [label(root)];
  const walk = (nodes: readonly TreeNode[], prefix: string): void => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${label(node)}`);
      walk(node.children, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root.children, '');
  return lines;
}

export interface TreeDocument {
  kind: string;
  group?: string;
  namespace?: string;
  name: string;
  note?: TreeNote;
  resources?: TreeDocument[];
}

/** The tree as nested plain objects (for -o json|yaml): empty fields and lists left out. */
export function treeDocument(node: TreeNode): TreeDocument {
  const doc: TreeDocument = {
    kind: node.kind,
    ...(node.group === '' ? {} : { group: node.group }),
    ...(node.namespace === '' ? {} : { namespace: node.namespace }),
    name: node.name,
    ...(node.note === undefined ? {} : { note: node.note }),
  };
  if (node.children.length > 0) doc.resources = node.children.map(treeDocument);
  return doc;
}
