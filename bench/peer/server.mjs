// The Socket.IO 4.8 server chitter-local is measured beside: the same
// logical work per message, done the way a Node.js chat server would do it.
//
//   node server.mjs --port 0 --log DIR [--fsync group|each]
//
// Websocket transport only, no compression. A client joins rooms in its
// handshake (`auth: {rooms: [...]}`). On `send` the server acks on receipt
// (`accepted`), appends the message to a log file and makes it durable
// (fdatasync), then emits `persisted` to the sender and `message` to the
// rest of the room. `--fsync group` (the default): one fdatasync for
// everything appended while the previous one ran, as chitter-local's
// stream commits; `--fsync each`: one fdatasync per message, in arrival
// order. Prints `listening PORT` once it accepts connections.
import { open } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { Server } from "socket.io";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith("--")) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const port = Number(args.port ?? 0);
const fsync = args.fsync ?? "group";
if (!args.log || !["each", "group"].includes(fsync)) {
  console.error("usage: node server.mjs --port N --log DIR [--fsync group|each]");
  process.exit(2);
}

const log = await open(join(args.log, "messages.log"), "a");
const queue = [];
let flushing = false;

async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    while (queue.length > 0) {
      const batch = fsync === "group" ? queue.splice(0) : queue.splice(0, 1);
      await log.write(batch.map((m) => m.line).join(""));
      await log.datasync();
      for (const { socket, msg } of batch) {
        socket.emit("persisted", { id: msg.id });
        socket.to(msg.room).emit("message", msg);
      }
    }
  } finally {
    flushing = false;
  }
}

const io = new Server({
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
  // API Gateway's message limit, as chitter-local has.
  maxHttpBufferSize: 128 * 1024,
});

io.on("connection", (socket) => {
  const rooms = socket.handshake.auth?.rooms;
  if (Array.isArray(rooms)) socket.join(rooms.filter((r) => typeof r === "string"));
  socket.on("send", (msg, ack) => {
    if (typeof msg?.room !== "string" || typeof msg.id !== "string" || typeof msg.text !== "string") {
      socket.emit("error", { code: "invalid_frame" });
      return;
    }
    if (typeof ack === "function") ack({ id: msg.id, status: "accepted" });
    const line = JSON.stringify({ room: msg.room, id: msg.id, sender: socket.id, text: msg.text, at: Date.now() }) + "\n";
    queue.push({ line, socket, msg: { room: msg.room, id: msg.id, text: msg.text } });
    flush().catch((e) => {
      console.error(e);
      process.exit(1);
    });
  });
});

const http = createServer();
io.attach(http);
http.listen(port, "127.0.0.1", () => console.log(`listening ${http.address().port}`));
