// 10. The link in the store's mail opens the request on another device: a fresh browser
// context, nothing stored, shows the ticket and lets the shopper answer with a photo.
const fs = require("fs");
const path = require("path");
const { test, expect, stage, Shopper, Agent, fileSomethingElse, evidence } = require("./fixtures");

/** Every mail the test site sent, as aiosmtpd caught it. */
function caughtMails() {
  const dir = path.join(stage.maildir, "new");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((name) => fs.readFileSync(path.join(dir, name), "latin1"));
}

/** A mail's text/plain part, its quoted-printable undone. */
function textPart(raw) {
  const header = raw.indexOf("Content-Type: text/plain");
  expect(header, "a text/plain part").toBeGreaterThan(0);
  const start = raw.indexOf("\r\n\r\n", header) + 4;
  const body = raw.slice(start, raw.indexOf("\r\n--", start));
  const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

test("the link in the store's mail opens the request on another device, where the shopper answers with a photo", async ({ page, request, browser }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();
  const id = await fileSomethingElse(shopper);
  const agent = new Agent(request);
  await agent.moves(id, { to: "in_review" });
  await agent.moves(id, { to: "needs_info", message: "Could you send a photo of the label under the lid?" });

  let mail;
  await expect
    .poll(() => (mail = caughtMails().find((m) => m.includes(`Message-ID: <${id}.3.info_request@`))), { timeout: 20_000 })
    .toBeTruthy();
  const text = textPart(mail);
  expect(text).toContain("Could you send a photo of the label under the lid?");
  const link = text.match(/http:\/\/\S+\/t\/HC-[0-9A-Z]+#k=\S+/)?.[0];
  expect(link, text).toContain(`/t/${id}#k=`);

  // Another device: a context of its own, nothing in its storage.
  const laptop = await browser.newContext();
  const tab = await laptop.newPage();
  await tab.goto(link);
  await expect(tab.locator("h2.hc-heading")).toContainText(id, { timeout: 20_000 });
  await expect(tab.locator(".hc-asked")).toHaveText("Could you send a photo of the label under the lid?");
  // The secret is out of the address bar, and used up.
  expect(tab.url()).not.toContain("#k=");
  await tab.getByLabel("Your answer").fill("Here is the label.");
  await tab.locator(".hc-answer .hc-pickers input[type=file]").first().setInputFiles(evidence("IMG_2041.JPG"));
  await expect(tab.locator(".hc-answer .hc-file-status")).toHaveText(["Uploaded"], { timeout: 30_000 });
  await tab.getByRole("button", { name: "Send answer" }).click();
  await expect(tab.getByText("Your answer was sent. We'll review your request again.")).toBeVisible();
  const ticket = await agent.ticket(id);
  expect(ticket.status).toBe("in_review");
  expect(ticket.timeline.at(-1).message).toBe("Here is the label.");
  expect(ticket.timeline.at(-1).evidence.length).toBe(1);

  // The same link again, on yet another device: refused, saying so, showing nothing of the ticket.
  const other = await browser.newContext();
  const again = await other.newPage();
  await again.goto(link);
  await expect(again.getByRole("alert")).toContainText("This link no longer opens a request");
  await expect(again.locator("body")).not.toContainText(id);
  await laptop.close();
  await other.close();
});
