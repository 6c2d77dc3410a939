// The stage at scale as a spec sees it: which instance answered each response (nginx's
// X-Helpcenter-Upstream), what each event stream of the page received, and the control
// address that does what a browser cannot (kill an instance, move the store up).
const { expect, stage } = require("../fixtures");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`cargo xtask e2e-scale\``);
  return value;
};

/** The instances behind the balancer by address ("127.0.0.1:PORT" → "A"), and back. */
function instances() {
  const pairs = env("HELPCENTER_E2E_INSTANCES")
    .split(",")
    .map((pair) => pair.split("="))
    .map(([name, addr]) => [name.toUpperCase(), addr]);
  return { byAddress: Object.fromEntries(pairs.map(([name, addr]) => [addr, name])), byName: Object.fromEntries(pairs) };
}

/** nginx's name for the instances' group (`upstream helpcenter` in xtask/src/balancer.rs):
 * `$upstream_addr` ends with it when nginx found no instance to try and answered itself (a
 * 502), as when A is dead and B broke off the request nginx was sending it. */
const UPSTREAM_GROUP = "helpcenter";

/** The instance that answered `response` ("A", "B"), from the header nginx adds; after a try
 * an instance refused, nginx names each it tried, and the last one answered. `null`: no
 * instance answered (nginx itself did). */
function servedBy(response) {
  const upstream = response.headers()["x-helpcenter-upstream"];
  if (!upstream) return null;
  const last = upstream.split(", ").pop();
  if (last === UPSTREAM_GROUP) return null;
  const name = instances().byAddress[last];
  if (!name) throw new Error(`answered by ${upstream}, which is no instance`);
  return name;
}

/** An instance's own address (bypassing the balancer), as an origin. */
function instanceOrigin(name) {
  return `http://${instances().byName[name]}`;
}

/** Every response from the balancer to `page` (its frames included), in the order they
 * came: method, path, status and the instance that answered. Requests that got no answer
 * (the connection cut) are kept with `failed` instead. */
function watchInstances(page) {
  const seen = [];
  const ours = (url) => url.startsWith(stage.widget);
  page.on("response", (r) => {
    if (!ours(r.url())) return;
    seen.push({
      method: r.request().method(),
      path: new URL(r.url()).pathname,
      status: r.status(),
      by: servedBy(r),
      offset: r.headers()["upload-offset"],
    });
  });
  page.on("requestfailed", (r) => {
    if (!ours(r.url())) return;
    seen.push({ method: r.method(), path: new URL(r.url()).pathname, failed: r.failure()?.errorText });
  });
  return seen;
}

/** What each event stream (EventSource) of `page` received, seen by Chromium's own network
 * layer rather than the widget: stream → the events' ids, in order. */
async function watchStreams(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const urls = new Map();
  const streams = new Map();
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.eventSourceMessageReceived", (e) => {
    if (!streams.has(e.requestId)) streams.set(e.requestId, { url: urls.get(e.requestId), events: [] });
    streams.get(e.requestId).events.push({ id: e.eventId, name: e.eventName, data: e.data });
  });
  return {
    /** The streams of ticket `id`, each with the events it received. */
    of(id) {
      return [...streams.values()].filter((s) => s.url?.includes(`/v1/tickets/${id}/events`));
    },
  };
}

/** Runs `action` on the control address; answers what it did. */
async function control(request, action) {
  const answer = await request.post(`${env("HELPCENTER_E2E_CONTROL")}/${action}`, { timeout: 120_000 });
  const text = await answer.text();
  expect(answer.status(), text).toBe(200);
  return text;
}

module.exports = { servedBy, instanceOrigin, watchInstances, watchStreams, control };
