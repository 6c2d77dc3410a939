// 5. A page on an origin the site does not list cannot frame the widget: the browser refuses
// the frame (the widget page's `frame-ancestors`), nothing of the widget runs there, and the
// launcher says help is unavailable while the page stays usable.
const { test, expect, stage, Shopper, ENGLISH } = require("./fixtures");

test("a page on an origin outside the site's list cannot frame the widget", async ({ page, request }) => {
  const refusals = [];
  page.on("console", (m) => {
    if (m.text().includes("frame-ancestors")) refusals.push(m.text());
  });
  await page.goto(`${stage.stranger}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();

  await test.step("the browser refuses to show the widget in the frame", async () => {
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toContain(`frame-ancestors ${stage.store}`);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame, "the launcher made its frame").toBeTruthy();
    // The frame holds Chromium's error page, never the widget's document.
    expect(frame.url()).not.toContain("/widget/");
  });

  await test.step("the launcher says what happened, and the page is as it was", async () => {
    const status = page.getByRole("status");
    await expect(status).toHaveText(ENGLISH.failed, { timeout: 20_000 });
    await expect(page.locator("iframe")).toHaveCount(0);
    await expect(shopper.launcher).toHaveAttribute("aria-expanded", "false");
    // Nothing left over the page: its own button takes a click where it is.
    await page.getByRole("button", { name: "Report a problem with this order" }).click({ trial: true });
  });

  await test.step("the server's answer names only the allowed origins", async () => {
    const answer = await request.get(`${stage.widget}/widget/?site=demo`);
    const policy = answer.headers()["content-security-policy"];
    expect(policy).toMatch(new RegExp(`frame-ancestors ${stage.store}(;|$)`));
    expect(policy).not.toContain(stage.stranger);
  });
});
