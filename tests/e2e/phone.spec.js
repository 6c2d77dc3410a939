// Issue 13, tried on a phone (375×667, touch). The widget takes the whole screen with a
// header on every screen (the store, Back, Close): nothing floats over a heading, a hint or
// an error while the screen scrolls; every target a thumb presses is at least 44 px; the
// loading state paints before any wasm arrives. Screenshots of the start, outcome, photos and
// request screens are attached to the suite's artefacts (target/e2e/).
const { test, expect, stage, evidence, Shopper, filedTicketId } = require("./fixtures");

test.use({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });

/** The store's name as the site's configuration gives it to the widget. */
async function storeName() {
  const answer = await fetch(`${stage.widget}/v1/sites/demo/widget-config`);
  return (await answer.json()).display_name;
}

/** The frame's document, for measuring inside it. */
async function frameOf(page) {
  const handle = await page.locator("iframe").elementHandle();
  return handle.contentFrame();
}

/** A screenshot of the phone's screen, kept in the artefacts and attached to the report. */
async function shot(page, testInfo, name) {
  const path = testInfo.outputPath(`phone-${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(`phone-${name}`, { path, contentType: "image/png" });
}

/**
 * Scrolls the screen from top to bottom; at each step, whatever is drawn across the header's
 * whole width is the header itself: nothing of the screen overlaps it. Returns the steps
 * checked.
 */
async function headerStaysOnTop(frame, screen) {
  const found = await frame.evaluate(async () => {
    const header = document.querySelector("header.hc-header");
    if (!header) return { problems: ["no header"], steps: 0 };
    const scroller = document.scrollingElement;
    const problems = [];
    let steps = 0;
    const max = scroller.scrollHeight - scroller.clientHeight;
    for (let y = 0; ; y = Math.min(max, y + 120)) {
      scroller.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(() => r()));
      steps += 1;
      const box = header.getBoundingClientRect();
      if (box.top !== 0) problems.push(`at ${y} px the header's top is ${box.top}`);
      for (const x of [4, box.width / 4, box.width / 2, (3 * box.width) / 4, box.width - 4]) {
        for (const dy of [2, box.height / 2, box.height - 2]) {
          const hit = document.elementFromPoint(x, box.top + dy);
          if (hit && !header.contains(hit)) {
            problems.push(`at ${y} px, ${hit.tagName}.${hit.className} covers the header at (${Math.round(x)}, ${Math.round(dy)})`);
          }
        }
      }
      if (y >= max) break;
    }
    scroller.scrollTop = 0;
    return { problems, steps };
  });
  expect(found.problems, `${screen}: the header is covered`).toEqual([]);
  return found.steps;
}

/** Every visible control of the screen is at least 44×44 CSS px (a file input's label is what
 * shows and takes the tap). */
