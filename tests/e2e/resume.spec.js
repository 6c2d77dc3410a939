// 3. The store's page is reloaded in the middle of an upload: the widget comes back with the
// draft as it was, and the upload goes on from where the server stands instead of starting
// again.
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, Agent, filedTicketId } = require("./fixtures");

const BIG = "IMG_2043.JPG";

test("a reload in the middle of an upload resumes it, and the draft is intact", async ({ page, request }) => {
  const size = fs.statSync(evidence(BIG)).size;
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.click();
  await frame.getByRole("button", { name: "Something else" }).click();
  await frame.getByRole("button", { name: "Continue" }).click();
  const description = "The lid's hinge squeaks loudly since the first week.";
  await frame.getByLabel("Order number").fill("10023456");
  await frame.getByLabel("What happened?").fill(description);
  await frame.getByLabel("Your email").fill("wei@example.com");
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Photos and videos");

  // A slow line, so the reload lands in the middle: 1 MiB chunks at 512 KiB/s.
  const line = await page.context().newCDPSession(page);
  await line.send("Network.enable");
  await line.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 512 * 1024,
  });
  const stored = [];
  page.on("response", (r) => {
    if (r.request().method() === "PATCH" && r.status() === 204) stored.push(Number(r.headers()["upload-offset"]));
  });
  await frame.locator(".hc-pickers input[type=file]").first().setInputFiles(evidence(BIG));
  await expect.poll(() => stored.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  await expect(frame.locator(".hc-file-status")).not.toHaveText("Uploaded");
  const before = Math.max(...stored);
  expect(before).toBeLessThan(size);

  const after = [];
  page.on("request", (r) => {
    if (r.url().includes("/uploads")) after.push({ method: r.method(), offset: r.headers()["upload-offset"] });
  });
  await page.reload();
  await line.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await shopper.launcher.click();

  await test.step("the upload goes on from where the server stands", async () => {
    await expect(frame.locator(".hc-file", { hasText: BIG })).toBeVisible();
    await expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded"], { timeout: 30_000 });
    const patches = after.filter((r) => r.method === "PATCH");
    expect(after.filter((r) => r.method === "POST"), "no new upload was created").toEqual([]);
    expect(Number(patches[0].offset)).toBeGreaterThanOrEqual(before);
    expect(patches.length).toBeLessThanOrEqual(Math.ceil((size - before) / (1024 * 1024)));
  });

  await test.step("the draft is as the shopper left it", async () => {
    await expect(heading).toHaveText("Photos and videos");
    await frame.locator(".hc-nav").getByRole("button", { name: "Back" }).click();
    await expect(heading).toHaveText("Tell us about it");
    await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
    await expect(frame.getByLabel("What happened?")).toHaveValue(description);
    await expect(frame.getByLabel("Your email")).toHaveValue("wei@example.com");
    await frame.getByRole("button", { name: "Continue" }).click();
  });

  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByRole("button", { name: "Send my request" }).click();
  const id = await filedTicketId(shopper);
  const ticket = await new Agent(request).ticket(id);
  expect(ticket.evidence).toHaveLength(1);
  expect(ticket.evidence[0]).toMatchObject({ bytes: size });
});
