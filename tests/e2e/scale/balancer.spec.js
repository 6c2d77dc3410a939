// The README's "Running at scale" in the browser: two server instances (A and B) on one
// PostgreSQL database and one S3 bucket, nothing else shared, behind nginx (round robin, no
// sticky sessions). The shopper's widget comes through the balancer and never knows which
// instance answers: the whole journey works with its requests alternating between them, an
// agent's change made on one instance reaches the shopper's stream held by the other, once,
// and an instance killed in the middle of an upload loses nothing.
const crypto = require("node:crypto");
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, Agent, filedTicketId } = require("../fixtures");
const { instanceOrigin, watchInstances, watchStreams, control } = require("./cluster");

const BIG = "IMG_2043.JPG";
const other = (name) => (name === "A" ? "B" : "A");
const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");

/** Each stream of ticket `id` received each event once; answers the events of all of them. */
function eachEventOnce(streams, id) {
  const all = [];
  for (const stream of streams.of(id)) {
    const ids = stream.events.map((e) => e.id);
    expect(new Set(ids).size, `a stream of ${id} received ${ids.join(", ")}`).toBe(ids.length);
    all.push(...stream.events.map((e) => ({ ...JSON.parse(e.data), id: e.id })));
  }
  return all;
}

/** The requests the widget's upload of a file made, in order. */
const uploadCalls = (served) => served.filter((r) => r.path.includes("/uploads"));

test("the whole journey through the balancer: requests alternate between the instances, and an agent's change on one reaches the stream on the other once", async ({ page, request }, testInfo) => {
  const served = watchInstances(page);
  const streams = await watchStreams(page);
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.click();
  await expect(heading).toHaveText("What went wrong with your order?");

  await frame.getByRole("button", { name: /^Product quality/ }).click();
  await frame.getByRole("button", { name: "It arrived broken or damaged" }).click();
  await expect(heading).toHaveText("What we'll do");
  const delivered = new Date(Date.now() - 2 * 864e5).toISOString().slice(0, 10);
  await frame.getByLabel("When did the parcel arrive?").fill(delivered);
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Tell us about it");
  await frame.getByLabel("Order number").fill("10023456");
  await frame.getByLabel("What happened?").fill("The box was crushed on one corner and the kettle's spout is bent.");
  await frame.getByLabel("Your email").fill("wei@example.com");
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Photos and videos");

  await test.step("two photos upload, their requests spread over both instances", async () => {
    await frame.locator(".hc-pickers input[type=file]").first().setInputFiles([evidence("IMG_2041.JPG"), evidence("IMG_2042.JPG")]);
    await expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded", "Uploaded"], { timeout: 30_000 });
    const uploads = uploadCalls(served);
    testInfo.annotations.push({ type: "uploads", description: uploads.map((r) => `${r.method} ${r.status} by ${r.by}`).join("; ") });
    expect(new Set(uploads.map((r) => r.by))).toEqual(new Set(["A", "B"]));
  });

  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Check and send");
  await frame.getByRole("button", { name: "Send my request" }).click();
  const id = await filedTicketId(shopper);
  await frame.getByRole("button", { name: "Follow this request" }).click();
  const status = frame.locator(".hc-ticket-status");
  await expect(status).toHaveText("Status: Received");

  // The stream is open on one instance; the agent works on the other, at its own address so
  // that it is the other one for sure (through the balancer, it would be either).
  let holder;
  await expect
    .poll(() => (holder = served.find((r) => r.path === `/v1/tickets/${id}/events` && r.status === 200)?.by))
    .toBeTruthy();
  const agent = new Agent(request, instanceOrigin(other(holder)));
  testInfo.annotations.push({ type: "stream", description: `held by instance ${holder}; the agent works on ${other(holder)}` });

  await test.step("the agent's changes on the other instance show in the open widget at once", async () => {
    await agent.moves(id, { to: "in_review" });
    await expect(status).toHaveText("Status: Under review", { timeout: 2_000 });
    await agent.moves(id, { to: "needs_info", message: "Could you send a photo of the label on the box?" });
    await expect(status).toHaveText("Status: We need something from you", { timeout: 2_000 });
    await expect(frame.getByText("Could you send a photo of the label on the box?").first()).toBeVisible();
  });

  await test.step("the shopper answers, and the agent sees the answer through the balancer", async () => {
    await frame.getByLabel(/Your answer/).fill("The label was torn off in transit; the box's other side shows the courier's sticker.");
    await frame.getByRole("button", { name: "Send answer" }).click();
    await expect(frame.getByText("Your answer was sent. We'll review your request again.")).toBeVisible();
    const ticket = await new Agent(request).ticket(id);
    expect(ticket).toMatchObject({ id, status: "in_review", outcome: "transit_damage", order_number: "10023456" });
    expect(ticket.evidence).toHaveLength(2);
    expect(ticket.timeline.at(-1).message).toBe("The label was torn off in transit; the box's other side shows the courier's sticker.");
  });

  await test.step("the stream received each event once: the agent's change once", async () => {
    // A copy, if there were one, would come within a moment.
    await page.waitForTimeout(1_500);
    const events = eachEventOnce(streams, id);
    testInfo.annotations.push({ type: "events on the stream", description: events.map((e) => `${e.id}:${e.kind}:${e.status}`).join(" ") });
    expect(events.filter((e) => e.status === "in_review" && e.actor !== "shopper")).toHaveLength(1);
    expect(events.filter((e) => e.status === "needs_info")).toHaveLength(1);
  });

  await test.step("the widget's requests alternated between the instances", async () => {
    const answered = served.filter((r) => r.by);
    const by = { A: answered.filter((r) => r.by === "A").length, B: answered.filter((r) => r.by === "B").length };
    const switches = answered.slice(1).filter((r, i) => r.by !== answered[i].by).length;
    const summary = `${answered.length} answers: A ${by.A}, B ${by.B}; the next one from the other instance ${switches} times of ${answered.length - 1}`;
    console.log(`through the balancer: ${summary}`);
    testInfo.annotations.push({ type: "instances", description: summary });
    // Round robin: nginx sends each request to the other instance than the last, so each
    // served half, give or take the requests the agent sent through it. (Requests sent
    // together come back in either order, so the answers' order says little.)
    expect(Math.abs(by.A - by.B)).toBeLessThanOrEqual(3);
    expect(answered.filter((r) => r.path.startsWith("/v1/")).map((r) => r.by)).toEqual(expect.arrayContaining(["A", "B"]));
  });
});