async function targetsAreBigEnough(frame, screen) {
  const small = await frame.evaluate(() => {
    const selector = "button, a[href], input:not([type=file]), select, textarea, label.hc-picker, summary";
    return [...document.querySelectorAll(selector)]
      .filter((e) => e.getClientRects().length > 0 && !e.closest(".hc-sr-only"))
      .map((e) => ({ e, box: e.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && (box.height < 44 || box.width < 44))
      .map(({ e, box }) => `${e.tagName}.${e.className} "${(e.textContent || e.getAttribute("aria-label") || "").trim().slice(0, 40)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
  });
  expect(small, `${screen}: targets under 44 px`).toEqual([]);
}

async function checkScreen(page, testInfo, name) {
  const frame = await frameOf(page);
  await headerStaysOnTop(frame, name);
  await targetsAreBigEnough(frame, name);
  await expect(frame.locator("header.hc-header .hc-store-name")).toHaveText(await storeName());
  // Under the store's name, the part of the widget the shopper is in.
  const place = name === "request" ? "My requests" : "Report a problem";
  await expect(frame.locator("header.hc-header .hc-place:not([hidden])"), `${name}: the header's title`).toHaveText(place);
}

test("on a phone the widget fills the screen, with Close in its own header", async ({ page }) => {
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

  // Once the widget is ready, the store page's button no longer floats over it: Close is in
  // the widget's header, beside the store's name.
  await expect(shopper.launcher).toBeHidden();
  const close = shopper.frame.locator("header.hc-header .hc-close");
  await expect(close).toHaveText("Close");
  const heading = await shopper.heading.boundingBox();
  const header = await shopper.frame.locator("header.hc-header").boundingBox();
  expect(heading.y, "the heading starts below the header").toBeGreaterThanOrEqual(header.y + header.height);

  await close.tap();
  await expect(page.locator("iframe")).toBeHidden();
  await expect(shopper.launcher).toBeVisible();
  await expect(shopper.launcher).toHaveText("Help with an order");
});

test("every screen keeps its header clear and its targets at 44 px, start to request", async ({ page }, testInfo) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.tap();
  await expect(heading).toHaveText("What went wrong with your order?");
  await checkScreen(page, testInfo, "start");
  await shot(page, testInfo, "start");

  await frame.getByRole("button", { name: /^Delivery/ }).tap();
  await checkScreen(page, testInfo, "question");
  await frame.getByRole("button", { name: "The box or the item was damaged in transit" }).tap();
  await expect(heading).toHaveText("What we'll do");
  const delivered = new Date(Date.now() - 2 * 864e5).toISOString().slice(0, 10);
  await frame.getByLabel("When did the parcel arrive?").fill(delivered);
  await expect(frame.locator(".hc-outcome-message")).toContainText("claimed from the delivery company");
  await checkScreen(page, testInfo, "outcome");
  await shot(page, testInfo, "outcome");
  await frame.getByRole("button", { name: "Continue" }).tap();

  await expect(heading).toHaveText("Tell us about it");
  await frame.getByLabel("Order number").fill("10023456");
  await frame.getByLabel("What happened?").fill("The box was crushed on one corner and the kettle's spout is bent.");
  await frame.getByLabel("Your email").fill("wei@example.com");
  await checkScreen(page, testInfo, "details");
  await frame.getByRole("button", { name: "Continue" }).tap();

  await expect(heading).toHaveText("Photos and videos");
  const picker = frame.locator(".hc-pickers input[type=file]").first();
  await picker.setInputFiles([evidence("thumbnail.png"), evidence("IMG_2041.JPG"), evidence("IMG_2042.JPG")]);
  await expect(frame.locator(".hc-file", { hasText: "thumbnail.png" })).toContainText("too small");
  await expect(frame.locator(".hc-file-status")).toHaveText(["Not sent", "Uploaded", "Uploaded"], { timeout: 30_000 });
  await checkScreen(page, testInfo, "photos");
  await shot(page, testInfo, "photos");
  // Issue 13 (1): Continue with the refused file listed says what to do and takes the
  // shopper to it; removing it lets them on.
  await frame.getByRole("button", { name: "Continue" }).tap();
  await expect(heading).toHaveText("Photos and videos");
  await expect(frame.locator(".hc-held")).toHaveText("A file above can't be sent. Remove it or replace it, then continue.");
  await expect(frame.getByRole("button", { name: "Remove: thumbnail.png" })).toBeFocused();
  await frame.getByRole("button", { name: "Remove: thumbnail.png" }).tap();
  await frame.getByRole("button", { name: "Continue" }).tap();

  await expect(heading).toHaveText("Check and send");
  await checkScreen(page, testInfo, "review");
  await frame.getByRole("button", { name: "Send my request" }).tap();
  const id = await filedTicketId(shopper);
  await checkScreen(page, testInfo, "filed");
  // The request number is quoted whole: on one line, and Copy puts it on the phone's
  // clipboard from inside the store's frame.
  await expect(frame.locator(".hc-ticket-id .hc-id")).toHaveText(id);
  expect(await frame.locator(".hc-ticket-id .hc-id").evaluate((e) => e.getClientRects().length)).toBe(1);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: stage.store });
  await frame.getByRole("button", { name: "Copy" }).tap();
  await expect(frame.locator(".hc-ticket-id .hc-copy")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(id);
  await frame.getByRole("button", { name: "Follow this request" }).tap();
  await expect(heading).toHaveText(`Request ${id}`);
  await expect(frame.locator(".hc-ticket-status")).toHaveText("Status: Received");
  await checkScreen(page, testInfo, "request");
  await shot(page, testInfo, "request");
});

test("the loading state paints from the page and its CSS while the wasm is held back", async ({ page }, testInfo) => {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.tap();
  const boot = shopper.frame.locator(".hc-boot");
  await expect(boot).toBeVisible();
  const bones = await boot.locator(".hc-bone").count();
  expect(bones).toBeGreaterThan(3);
  const size = await boot.boundingBox();
  expect(size.height).toBeGreaterThan(200);
  await expect(shopper.heading).toHaveCount(0);
  await shot(page, testInfo, "loading");
  release();
  await expect(shopper.heading).toHaveText("What went wrong with your order?");
  await expect(boot).toBeHidden();
});
