// A minimal Lambda runtime loop for Node.js (what the managed nodejs20.x
// runtime does before and around a handler): load the handler, then poll
// the Runtime API for invocations and post each result back.
import { request } from "node:http";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const base = "/2018-06-01/runtime/invocation";

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const [host, port] = api.split(":");
    const headers = body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    const req = request({ host, port, path, method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const { handler } = await import("./handler.mjs");
for (;;) {
  const next = await call("GET", `${base}/next`);
  const id = next.headers["lambda-runtime-aws-request-id"];
  try {
    const result = await handler(JSON.parse(next.body));
    await call("POST", `${base}/${id}/response`, JSON.stringify(result ?? null));
  } catch (e) {
    await call("POST", `${base}/${id}/error`, JSON.stringify({ errorType: e?.name ?? "Error", errorMessage: String(e) }));
  }
}