test("instance A killed (SIGKILL) in the middle of an upload: the widget goes on through B from where A left it, nothing lost", async ({ page, request }, testInfo) => {
  const bytes = fs.readFileSync(evidence(BIG));
  const served = watchInstances(page);
  const streams = await watchStreams(page);
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.click();
  await frame.getByRole("button", { name: "Something else" }).click();
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByLabel("Order number").fill("10023456");
  await frame.getByLabel("What happened?").fill("The lid's hinge squeaks loudly since the first week.");
  await frame.getByLabel("Your email").fill("wei@example.com");
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Photos and videos");

  // A slow line, so the kill lands in the middle: 1 MiB parts at 512 KiB/s.
  const line = await page.context().newCDPSession(page);
  await line.send("Network.enable");
  await line.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 512 * 1024,
  });
  const stored = () => served.filter((r) => r.method === "PATCH" && r.status === 204);
  await frame.locator(".hc-pickers input[type=file]").first().setInputFiles(evidence(BIG));

  let killedAt;
  await test.step("the upload's first parts go to A and B in turn; A is killed while it takes the next", async () => {
    // Round robin: once B has stored a part after A did, the next part goes to A.
    await expect
      .poll(() => {
        const parts = stored();
        return parts.some((p) => p.by === "A") && parts.at(-1)?.by === "B";
      }, { timeout: 60_000 })
      .toBe(true);
    // A is reading that part: a moment in (a 1 MiB part takes two seconds here).
    await page.waitForTimeout(700);
    await expect(frame.locator(".hc-file-status")).not.toHaveText("Uploaded");
    killedAt = served.length;
    const offset = Math.max(...stored().map((p) => Number(p.offset)));
    testInfo.annotations.push({ type: "killed", description: `${(await control(request, "kill-a")).trim()} at ${offset} of ${bytes.length} bytes` });
    expect(offset).toBeLessThan(bytes.length);
  });

  await line.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  await test.step("the widget finishes the upload through B, where the database says A left it", async () => {
    await expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded"], { timeout: 120_000 });
    const after = uploadCalls(served.slice(killedAt));
    testInfo.annotations.push({
      type: "after the kill",
      description: after.map((r) => (r.failed ? `${r.method} failed (${r.failed})` : `${r.method} ${r.status} by ${r.by} at ${r.offset}`)).join("; "),
    });
    expect(after.filter((r) => r.method === "POST"), "no new upload: the same one goes on").toEqual([]);
    const answered = after.filter((r) => r.by && r.status !== 502);
    expect(answered.length).toBeGreaterThan(0);
    expect(new Set(answered.map((r) => r.by))).toEqual(new Set(["B"]));
    expect(after.filter((r) => r.method === "PATCH" && r.status === 204).at(-1).offset).toBe(String(bytes.length));
  });

  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Check and send");
  await frame.getByRole("button", { name: "Send my request" }).click();
  const id = await filedTicketId(shopper);

  await test.step("the photo the agent downloads is the shopper's, byte for byte", async () => {
    const agent = new Agent(request);
    const ticket = await agent.ticket(id);
    expect(ticket.evidence).toHaveLength(1);
    expect(ticket.evidence[0]).toMatchObject({ filename: BIG, bytes: bytes.length });
    const photo = await request.get(`${stage.widget}${ticket.evidence[0].url}`, { headers: { authorization: `Bearer ${stage.adminKey}` } });
    expect(photo.status()).toBe(200);
    expect(sha256(await photo.body())).toBe(sha256(bytes));
  });

  await test.step("with A gone, the shopper's stream on B shows the agent's change, once", async () => {
    await frame.getByRole("button", { name: "Follow this request" }).click();
    const status = frame.locator(".hc-ticket-status");
    await expect(status).toHaveText("Status: Received");
    await new Agent(request).moves(id, { to: "in_review" });
    await expect(status).toHaveText("Status: Under review", { timeout: 2_000 });
    await page.waitForTimeout(1_500);
    const events = eachEventOnce(streams, id);
    expect(events.filter((e) => e.status === "in_review")).toHaveLength(1);
  });
});
