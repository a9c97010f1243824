// Reads a Mermaid flowchart on stdin and parses it with Mermaid's own parser: exit 0 and, as JSON, the diagram
// type, its vertices (id, shape) and edges (start, end, label); or exit 1 and Mermaid's error. Mermaid's
// sanitizer needs a DOM, which jsdom provides; nothing is rendered.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let text = "";
for await (const chunk of process.stdin) text += chunk;
try {
  const parsed = await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const vertices = [...diagram.db.getVertices().values()].map((v) => [v.id, v.type]);
  const edges = diagram.db.getEdges().map((e) => [e.start, e.end, e.text]);
  process.stdout.write(JSON.stringify({ type: parsed.diagramType, vertices, edges }) + "\n");
} catch (error) {
  process.stderr.write(String(error.message || error) + "\n");
  process.exit(1);
}
