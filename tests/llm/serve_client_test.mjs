// bareflow serve through the official OpenAI client (the `openai` npm package), over the loopback:
// plain and streamed completions and chat (the same text as generate and chat write), stop
// strings, seeds, concurrent clients, a client that disconnects mid-stream, the 4xx errors, the
// metrics, the default bind to 127.0.0.1 and --host.
//
// usage: node serve_client_test.mjs BAREFLOW SHARED_DIR CLIENT_DIR
// CLIENT_DIR is where `npm ci` installed the client, in the build directory (tests/llm/CMakeLists.txt).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { serve as serveWith, stop } from "../lib/serve_process.mjs";

const [bareflow, shared, clientDir] = process.argv.slice(2);
const openai = createRequire(path.join(clientDir, "package.json"))("openai");
const OpenAI = openai.OpenAI ?? openai.default ?? openai;
const serve = (args) => serveWith(bareflow, args);
const models = path.join(shared, "models");
const gguf = path.join(models, "stories260K.gguf");
let failures = 0;

function expect(name, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ": " + JSON.stringify(detail).slice(0, 1500)}`);
  if (!ok) failures++;
}

function client(proc) {
  return new OpenAI({ baseURL: proc.base + "/v1", apiKey: "unused", maxRetries: 0 });
}

function run(args, input = "") {
  const p = spawnSync(bareflow, args, { input, encoding: "utf8", timeout: 60000 });
  return p.stdout;
}

async function streamText(stream, field) {
  let text = "";
  const chunks = [];
  for await (const c of stream) {
    chunks.push(c);
    if (c.choices.length) text += field(c.choices[0]) ?? "";
  }
  return { text, chunks };
}

async function metrics(proc) {
  const text = await (await fetch(proc.base + "/metrics")).text();
  const value = (name) => Number((text.match(new RegExp(`^${name} (\\S+)$`, "m")) || [])[1]);
  return { text, value };
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e;
  }
}

async function rawPost(proc, endpoint, body) {
  const r = await fetch(proc.base + endpoint, { method: "POST", body, headers: { "content-type": "application/json" } });
  return { status: r.status, body: await r.json() };
}

async function main() {
  const server = await serve(["-m", gguf, "--parallel", "2", "--max-body", "65536"]);
  const api = client(server);
  const model = "stories260K.gguf";

  expect("the banner says 127.0.0.1 (the default bind)", server.base.startsWith("http://127.0.0.1:"), server.base);
  const health = await (await fetch(server.base + "/health")).json();
  const list = await api.models.list();
  expect("/health and /v1/models", health.status === "ok" && list.data.length === 1 && list.data[0].id === model,
         [health, list.data]);

  // A completion is generate's text for the prompt; streamed, the same.
  const prompt = "Once upon a time";
  const want = run(["generate", "-m", gguf, "--temp", "0", "-n", "30", "--no-display-prompt", "-p", prompt]).replace(/\n$/, "");
  const c = await api.completions.create({ model, prompt, max_tokens: 30, temperature: 0 });
  expect("completion = generate's text", c.choices[0].text === want && c.choices[0].finish_reason === "length" &&
         c.usage.prompt_tokens === 5 && c.usage.completion_tokens === 30 && c.object === "text_completion",
         [c, want]);
  const sc = await streamText(await api.completions.create({ model, prompt, max_tokens: 30, temperature: 0, stream: true }),
                              (ch) => ch.text);
  expect("streamed completion = the same text", sc.text === want && sc.chunks.length >= 2 &&
         sc.chunks.at(-1).choices[0].finish_reason === "length", sc);

  // Chat is bareflow chat's reply for the message; streamed, the same, the role first.
  const reply = run(["chat", "-m", gguf, "--temp", "0", "-n", "20"], "Once upon a time\n").replace(/\n$/, "");
  const messages = [{ role: "user", content: "Once upon a time" }];
  const ch = await api.chat.completions.create({ model, messages, max_tokens: 20, temperature: 0 });
  expect("chat = bareflow chat's reply", ch.choices[0].message.content === reply && ch.choices[0].message.role ===
         "assistant" && ch.object === "chat.completion" && ch.usage.completion_tokens === 20, [ch, reply]);
  const sch = await streamText(await api.chat.completions.create({ model, messages, max_tokens: 20, temperature: 0,
                                                                   stream: true, stream_options: { include_usage: true } }),
                               (choice) => choice.delta.content);
  const finals = sch.chunks.filter((k) => k.choices.length && k.choices[0].finish_reason);
  expect("streamed chat = the same reply, role first, usage last",
         sch.text === reply && sch.chunks[0].choices[0].delta.role === "assistant" && finals.length === 1 &&
         finals[0].choices[0].finish_reason === "length" && sch.chunks.at(-1).usage?.completion_tokens === 20, sch);

  // Stop strings end the text before them; a seed makes sampling repeat.
  const st = await api.completions.create({ model, prompt, max_tokens: 50, temperature: 0, stop: ["Lily", "zebra"] });
  expect("stop string", st.choices[0].text === ", there was a little girl named " && st.choices[0].finish_reason === "stop",
         st.choices[0]);
  const sampled = () => api.completions.create({ model, prompt, max_tokens: 40, temperature: 0.9, seed: 42 });
  const [s1, s2] = [await sampled(), await sampled()];
  expect("the same seed, the same text", s1.choices[0].text === s2.choices[0].text, [s1.choices[0], s2.choices[0]]);

  // Four concurrent streamed clients over two slots: each gets its own text (no cross-talk).
  const prompts = ["Once upon a time", "Lily and Tom went to the park", "The dog", "One day, a bird"];
  const alone = [];
  for (const p of prompts) alone.push((await api.completions.create({ model, prompt: p, max_tokens: 60, temperature: 0 })).choices[0].text);
  const together = await Promise.all(prompts.map(async (p) =>
    (await streamText(await api.completions.create({ model, prompt: p, max_tokens: 60, temperature: 0, stream: true }),
                      (k) => k.text)).text));
  expect("4 concurrent streamed clients on 2 slots", together.every((t, i) => t === alone[i] && t.length > 20),
         [together, alone]);

  // Errors: each a 4xx with an OpenAI error object, and the server goes on.
  const e404 = await errorOf(api.completions.create({ model: "gpt-4", prompt }));
  expect("unknown model: 404 model_not_found", e404?.status === 404 && e404.code === "model_not_found", e404?.error);
  const eLong = await errorOf(api.completions.create({ model, prompt: "the little dog ran ".repeat(700), max_tokens: 4 }));
  expect("a prompt beyond the context: 400 context_length_exceeded", eLong?.status === 400 &&
         eLong.code === "context_length_exceeded", eLong?.error);
  const eN = await errorOf(api.chat.completions.create({ model, messages, n: 2 }));
  expect("n: 2 is refused (400)", eN?.status === 400 && eN.param === "n", eN?.error);
  const eRole = await errorOf(api.chat.completions.create({ model, messages: [{ role: "tool", content: "x" }] }));
  expect("an unknown role: 400", eRole?.status === 400 && /unknown role 'tool'/.test(eRole.message), eRole?.error);
  const bad = await rawPost(server, "/v1/chat/completions", "{\"messages\": [");
  expect("a malformed body: 400", bad.status === 400 && bad.body.error.type === "invalid_request_error", bad);
  const wrongType = await rawPost(server, "/v1/completions", JSON.stringify({ prompt, temperature: "hot" }));
  expect("a field of the wrong type: 400", wrongType.status === 400 && wrongType.body.error.param === "temperature", wrongType);
  const big = await rawPost(server, "/v1/completions", JSON.stringify({ prompt: "x".repeat(100000) }));
  expect("an oversized body: 413", big.status === 413 && big.body.error.code === "request_too_large", big);
  const nowhere = await fetch(server.base + "/v1/engines");
  expect("an unknown endpoint: 404 with an error object", nowhere.status === 404 && (await nowhere.json()).error,
         nowhere.status);
  const after = await api.completions.create({ model, prompt, max_tokens: 5, temperature: 0 });
  expect("the server goes on", after.choices[0].text === want.slice(0, after.choices[0].text.length) &&
         after.usage.completion_tokens === 5, after);

  // The metrics, in Prometheus' text format.
  const m = await metrics(server);
  const completions200 = Number((m.text.match(/^bareflow_requests_total\{endpoint="\/v1\/completions",status="200"\} (\d+)$/m) || [])[1]);
  expect("/metrics counts requests, tokens and tok/s", completions200 >= 10 && m.value("bareflow_generated_tokens_total") > 400 &&
         m.value("bareflow_generation_tokens_per_second") > 0 && m.value("bareflow_slots") === 2 &&
         /# TYPE bareflow_prompt_tokens_total counter/.test(m.text), m.text);

  // Not reachable from other interfaces: 127.0.0.1 only.
  const port = Number(new URL(server.base).port);
  const outside = Object.values(os.networkInterfaces()).flat().find((a) => a.family === "IPv4" && !a.internal);
  if (outside) {
    const refused = await new Promise((resolve) => {
      const s = net.connect(port, outside.address);
      s.on("connect", () => { s.destroy(); resolve(false); });
      s.on("error", (e) => resolve(e.code === "ECONNREFUSED"));
    });
    expect(`not listening on ${outside.address}`, refused);
    // --host 0.0.0.0 opens it to every interface.
    const open = await serve(["-m", gguf, "--host", "0.0.0.0"]);
    const openHealth = await fetch(`http://${outside.address}:${new URL(open.base).port}/health`).then((r) => r.json(), (e) => e);
    expect(`--host 0.0.0.0 answers on ${outside.address}`, open.base.startsWith("http://0.0.0.0:") && openHealth.status === "ok",
           [open.base, String(openHealth)]);
    await stop(open);
  } else {
    console.log("skip the outside interface: this machine has none");
  }
  expect("SIGTERM stops the server (exit 0)", (await stop(server)) === 0, server.stderrText());

  // The command line's -r and -s are every request's defaults.
  const s3 = await serve(["-m", gguf, "-r", "Lily", "-s", "7"]);
  const api3 = client(s3);
  const r1 = await api3.completions.create({ model, prompt, max_tokens: 50, temperature: 0 });
  const [r2, r3] = [await api3.completions.create({ model, prompt, max_tokens: 40, temperature: 0.9 }),
                    await api3.completions.create({ model, prompt, max_tokens: 40, temperature: 0.9 })];
  expect("-r and -s are the requests' defaults", r1.choices[0].text === ", there was a little girl named " &&
         r1.choices[0].finish_reason === "stop" && r2.choices[0].text === r3.choices[0].text, [r1, r2, r3]);
  await stop(s3);

  // A client that disconnects mid-stream frees its slot: on a slow model (random weights), the
  // one slot serves the next request at once, and the abandoned one stopped early.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bareflow-serve-"));
  try {
    const slow = path.join(dir, "s15.bin");
    spawnSync(bareflow, ["synth", "--shape", "stories15M", slow]);
    const s2 = await serve(["-m", slow, "-z", path.join(models, "tokenizer.bin"), "--parallel", "1", "-t", "1"]);
    const api2 = client(s2);
    const abort = new AbortController();
    const stream = await api2.chat.completions.create(
      { model: "s15.bin", messages, max_tokens: 5000, ignore_eos: true, stream: true }, { signal: abort.signal });
    let seen = 0;
    await errorOf((async () => {  // the client ends the stream, or throws an abort error
      for await (const chunk of stream) {
        if (++seen === 3) abort.abort();
      }
    })());
    const next = await api2.completions.create({ model: "s15.bin", prompt, max_tokens: 3, ignore_eos: true });
    let cancelled = 0;
    for (let i = 0; i < 50 && !cancelled; i++) {
      cancelled = (await metrics(s2)).value("bareflow_requests_cancelled_total");
      if (!cancelled) await new Promise((r) => setTimeout(r, 100));
    }
    const generated = (await metrics(s2)).value("bareflow_generated_tokens_total");
    expect("a client gone mid-stream frees its slot", seen === 3 && cancelled === 1 &&
           next.usage.completion_tokens === 3 && generated < 200, { seen, cancelled, generated });
    expect("SIGTERM stops the second server", (await stop(s2)) === 0, s2.stderrText());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(`${failures} failure(s)`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL ${e.stack}`);
  process.exit(1);
});
