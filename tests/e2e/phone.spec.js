// On a phone the widget takes the whole screen; the launcher, now Close, moves to the top
// corner the widget leaves free, so it covers none of the widget's own controls.
const { test, expect, stage, Shopper } = require("./fixtures");

test.use({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });

test("on a phone the widget fills the screen", async ({ page }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.tap();
  await expect(shopper.heading).toHaveText("What went wrong with your order?");
  const box = await page.locator("iframe").boundingBox();
  const screen = await page.evaluate(() => ({ width: window.visualViewport.width, height: window.visualViewport.height }));
  expect(box).toEqual({ x: 0, y: 0, width: screen.width, height: screen.height });
  // Nothing of the widget wider than the phone.
  const overflow = await shopper.frame.locator("html").evaluate((html) => html.scrollWidth - html.clientWidth);
  expect(overflow).toBe(0);

  const close = await shopper.launcher.boundingBox();
  expect(close.y).toBeLessThan(20);
  const heading = await shopper.heading.boundingBox();
  expect(heading.y, "the heading starts below Close").toBeGreaterThan(close.y + close.height);
  for (const control of await shopper.frame.getByRole("button").all()) {
    const b = await control.boundingBox();
    const overlaps = b.x < close.x + close.width && close.x < b.x + b.width && b.y < close.y + close.height && close.y < b.y + b.height;
    expect(overlaps, `Close covers ${await control.textContent()}`).toBe(false);
  }

  await shopper.launcher.tap();
  await expect(page.locator("iframe")).toBeHidden();
  await expect(shopper.launcher).toHaveText("Help with an order");
});
