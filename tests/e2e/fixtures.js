// What every end-to-end test shares: where things are, the page's console kept for failures,
// and the shopper's and the agent's ways in.
const fs = require("node:fs");
const path = require("node:path");
const base = require("@playwright/test");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`cargo xtask e2e\``);
  return value;
};

/** Where `cargo xtask e2e` (or `e2e-scale`) put everything; read when a test asks, as the
 * stage at scale sets only what its specs use. */
const stage = Object.defineProperties(
  {},
  Object.fromEntries(
    Object.entries({
      widget: "HELPCENTER_E2E_WIDGET",
      store: "HELPCENTER_E2E_STORE",
      stranger: "HELPCENTER_E2E_STRANGER",
      adminKey: "HELPCENTER_E2E_ADMIN_KEY",
      // The admin keys of the stores that look orders up (orders.spec.js).
      ordersAdminKey: "HELPCENTER_E2E_ORDERS_ADMIN_KEY",
      ordersDownAdminKey: "HELPCENTER_E2E_ORDERS_DOWN_ADMIN_KEY",
      files: "HELPCENTER_E2E_FILES",
      maildir: "HELPCENTER_E2E_MAILDIR",
    }).map(([key, name]) => [key, { get: () => env(name), enumerable: true }]),
  ),
);

/** A file the shopper picks, from the ones `cargo xtask e2e` made. */
const evidence = (name) => path.join(stage.files, name);

const test = base.test.extend({
  // Every page's console and uncaught errors, frames included; written next to the
  // screenshot and trace when a test fails.
  page: async ({ page }, use, testInfo) => {
    const lines = [];
    page.on("console", (m) => lines.push(`[${m.type()}] ${m.text()}  (${m.location().url})`));
    page.on("pageerror", (e) => lines.push(`[uncaught] ${e.stack || e}`));
    page.on("requestfailed", (r) => lines.push(`[request failed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus) {
      const file = testInfo.outputPath("console.log");
      fs.writeFileSync(file, lines.join("\n") + "\n");
      await testInfo.attach("console", { path: file, contentType: "text/plain" });
    }
  },
});

/** The launcher and the widget as a shopper on `page` sees them. */
class Shopper {
  constructor(page, words = ENGLISH) {
    this.page = page;
    this.words = words;
    // Its name says what it does: "Help with an order" while closed, "Close" while open.
    this.launcher = page.locator("button[aria-haspopup=dialog]");
    // Playwright's CSS reaches into the launcher's open shadow root.
    this.frame = page.frameLocator(`iframe[title="${words.title}"]`);
    this.heading = this.frame.locator("h2.hc-heading");
  }
}

const ENGLISH = { open: "Help with an order", close: "Close", title: "Help Center", failed: "Help is unavailable right now." };
const CHINESE = { open: "帮助与售后", close: "关闭", title: "帮助中心", failed: "帮助中心暂时无法打开。" };

/** The request number the confirmation shows. */
async function filedTicketId(shopper) {
  const number = shopper.frame.locator(".hc-ticket-id");
  await base.expect(number).toContainText("Your request number is");
  return (await number.locator(".hc-id").textContent()).trim();
}

/** From the start screen of an open widget, files a "Something else" claim with one photo. */
async function fileSomethingElse(shopper, { order = "10023456", photo = "IMG_2041.JPG" } = {}) {
  const { frame, heading } = shopper;
  await frame.getByRole("button", { name: "Something else" }).click();
  await base.expect(heading).toHaveText("What we'll do");
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByLabel("Order number").fill(order);
  await frame.getByLabel("What happened?").fill("The lid's hinge squeaks loudly since the first week.");
  await frame.getByLabel("Your email").fill("wei@example.com");
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.locator(".hc-pickers input[type=file]").first().setInputFiles(evidence(photo));
  await base.expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded"], { timeout: 30_000 });
  await frame.getByRole("button", { name: "Continue" }).click();
  await frame.getByRole("button", { name: "Send my request" }).click();
  return filedTicketId(shopper);
}

/** The widget's frame itself, for what only its own document can tell. */
function widgetFrame(page) {
  const frame = page.frames().find((f) => f.url().includes("/widget/"));
  if (!frame) throw new Error("the widget's frame is not on the page");
  return frame;
}

/** The admin API, as a support agent's tools call it (at `base`: the widget's server, or
 * one instance of several). */
class Agent {
  constructor(request, base = stage.widget) {
    this.request = request;
    this.base = base;
  }

  async call(method, url, data) {
    const answer = await this.request.fetch(`${this.base}${url}`, {
      method,
      data,
      headers: { authorization: `Bearer ${stage.adminKey}` },
    });
    base.expect(answer.ok(), `${method} ${url}: ${answer.status()} ${await answer.text()}`).toBe(true);
    return answer.json();
  }

  ticket(id) {
    return this.call("GET", `/v1/admin/tickets/${id}`);
  }

  moves(id, body) {
    return this.call("POST", `/v1/admin/tickets/${id}/transition`, body);
  }
}

module.exports = {
  test,
  expect: base.expect,
  stage,
  evidence,
  Shopper,
  Agent,
  ENGLISH,
  CHINESE,
  filedTicketId,
  fileSomethingElse,
  widgetFrame,
};
