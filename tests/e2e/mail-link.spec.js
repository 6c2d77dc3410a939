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

test("Find a request e-mails a fresh link that opens the request on another device, in the language it was filed in", async ({ page, browser }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();
  const id = await fileSomethingElse(shopper);

  // A new device with nothing stored, no order number at hand: the request number and the email.
  const phone = await browser.newContext();
  const store = await phone.newPage();
  await store.goto(`${stage.store}/`);
  const stranger = new Shopper(store);
  await stranger.launcher.click();
  const frame = stranger.frame;
  await frame.locator(".hc-my-requests").click();
  await frame.getByLabel("Request number").fill(id.toLowerCase());
  await frame.getByLabel("Your email").fill("someone@example.com");
  const ask = frame.getByRole("button", { name: "E-mail me a link" });
  await ask.click();
  // The same words whether or not the address is the request's: nothing says which it is.
  await expect(frame.locator(".hc-find-sent")).toHaveText(
    `If request ${id} was filed with someone@example.com, a link that opens it is on its way there. Nothing after a few minutes? Check your spam folder, or ask again in 5 minutes.`,
  );
  await frame.getByLabel("Your email").fill("wei@example.com");
  await ask.click();
  await expect(frame.locator(".hc-find-sent")).toHaveText(
    `If request ${id} was filed with wei@example.com, a link that opens it is on its way there. Nothing after a few minutes? Check your spam folder, or ask again in 5 minutes.`,
  );

  let mail;
  await expect
    .poll(() => (mail = caughtMails().find((m) => m.includes(`Message-ID: <${id}.link.`))), { timeout: 20_000 })
    .toBeTruthy();
  expect(mail).toContain(`Subject: Your link to request ${id}`);
  expect(caughtMails().filter((m) => m.includes(`<${id}.link.`)).length, "one link: only to the request's own address").toBe(1);
  expect(caughtMails().some((m) => m.startsWith("X-Caught-Rcpt-To: someone@example.com"))).toBe(false);
  const link = textPart(mail).match(/http:\/\/\S+\/t\/HC-[0-9A-Z]+#k=\S+/)?.[0];
  expect(link).toContain(`/t/${id}#k=`);
  expect(link).toContain("&lang=en");

  // Opened on a laptop whose browser speaks Chinese: the request shows, in English, the
  // language it was filed in.
  const laptop = await browser.newContext({ locale: "zh-CN" });
  const tab = await laptop.newPage();
  await tab.goto(link);
  await expect(tab.locator("h2.hc-heading")).toContainText(id, { timeout: 20_000 });
  await expect(tab.locator("html")).toHaveAttribute("lang", "en");
  expect(tab.url()).not.toContain("#k=");

  // Used up: a Chinese browser is told so in the request's language, and shown nothing of it.
  const other = await browser.newContext({ locale: "zh-CN" });
  const again = await other.newPage();
  await again.goto(link);
  await expect(again.getByRole("alert")).toContainText("This link no longer opens a request");
  await expect(again.locator("html")).toHaveAttribute("lang", "en");
  await expect(again.locator("body")).not.toContainText(id);
  await Promise.all([phone.close(), laptop.close(), other.close()]);
});
