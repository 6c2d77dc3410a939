// 6. axe-core audits the launcher and every screen of the widget, in English and in
// Simplified Chinese: no serious or critical violation anywhere. The journey goes by the
// widget's own markers, so one walk serves both languages.
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, Agent, ENGLISH, CHINESE, widgetFrame } = require("./fixtures");

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe's serious and critical findings in `frame`, within `scope` (a function of the page). */
async function audit(frame, scope = () => document) {
  if (!(await frame.evaluate(() => "axe" in window))) await frame.evaluate(AXE);
  const violations = await frame.evaluate(
    (scope) => window.axe.run(eval(scope)(), { resultTypes: ["violations"] }).then((r) => r.violations),
    `(${scope})`,
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const [locale, words, storePage] of [
  ["en-GB", ENGLISH, "/"],
  ["zh-CN", CHINESE, "/zh.html"],
]) {
  test.describe(locale, () => {
    test.use({ locale });

    test(`the launcher and every screen pass axe (${locale})`, async ({ page, request }) => {
      await page.goto(`${stage.store}${storePage}`);
      const shopper = new Shopper(page, words);
      const { frame, heading, launcher } = shopper;
      const found = {};
      const check = async (name) => {
        found[name] = await audit(widgetFrame(page));
      };
      const launcherOnly = () => [...document.body.children].find((e) => e.shadowRoot);

      await test.step("the audit does find what it looks for", async () => {
        await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<input id="unlabelled">'));
        const canary = await audit(page.mainFrame(), () => document.getElementById("unlabelled"));
        expect(canary.join("\n")).toContain("critical label");
        await page.evaluate(() => document.getElementById("unlabelled").remove());
      });

      await expect(launcher).toHaveText(words.open);
      found["launcher"] = await audit(page.mainFrame(), launcherOnly);
      await launcher.click();
      await expect(heading).toBeFocused();
      found["launcher, open"] = await audit(page.mainFrame(), launcherOnly);
      await check("start");

      await frame.locator("[data-category=product_quality]").click();
      await expect(frame.locator(".hc-question")).toBeVisible();
      await check("question");
      await frame.locator("[data-answer=arrived_damaged]").click();
      await expect(frame.locator(".hc-outcome")).toBeVisible();
      await frame.locator("#hc-delivered-on").fill("2099-01-01");
      await expect(frame.locator("#hc-delivered-on-problems .hc-problem")).toBeVisible();
      await check("outcome, with a problem");
      await frame.locator("#hc-delivered-on").fill(new Date(Date.now() - 864e5).toISOString().slice(0, 10));
      await frame.locator(".hc-next").click();

      await expect(frame.locator(".hc-details")).toBeVisible();
      await frame.locator(".hc-next").click();
      await expect(frame.locator("#hc-order-number-problems .hc-problem")).toBeVisible();
      await check("details, with problems");
      await frame.locator("#hc-order-number").fill("10023456");
      await frame.locator("#hc-description").fill("The box was crushed on one corner and the spout is bent.");
      await frame.locator("#hc-email").fill("wei@example.com");
      await frame.locator(".hc-next").click();

      await expect(frame.locator(".hc-evidence")).toBeVisible();
      await frame.locator(".hc-pickers input[type=file]").first().setInputFiles([
        evidence("thumbnail.png"),
        evidence("IMG_2041.JPG"),
        evidence("IMG_2042.JPG"),
      ]);
      await expect(frame.locator(".hc-file .hc-problem")).toHaveCount(1);
      await expect(frame.locator("progress")).toHaveCount(0, { timeout: 30_000 });
      await check("evidence, a file refused and two uploaded");
      await frame.locator(".hc-file").first().locator(".hc-remove").click();
      await frame.locator(".hc-next").click();

      await expect(frame.locator(".hc-review")).toBeVisible();
      await check("review");
      await frame.locator(".hc-submit").click();
      await expect(frame.locator(".hc-filed")).toBeVisible();
      await check("filed");
      const id = (await frame.locator(".hc-ticket-id").textContent()).match(/HC-[A-Z0-9]+/)[0];

      const agent = new Agent(request);
      await agent.moves(id, { to: "in_review" });
      await agent.moves(id, { to: "needs_info", message: "Please send a photo of the label." });
      await frame.locator(".hc-follow").click();
      await expect(frame.locator(".hc-answer")).toBeVisible();
      await check("ticket, the store asks for more");
      await agent.moves(id, { to: "in_review" });
      await agent.moves(id, { to: "resolved", resolution: "declined", message: "The damage is not from transit." });
      await expect(frame.locator(".hc-resolution")).toBeVisible();
      await frame.locator(".hc-open-dispute").click();
      await expect(frame.locator("#hc-dispute-reason")).toBeVisible();
      await check("ticket, resolved, a dispute being written");

      await frame.locator(".hc-to-requests").click();
      await expect(frame.locator(".hc-request-list")).toBeVisible();
      await frame.locator(".hc-find-submit").click();
      await expect(frame.locator(".hc-find .hc-problem").first()).toBeVisible();
      await check("my requests, finding one with problems");

      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    });
  });
}
