// The JS API a store calls, on the demo storefront: the "Report a problem with this order"
// button prefills and opens the widget; focus moves in, Escape gives it back to the launcher;
// the events fire; messages that do not come from the widget are ignored.
const { test, expect, stage, Shopper } = require("./fixtures");

test("the store's button opens the widget prefilled, and Escape gives focus back", async ({ page }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading, launcher } = shopper;
  await expect(launcher).toBeVisible();
  // The tag names the site (`embed.js?site=demo`): the launcher wears the site's brand
  // (#0b6e4f on #ffffff in the test site's config) before anything else loads.
  await expect(launcher).toHaveCSS("background-color", "rgb(11, 110, 79)");
  await expect(launcher).toHaveCSS("color", "rgb(255, 255, 255)");
  await page.evaluate(() => {
    window.__seen = [];
    for (const name of ["ready", "open", "close"]) HelpCenter("on", name, () => window.__seen.push(name));
  });

  await page.getByRole("button", { name: "Report a problem with this order" }).click();
  await expect(heading).toHaveText("What went wrong with your order?");
  await expect(heading).toBeFocused();
  // On a desktop the dialog's own top is the widget's header (the store's name, Back, Close),
  // the heading right under it: no room kept for a floating Close.
  const frameTop = (await page.locator("iframe").boundingBox()).y;
  const header = await frame.locator("header.hc-header").boundingBox();
  expect(header.y - frameTop).toBeLessThan(40);
  expect((await heading.boundingBox()).y - (header.y + header.height)).toBeLessThan(40);
  await expect(launcher).toHaveText("Close");
  await expect(launcher).toHaveAttribute("aria-expanded", "true");
  await frame.getByRole("button", { name: "Something else" }).click();
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
  await expect(frame.getByLabel("Your email")).toHaveValue("wei@example.com");

  await test.step("a message from anyone but the widget is ignored", async () => {
    // A well-formed "close" from the store's own window, then a marker behind it: messages
    // are dispatched in order, and the embed's listener was added first, so once the marker
    // arrives the embed has handled the forged message, and it must have done nothing.
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          addEventListener("message", function watch(e) {
            if (e.data === "hc-test:after-forged") {
              removeEventListener("message", watch);
              resolve();
            }
          });
          window.postMessage({ hc: 1, type: "close" }, "*");
          window.postMessage("hc-test:after-forged", "*");
        }),
    );
    // The embed says "close" to the store's listeners whenever it closes.
    expect(await page.evaluate(() => window.__seen)).not.toContain("close");
    await expect(page.locator("iframe")).toBeVisible();
    await expect(launcher).toHaveText("Close");
    await expect(launcher).toHaveAttribute("aria-expanded", "true");
  });

  await frame.getByLabel("Order number").press("Escape");
  await expect(page.locator("iframe")).toBeHidden();
  await expect(launcher).toBeFocused();
  await expect(launcher).toHaveText("Help with an order");
  expect(await page.evaluate(() => window.__seen)).toEqual(expect.arrayContaining(["open", "ready", "close"]));

  await test.step("HelpCenter('open') and ('close') do what the launcher does", async () => {
    await page.evaluate(() => HelpCenter("open"));
    await expect(heading).toHaveText("Tell us about it");
    await expect(heading).toBeFocused();
    await page.evaluate(() => HelpCenter("close"));
    await expect(page.locator("iframe")).toBeHidden();
    await expect(launcher).toBeFocused();
  });
});

test("a prefill sent while the widget is open fills what the shopper left empty", async ({ page }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading, launcher } = shopper;
  await launcher.click();
  await frame.getByRole("button", { name: "Something else" }).click();
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Tell us about it");
  await frame.getByLabel("Your email").fill("me@example.org");
  // Over postMessage, from the store's page to the widget's frame on another origin.
  await page.evaluate(() => HelpCenter("prefill", { orderNumber: "10029999", email: "wei@example.com" }));
  await expect(frame.getByLabel("Order number")).toHaveValue("10029999");
  await expect(frame.getByLabel("Your email")).toHaveValue("me@example.org");
});
