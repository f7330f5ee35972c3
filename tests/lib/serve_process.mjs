// `bareflow serve` as a child process for the serve tests and benchmarks (tests/llm,
// bench/llm): started on a free port, resolved once it listens, stopped with SIGTERM.
import { spawn } from "node:child_process";

// Starts `bareflow serve ARGS --port 0`; resolves to the process with `base` (its URL) and
// `stderrText()` once the banner names the port.
export function serve(bareflow, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bareflow, ["serve", ...args, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderrText = () => err;
    proc.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/listening on (http:\/\/[^ ]+)/);
      if (m && !proc.base) {
        proc.base = m[1];
        resolve(proc);
      }
    });
    proc.on("exit", (code) => (proc.base ? null : reject(new Error(`serve exited ${code}: ${err}`))));
  });
}

// SIGTERM; resolves to the exit status.
export function stop(proc) {
  return new Promise((resolve) => {
    proc.on("exit", (code) => resolve(code));
    proc.kill("SIGTERM");
  });
}
