// 7. A shopper with only a keyboard: Tab to the store's button, Enter, and on through the
// widget to a filed claim; every control reached shows where the focus is. No mouse, no
// clicks: the file is picked from the chooser the keyboard opens.
const { test, expect, stage, evidence, Shopper, filedTicketId } = require("./fixtures");

test("a keyboard alone files a claim, from the store's page to the confirmation", async ({ page }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading, launcher } = shopper;
  await expect(launcher).toBeVisible();
  const keys = new Keyboard(page);

  await keys.tabTo(page.getByRole("button", { name: "Report a problem with this order" }));
  await page.keyboard.press("Enter");
  await expect(heading).toHaveText("What went wrong with your order?");
  await expect(heading).toBeFocused();

  await keys.tabTo(frame.getByRole("button", { name: "Something else" }));
  await page.keyboard.press("Enter");
  await expect(heading).toHaveText("What we'll do");
  await keys.tabTo(frame.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");

  await expect(heading).toHaveText("Tell us about it");
  // The store's button filled in the order number and the email.
  await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
  await keys.tabTo(frame.getByLabel("What happened?"));
  await page.keyboard.type("The lid's hinge squeaks loudly since the first week.");
  await keys.tabTo(frame.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");

  await expect(heading).toHaveText("Photos and videos");
  await keys.tabTo(frame.locator(".hc-pickers input[type=file]").first(), { ring: frame.locator(".hc-picker").first() });
  const chooser = page.waitForEvent("filechooser");
  await page.keyboard.press("Space");
  await (await chooser).setFiles(evidence("IMG_2041.JPG"));
  await expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded"], { timeout: 30_000 });
  await keys.tabTo(frame.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");

  await expect(heading).toHaveText("Check and send");
  await keys.tabTo(frame.getByRole("button", { name: "Send my request" }));
  await page.keyboard.press("Enter");
  const id = await filedTicketId(shopper);
  expect(id).toMatch(/^HC-/);

  await page.keyboard.press("Escape");
  await expect(launcher).toBeFocused();
  await keys.tabTo(launcher);
  expect(keys.presses).toBeLessThan(60);
});

/** Tab and Shift+Tab, counted, and the focus ring checked wherever they land. */
class Keyboard {
  constructor(page) {
    this.page = page;
    this.presses = 0;
  }

  /** Tabs forward until `target` has the focus; `ring` is what shows it, if not the target. */
  async tabTo(target, { ring = target, max = 30 } = {}) {
    for (let i = 0; i < max; i++) {
      const focused = await target
        .evaluate((el) => el.getRootNode().activeElement === el && el.ownerDocument.hasFocus())
        .catch(() => false);
      if (focused) {
        const shown = await ring.evaluate((el) => {
          const style = getComputedStyle(el);
          return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
        });
        expect(shown, `the focus on ${target} is visible`).toBe(true);
        return;
      }
      await this.page.keyboard.press("Tab");
      this.presses += 1;
    }
    throw new Error(`${max} presses of Tab never reached ${target}`);
  }
}
