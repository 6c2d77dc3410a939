// The README's "Moving up from one machine" in the browser: a store that started on one
// server (SQLite and photo files in its data directory) has a shopper's two requests with
// photos and an agent's question; the server is stopped, `helpcenter-server migrate-store` copies
// everything into PostgreSQL and an S3 bucket, and a server on those (a fresh data
// directory: nothing read from the old one) takes over at the same address. The shopper
// comes back to the store's page and opens the requests in the widget as before: their
// status, conversation and photos, and an answer that is taken.
const crypto = require("node:crypto");
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, Agent, filedTicketId } = require("../fixtures");
const { control } = require("./cluster");

const PHOTOS = ["IMG_2041.JPG", "IMG_2042.JPG"];
const OTHER = "IMG_2042.JPG";
const QUESTION = "Could you send a photo of the hinge up close?";
const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");

/** From the start screen of an open widget: a "Something else" claim with `photos`. */
async function fileClaim(shopper, description, photos) {
  const { frame, heading } = shopper;
  await frame.getByRole("button", { name: "Something else" }).click();
  await expect(heading).toHaveText("What we'll do");
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByLabel("Order number").fill("10023456");
  await frame.getByLabel("What happened?").fill(description);
  await frame.getByLabel("Your email").fill("wei@example.com");
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.locator(".hc-pickers input[type=file]").first().setInputFiles(photos.map(evidence));
  await expect(frame.locator(".hc-file-status")).toHaveText(photos.map(() => "Uploaded"), { timeout: 30_000 });
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByRole("button", { name: "Send my request" }).click();
  return filedTicketId(shopper);
}

/** The request `id` opened from My requests: its photos (`names`) load in full. */
async function opensWithPhotos(shopper, id, names) {
  const { frame, heading } = shopper;
  await frame.locator(`.hc-request[data-ticket="${id}"]`).click();
  await expect(heading).toContainText(id);
  const sent = frame.locator(".hc-sent-file");
  await expect(sent.locator(".hc-file-name")).toHaveText(names);
  const thumbnails = sent.locator(".hc-thumb img");
  await expect(thumbnails).toHaveCount(names.length, { timeout: 20_000 });
  for (const img of await thumbnails.all()) {
    await expect.poll(() => img.evaluate((i) => i.complete && [i.naturalWidth, i.naturalHeight])).toEqual([1600, 1200]);
  }
}

test("a store moved up by migrate-store: the shopper opens the requests and their photos from PostgreSQL and the bucket", async ({ page, request }, testInfo) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.click();

  // Two requests filed on the one machine; the shopper follows them from My requests.
  const hinge = await fileClaim(shopper, "The lid's hinge squeaks loudly since the first week.", PHOTOS);
  await frame.getByRole("button", { name: "Report another problem" }).click();
  const handle = await fileClaim(shopper, "The handle's coating peels off where the hand holds it.", [OTHER]);
  await frame.getByRole("button", { name: "Follow this request" }).click();
  await expect(heading).toContainText(handle);
  await frame.locator(".hc-to-requests").click();
  await expect(frame.locator(".hc-request")).toHaveCount(2);
  const agent = new Agent(request);
  await agent.moves(hinge, { to: "in_review" });
  await agent.moves(hinge, { to: "needs_info", message: QUESTION });
  const before = { [hinge]: await agent.ticket(hinge), [handle]: await agent.ticket(handle) };

  await test.step("the server is stopped and migrate-store moves the store up", async () => {
    const moved = await control(request, "move-up");
    testInfo.annotations.push({ type: "move-up", description: moved });
    expect(moved).toContain("the same in both");
    expect(moved).toContain("server secret: carried");
  });

  await test.step("the shopper comes back: My requests shows both, as they stand now", async () => {
    await page.goto(`${stage.store}/`);
    await shopper.launcher.click();
    await expect(frame.locator(`.hc-request[data-ticket="${hinge}"] .hc-request-status`)).toHaveText("We need something from you", { timeout: 20_000 });
    await expect(frame.locator(`.hc-request[data-ticket="${handle}"] .hc-request-status`)).toHaveText("Received");
  });

  await test.step("each request opens with its photos, fetched from the bucket", async () => {
    // In the order they were sent in before the move (the order their uploads began).
    const names = (id) => before[id].evidence.map((e) => e.filename);
    expect([...names(hinge)].sort()).toEqual(PHOTOS);
    await opensWithPhotos(shopper, handle, names(handle));
    await frame.locator(".hc-to-requests").click();
    await opensWithPhotos(shopper, hinge, names(hinge));
    await expect(frame.locator(".hc-ticket-status")).toHaveText("Status: We need something from you");
    await expect(frame.getByText(QUESTION).first()).toBeVisible();
  });

  await test.step("the agent sees the same tickets, and each photo byte for byte", async () => {
    for (const id of [hinge, handle]) {
      const after = await agent.ticket(id);
      expect(after.timeline).toEqual(before[id].timeline);
      expect(after.evidence).toEqual(before[id].evidence);
      for (const item of after.evidence) {
        const photo = await request.get(`${stage.widget}${item.url}`, { headers: { authorization: `Bearer ${stage.adminKey}` } });
        expect(photo.status()).toBe(200);
        expect(sha256(await photo.body())).toBe(sha256(fs.readFileSync(evidence(item.filename))));
      }
    }
  });

  await test.step("the shopper's answer is taken on the new stores", async () => {
    await frame.getByLabel(/Your answer/).fill("Here is the hinge, up close.");
    await frame.getByRole("button", { name: "Send answer" }).click();
    await expect(frame.getByText("Your answer was sent. We'll review your request again.")).toBeVisible();
    const answered = await agent.ticket(hinge);
    expect(answered.status).toBe("in_review");
    expect(answered.timeline.at(-1).message).toBe("Here is the hinge, up close.");
  });
});
