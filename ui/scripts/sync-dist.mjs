// Copies a fresh Vite build into the folder the app embeds, touching only files whose bytes
// changed. The release binary embeds ui/dist (tauri's generate_context!), and Cargo rebuilds
// the app when an embedded file's modification time moves: Vite rewrites every file on every
// build, so an unchanged UI cost a full release relink (about 2 minutes here) on each
// `make bench`, `make bundle` and `make run`.
//
// Usage: node scripts/sync-dist.mjs FROM TO   (FROM is removed afterwards)
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error("usage: node scripts/sync-dist.mjs FROM TO");
  process.exit(2);
}
if (!existsSync(from) || !statSync(from).isDirectory()) {
  console.error(`sync-dist: ${from} is not a folder; did the Vite build run?`);
  process.exit(1);
}

function sameBytes(a, b) {
  return existsSync(b) && statSync(b).isFile() && readFileSync(a).equals(readFileSync(b));
}

function sync(src, dst) {
  mkdirSync(dst, { recursive: true });
  const wanted = new Set(readdirSync(src));
  for (const name of readdirSync(dst)) {
    if (!wanted.has(name)) rmSync(join(dst, name), { recursive: true, force: true });
  }
  for (const name of wanted) {
    const s = join(src, name);
    const d = join(dst, name);
    if (statSync(s).isDirectory()) {
      if (existsSync(d) && !statSync(d).isDirectory()) rmSync(d, { force: true });
      sync(s, d);
    } else if (!sameBytes(s, d)) {
      if (existsSync(d) && statSync(d).isDirectory()) rmSync(d, { recursive: true, force: true });
      cpSync(s, d);
    }
  }
}

sync(from, to);
rmSync(from, { recursive: true, force: true });
