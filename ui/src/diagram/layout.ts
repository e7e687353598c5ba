// Automatic layout of a Diagram with ELK (layered, top-down, nested boxes); absolute coordinates out.
import type { ELK as ElkEngine, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { Diagram, DiagramEdge, DiagramNode } from "./graph";

export interface Box {
  node: DiagramNode;
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

export interface Route {
  edge: DiagramEdge;
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

export interface Layout {
  boxes: Box[];
  routes: Route[];
  width: number;
  height: number;
}

const CHAR = 7;
const LABEL_HEIGHT = 16;
let engine: Promise<ElkEngine> | null = null;

/** ELK is large: loaded on first use, in its own chunk. */
function elk(): Promise<ElkEngine> {
  engine ??= import("elkjs/lib/elk.bundled.js").then((module) => new module.default());
  return engine;
}

function textWidth(label: string): number {
  return Math.max(8, label.length * CHAR + 8);
}

function toElk(node: DiagramNode): ElkNode {
  if (node.kind === "start") return { id: node.id, width: 14, height: 14 };
  if (node.children.length === 0 && node.kind !== "region") {
    return { id: node.id, width: Math.max(90, textWidth(node.label) + 16), height: 40 };
  }
  return {
    id: node.id,
    layoutOptions: {
      "elk.padding": "[top=30,left=14,bottom=14,right=14]",
      "elk.nodeSize.constraints": "MINIMUM_SIZE",
      "elk.nodeSize.minimum": `(${textWidth(node.label) + 28},60)`,
    },
    children: node.children.map(toElk),
  };
}

export async function layoutDiagram(diagram: Diagram): Promise<Layout> {
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "POLYLINE",
      "elk.layered.spacing.nodeNodeBetweenLayers": "46",
      "elk.spacing.nodeNode": "36",
      "elk.spacing.edgeLabel": "4",
      "elk.edgeLabels.inline": "false",
      "elk.json.edgeCoords": "ROOT",
      "elk.json.shapeCoords": "ROOT",
      "elk.padding": "[top=16,left=16,bottom=16,right=16]",
    },
    children: diagram.nodes.map(toElk),
    edges: diagram.edges.map(
      (edge): ElkExtendedEdge => ({
        id: edge.id,
        sources: [edge.source],
        targets: [edge.target],
        labels: edge.label ? [{ id: `${edge.id}:label`, text: edge.label, width: textWidth(edge.label), height: LABEL_HEIGHT }] : [],
      }),
    ),
  };
  const laid = await (await elk()).layout(graph);
  const byId = new Map<string, DiagramNode>();
  const index = (nodes: DiagramNode[]): void =>
    nodes.forEach((n) => {
      byId.set(n.id, n);
      index(n.children);
    });
  index(diagram.nodes);
  const boxes: Box[] = [];
  const walk = (nodes: ElkNode[] | undefined, depth: number): void => {
    for (const n of nodes ?? []) {
      const node = byId.get(n.id);
      if (node) boxes.push({ node, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0, depth });
      walk(n.children, depth + 1);
    }
  };
  walk(laid.children, 0);
  const edgesById = new Map(diagram.edges.map((e) => [e.id, e]));
  const routes: Route[] = [];
  const collect = (node: ElkNode): void => {
    for (const e of (node.edges ?? []) as ElkExtendedEdge[]) {
      const edge = edgesById.get(e.id);
      if (!edge) continue;
      const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      const l = e.labels?.[0];
      routes.push({
        edge,
        points,
        label: l ? { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 } : null,
      });
    }
    for (const child of node.children ?? []) collect(child);
  };
  collect(laid);
  return { boxes, routes, width: laid.width ?? 0, height: laid.height ?? 0 };
}
