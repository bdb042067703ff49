/**
 * A minimal web UI at `/`: sign in with a management user, then the overview, queues,
 * exchanges and connections, read from the same API the tools use. It is one static page
 * with no build step; the full RabbitMQ UI is out of scope for now.
 */
import type { FastifyInstance } from "fastify";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Warren Management</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;min-width:40rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}
form{display:flex;gap:.5rem;margin-bottom:1rem}#error{color:#a00}
</style></head><body>
<h1>Warren Management</h1>
<form id="login"><input id="user" placeholder="user" autocomplete="username"><input id="pass" type="password" placeholder="password" autocomplete="current-password"><button>Sign in</button></form>
<p id="error"></p><div id="content"></div>
<script>
const sections = [
  ["Overview", "/api/overview", (o) => [{node: o.node, version: o.product_version, connections: o.object_totals.connections, channels: o.object_totals.channels, queues: o.object_totals.queues, messages: o.queue_totals.messages}]],
  ["Queues", "/api/queues?columns=vhost,name,type,messages_ready,messages_unacknowledged,consumers,policy", (l) => l],
  ["Exchanges", "/api/exchanges?columns=vhost,name,type,durable", (l) => l],
  ["Connections", "/api/connections?columns=name,user,vhost,channels,state", (l) => l],
];
function table(rows) {
  if (rows.length === 0) return "<p>None.</p>";
  const columns = Object.keys(rows[0]);
  const cell = (value) => String(value ?? "").replace(/[&<>]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;"})[c]);
  return "<table><tr>" + columns.map((c) => "<th>" + cell(c) + "</th>").join("") + "</tr>" +
    rows.map((r) => "<tr>" + columns.map((c) => "<td>" + cell(typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c]) + "</td>").join("") + "</tr>").join("") + "</table>";
}
async function load() {
  const auth = sessionStorage.getItem("auth");
  if (!auth) return;
  let html = "";
  for (const [title, path, rows] of sections) {
    const response = await fetch(path, { headers: { authorization: "Basic " + auth } });
    if (!response.ok) { document.getElementById("error").textContent = "Sign-in failed (" + response.status + ")"; sessionStorage.removeItem("auth"); return; }
    html += "<h2>" + title + "</h2>" + table(rows(await response.json()));
  }
  document.getElementById("error").textContent = "";
  document.getElementById("content").innerHTML = html;
}
document.getElementById("login").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("auth", btoa(document.getElementById("user").value + ":" + document.getElementById("pass").value));
  load();
});
load();
setInterval(load, 5000);
</script></body></html>`;

export function registerUserInterface(app: FastifyInstance): void {
  app.get("/", { config: { public: true } }, async (_request, reply) => reply.type("text/html; charset=utf-8").send(PAGE));
}
