// 4. The widget on a page that fights it: every element's style unset with !important,
// elements at the top of the stack where the launcher lives, and a strict CSP
// (`script-src 'self' WIDGET; frame-src WIDGET`). The launcher still shows on top, the dialog
// keeps its shape, and the shopper gets through.
const { test, expect, stage, Shopper } = require("./fixtures");

test("the widget works on a hostile page with a strict CSP", async ({ page }) => {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${stage.store}/hostile.html`);
  const shopper = new Shopper(page);
  const { frame, heading, launcher } = shopper;

  await test.step("the launcher keeps its own look, on top of everything", async () => {
    await expect(launcher).toBeVisible();
    // The site's brand colour (#0b6e4f in the test site's config), not the page's styles.
    await expect(launcher).toHaveCSS("background-color", "rgb(11, 110, 79)");
    await expect(launcher).toHaveCSS("font-size", "15px");
    await expect(launcher).toHaveCSS("position", "fixed");
    // What a click at its centre lands on: the launcher, not the cookie bar or the bubble.
    expect(await onTop(page, launcher)).toBe(true);
  });

  await launcher.click();
  await expect(heading).toHaveText("What went wrong with your order?");
  await expect(heading).toBeFocused();

  await test.step("the dialog keeps its shape and nothing covers it", async () => {
    const box = await page.locator("iframe").boundingBox();
    expect(box.width).toBe(400);
    expect(box.height).toBeGreaterThan(400);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(await onTop(page, page.locator("iframe"))).toBe(true);
  });

  await frame.getByRole("button", { name: "Something else" }).click();
  await expect(heading).toHaveText("What we'll do");
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Tell us about it");
  await frame.getByLabel("Order number").fill("10023456");

  await page.keyboard.press("Escape");
  await expect(launcher).toHaveText("Help with an order");
  await expect(launcher).toBeFocused();
  await launcher.click();
  await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
  expect(await page.evaluate(() => window.__violations)).toEqual([]);
});

/** Whether the element gets what lands at its centre: no other element of the page is above it. */
async function onTop(page, locator) {
  const box = await locator.boundingBox();
  const handle = await locator.elementHandle();
  return page.evaluate(
    ([x, y, target]) => {
      const host = target.getRootNode().host;
      const hit = document.elementFromPoint(x, y);
      return hit === host && host.shadowRoot.elementFromPoint(x, y) === target;
    },
    [box.x + box.width / 2, box.y + box.height / 2, handle],
  );
}
