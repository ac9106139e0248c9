#!/usr/bin/env node
// Fails when folders of src/ import each other in a cycle. Each folder is a node at two levels: the
// top-level feature folder (src/conversations) and every directory (src/conversations/dto); an
// edge is any import from a file of one to a file of another. The import graph comes from
// dependency-cruiser (type-only imports included).
const { execFileSync } = require('node:child_process');
const { dirname, join } = require('node:path');

const out = execFileSync(
  join(__dirname, '..', 'node_modules', '.bin', 'depcruise'),
  ['src', '--config', '.dependency-cruiser.js', '--output-type', 'json'],
  {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  },
);
const { modules } = JSON.parse(out);
const topLevel = (path) => path.split('/').slice(0, 2).join('/');
const isSource = (path) => path.startsWith('src/') && path.split('/').length > 2;

function cycles(nodeOf) {
  const edges = new Map();
  for (const m of modules) {
    if (!isSource(m.source)) continue;
    for (const d of m.dependencies) {
      if (!isSource(d.resolved)) continue;
      const [a, b] = [nodeOf(m.source), nodeOf(d.resolved)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a).has(b)) edges.get(a).set(b, `${m.source} → ${d.resolved}`);
    }
  }
  const found = [];
  const state = new Map(); // 1: on the stack, 2: done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const [next, via] of edges.get(node) ?? []) {
      if (state.get(next) === 1) {
        const loop = stack.slice(stack.indexOf(next));
        found.push(`${[...loop, next].join(' → ')} (closing import: ${via})`);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

const problems = [...cycles(topLevel).map((c) => `feature folders: ${c}`), ...cycles(dirname).map((c) => `directories: ${c}`)];
if (problems.length) {
  console.error(`Import cycles between folders of src/:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('no import cycles between folders of src/');
