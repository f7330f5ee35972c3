// bareflow serve's throughput with 1, 2 and 4 concurrent streamed clients, as ratios of the one
// client's, on a synthetic checkpoint (random weights in a real model's shape) or on --model
// (a GGUF file; with SHARED_DIR's tokenizer.bin when it carries no vocabulary). Plain fetch and
// server-sent events: no npm package needed. The load average is printed before and after.
//
// usage: node bench/llm/serve_bench.mjs BUILD_DIR SHARED_DIR [--shape stories15M | --model FILE]
//            [--tokens 128] [--rounds 3] [--threads N]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { serve, stop } from "../../tests/lib/serve_process.mjs";

const [build, shared, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : dflt);
const shape = opt("--shape", "stories15M");
const tokens = Number(opt("--tokens", "128"));
const rounds = Number(opt("--rounds", "3"));
const given = opt("--model", null);
const threads = opt("--threads", null);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(", ");
const bareflow = path.join(build, "bareflow");

// The first bytes of a file (GGUF keeps its metadata at the front).
function head(file, bytes) {
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(bytes);
  const n = fs.readSync(fd, buf, 0, bytes, 0);
  fs.closeSync(fd);
  return buf.subarray(0, n);
}

// One streamed completion, read to its end.
async function client(base, i) {
  const r = await fetch(base + "/v1/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: `Once upon a time ${i}`, max_tokens: tokens, ignore_eos: true, stream: true,
                           temperature: 0.8, seed: i }),
  });
  const reader = r.body.getReader();
  while (!(await reader.read()).done) {}
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bareflow-serve-bench-"));
  const model = given ?? path.join(dir, `${shape}.bin`);
  if (!given) spawnSync(bareflow, ["synth", "--shape", shape, model], { stdio: "ignore" });
  const hasVocab = given && head(given, 8000000).includes("tokenizer.ggml.tokens");
  const args = ["-m", model, "--parallel", "4", ...(hasVocab ? [] : ["-z", path.join(shared, "models", "tokenizer.bin")]),
                ...(threads ? ["-t", threads] : [])];
  const server = await serve(bareflow, args);
  const loadBefore = load();
  try {
    await client(server.base, 0);  // warm-up: pages in the weights
    const rows = [];
    for (const n of [1, 2, 4]) {
      let best = 0;
      for (let r = 0; r < rounds; r++) {
        const t = performance.now();
        await Promise.all(Array.from({ length: n }, (_, i) => client(server.base, i + 1)));
        best = Math.max(best, (n * tokens * 1000) / (performance.now() - t));
      }
      rows.push({ n, best });
    }
    console.log(`${given ? path.basename(given) : shape + " (synthetic)"}, ${tokens} tokens per client, --parallel 4, ` +
                `${threads ? threads + " threads" : "threads: one per core"}, best of ${rounds}, ${os.cpus().length} cores; ` +
                `load average ${loadBefore} before, ${load()} after`);
    console.log("clients  total tok/s  per client tok/s  total vs 1 client");
    for (const { n, best } of rows)
      console.log(`${String(n).padStart(7)}  ${best.toFixed(1).padStart(11)}  ${(best / n).toFixed(1).padStart(16)}  ` +
                  `${(best / rows[0].best).toFixed(2).padStart(17)}x`);
  } finally {
    await stop(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
