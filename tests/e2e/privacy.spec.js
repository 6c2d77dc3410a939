// 12. A photo's position never leaves the phone (issue 12): the widget takes the GPS position
// and the camera's serial number out of a photo before a byte of it is uploaded, with the
// server's own lossless edit. What goes out over tus and what the server keeps carry neither,
// keep the capture date and the picture, and are the same bytes (the file the widget checked
// is the file the server has); the agent sees "location removed" beside the file.
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, Agent, fileSomethingElse } = require("./fixtures");

// What xtask wrote into IMG_2050.JPG (helpcenter_media::samples::jpeg_with_location): the
// serial number, and the latitude 48° 51′ as the GPS directory's first two rationals.
const SERIAL = Buffer.from("SN-4417-2291");
const LATITUDE = Buffer.from([48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0]);

const colleague = {
  email: process.env.HELPCENTER_E2E_COLLEAGUE_EMAIL,
  password: process.env.HELPCENTER_E2E_COLLEAGUE_PASSWORD,
};

test("a photo's position and serial number never leave the phone", async ({ page, request }) => {
  const original = fs.readFileSync(evidence("IMG_2050.JPG"));
  expect(original.includes(SERIAL) && original.includes(LATITUDE), "the sample has both").toBe(true);
  const taken = original.toString("latin1").match(/\d{4}:\d\d:\d\d \d\d:\d\d:\d\d/)[0];
  // Every byte the widget uploads, as it leaves the browser.
  const sent = [];
  page.on("request", (r) => {
    if (r.method() === "PATCH" && r.url().includes("/v1/uploads/")) sent.push(r.postDataBuffer());
  });

  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();
  const id = await fileSomethingElse(shopper, { order: "10050050", photo: "IMG_2050.JPG" });

  const uploaded = Buffer.concat(sent);
  await test.step("what went out has no position and no serial, and keeps its date", async () => {
    expect(uploaded.length).toBe(original.length);
    expect(uploaded.includes(LATITUDE)).toBe(false);
    expect(uploaded.includes(SERIAL)).toBe(false);
    expect(uploaded.includes(Buffer.from(taken))).toBe(true);
  });

  const agent = new Agent(request);
  const ticket = await agent.ticket(id);
  expect(ticket.evidence).toHaveLength(1);
  await test.step("the server keeps the very bytes the widget checked and sent", async () => {
    const download = await request.get(`${stage.widget}${ticket.evidence[0].url}`, {
      headers: { authorization: `Bearer ${stage.adminKey}` },
    });
    expect(download.ok()).toBe(true);
    const kept = await download.body();
    expect(kept.equals(uploaded)).toBe(true);
  });

  await test.step("the agent sees the location was removed, and the day it was taken", async () => {
    await page.goto(`${stage.widget}/console/tickets/${id}`);
    await expect(page).toHaveURL(/\/console\/sign-in\?next=/);
    await page.locator("#sign-in-site").fill("demo");
    await page.locator("#sign-in-email").fill(colleague.email);
    await page.locator("#sign-in-password").fill(colleague.password);
    await page.locator(".sign-in button[type=submit]").click();
    await expect(page).toHaveURL(new RegExp(`/console/tickets/${id}$`));
    const file = page.locator(".file");
    await expect(file).toHaveCount(1);
    await expect(file.locator("[data-fact=location-removed]")).toHaveText("location removed");
    await expect(file.locator("[data-fact=type]")).toHaveText("JPEG");
  });
});
