// 10. The agents' console (/console/) against the real server: an agent signs in, a claim
// filed through the widget on the store's page appears in the open inbox without a reload,
// the agent takes it and asks for information with a saved reply, the shopper answers in the
// widget with a photo, the agent sees the answer arrive, looks at the photo and resolves the
// claim with an exchange, and the shopper's widget shows it. Then the same work by keyboard
// alone, and axe-core on every console screen in English and in Simplified Chinese.
const fs = require("node:fs");
const { test, expect, stage, evidence, Shopper, fileSomethingElse } = require("./fixtures");

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const agent = {
  email: process.env.HELPCENTER_E2E_AGENT_EMAIL,
  password: process.env.HELPCENTER_E2E_AGENT_PASSWORD,
};
// Each account may try to sign in only so often (the server's limit): the Chinese audit signs
// in as the colleague, an agent who is not an owner.
const colleague = {
  email: process.env.HELPCENTER_E2E_COLLEAGUE_EMAIL,
  password: process.env.HELPCENTER_E2E_COLLEAGUE_PASSWORD,
};

/** Signs in on the console's own page, as the agent types it. */
async function signIn(page, { email = agent.email, password = agent.password } = {}) {
  await page.goto(`${stage.widget}/console/tickets`);
  // Not signed in: the console sends the agent to sign in, and back afterwards.
  await expect(page).toHaveURL(/\/console\/sign-in\?next=/);
  await page.locator("#sign-in-site").fill("demo");
  await page.locator("#sign-in-email").fill(email);
  await page.locator("#sign-in-password").fill(password);
  await page.locator(".sign-in button[type=submit]").click();
}

/** The storefront with the widget open, in a page of its own. */
async function shopperPage(context) {
  const page = await context.newPage();
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();
  return shopper;
}

test("an agent works a claim from the widget to its resolution, live", async ({ page, context }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/console\/tickets$/);
  const inbox = page.locator("section.inbox");
  await expect(inbox).toHaveAttribute("data-live", "live");

  await test.step("the owner keeps a saved reply in both languages", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.locator(".saved-form button[type=submit]").click();
    await expect(page.locator("#saved-title-problem")).toHaveText("Give the reply a title.");
    await expect(page.locator("#saved-title")).toBeFocused();
    await page.locator("#saved-title").fill("Photo of the hinge");
    await page.locator("#saved-en").fill("About {ticket_id}: could you send a photo of the hinge up close?");
    await page.locator("#saved-zh").fill("关于 {ticket_id}：请发一张铰链的近照。");
    await expect(page.locator(".saved-form .preview").first()).toContainText("About HC-7F3K9Q");
    await page.locator(".saved-form button[type=submit]").click();
    await expect(page.locator("[data-saved-reply] h3", { hasText: "Photo of the hinge" })).toBeVisible();
    await page.getByRole("link", { name: "Inbox" }).click();
    await expect(inbox).toHaveAttribute("data-live", "live");
  });

  const before = Number(await page.locator("[data-count=submitted]").textContent());
  const shopper = await shopperPage(context);
  const id = await fileSomethingElse(shopper, { order: "10077001" });
  await page.evaluate(() => (window.__sameConsole = true));

  await test.step("the claim appears in the open inbox without a reload", async () => {
    const row = page.locator(`tr[data-ticket="${id}"]`);
    await expect(row).toBeVisible({ timeout: 5_000 });
    await expect(row).toContainText("10077001");
    await expect(row).toContainText("New");
    await expect(page.locator("[data-count=submitted]")).toHaveText(String(before + 1));
    await expect(page.locator("#announce")).toContainText(id);
    expect(await page.evaluate(() => window.__sameConsole)).toBe(true);
    await row.getByRole("link", { name: id }).click();
  });

  await expect(page).toHaveURL(new RegExp(`/console/tickets/${id}$`));
  await expect(page.locator("#ticket-heading")).toHaveText(id);
  await expect(page.locator(".claim")).toContainText("10077001");
  await expect(page.locator(".file")).toHaveCount(1);
  await expect(page.locator(".file [data-fact=type]")).toHaveText("JPEG");
  await expect(page.locator(".file [data-fact=dimensions]")).toHaveText("1600 × 1200");

  await test.step("the agent takes it and asks with the saved reply", async () => {
    await page.getByRole("button", { name: "Assign to me" }).click();
    await expect(page.locator(".assignee")).toHaveText("Assigned to Wei");
    await page.locator("#ask-saved").selectOption({ label: "Photo of the hinge" });
    await page.locator(".ask .saved-picker button").click();
    await expect(page.locator("#ask-text")).toHaveValue(/\{ticket_id\}/);
    await expect(page.locator("#ask-preview")).toContainText(`About ${id}: could you send a photo`);
    await page.locator(".ask button[type=submit]").click();
    await expect(page.locator("[data-status]")).toHaveAttribute("data-status", "needs_info");
    await expect(page.locator(".event[data-kind=InfoRequested] .by")).toContainText("by Wei");
  });

  await test.step("the shopper answers in the widget with a photo", async () => {
    const { frame } = shopper;
    await frame.getByRole("button", { name: "Follow this request" }).click();
    await expect(frame.locator(".hc-asked")).toContainText(`About ${id}: could you send a photo of the hinge up close?`);
    await frame.locator("#hc-answer").fill("Here it is, the hinge from the side.");
    await frame.locator(".hc-answer input[type=file]").first().setInputFiles(evidence("IMG_2042.JPG"));
    await expect(frame.locator(".hc-answer .hc-file-status")).toHaveText(["Uploaded"], { timeout: 30_000 });
    await frame.locator(".hc-send-answer").click();
  });

  await test.step("the agent sees the answer arrive and looks at the photo", async () => {
    const reply = page.locator(".event[data-kind=ShopperReply]");
    await expect(reply).toContainText("Here it is, the hinge from the side.", { timeout: 5_000 });
    await expect(page.locator(".file")).toHaveCount(2);
    expect(await page.evaluate(() => window.__sameConsole)).toBe(true);
    await page.getByRole("button", { name: "View IMG_2042.JPG" }).click();
    const viewer = page.getByRole("dialog", { name: "IMG_2042.JPG" });
    await expect(viewer).toBeVisible();
    // Tab and Shift+Tab go round the viewer's controls and never behind the backdrop.
    for (const key of [...Array(12).fill("Tab"), ...Array(12).fill("Shift+Tab")]) {
      await page.keyboard.press(key);
      expect(await focusInside(page, ".viewer"), `focus after ${key}`).toBe(true);
    }
    await page.keyboard.press("Shift+Tab");
    expect(await focusInside(page, ".viewer")).toBe(true);
    const photo = viewer.locator("img");
    await expect(photo).toHaveJSProperty("complete", true);
    expect(await photo.evaluate((img) => img.naturalWidth)).toBe(1600);
    await viewer.getByRole("button", { name: "Zoom in" }).click();
    await expect(photo).toHaveAttribute("data-zoom", "1.5");
    await viewer.getByRole("button", { name: "Rotate" }).click();
    await expect(photo).toHaveAttribute("data-rotation", "90");
    await page.keyboard.press("Escape");
    await expect(viewer).toBeHidden();
    await expect(page.getByRole("button", { name: "View IMG_2042.JPG" })).toBeFocused();
  });

  await test.step("the agent resolves it with an exchange", async () => {
    await page.locator("#status-to").selectOption("resolved");
    await page.locator(".change-status button[type=submit]").click();
    await expect(page.locator(".change-status .said")).toHaveText("Choose how the ticket is resolved.");
    await page.locator("#status-resolution").selectOption("exchange");
    await page.locator("#status-message").fill("We're sending a new one; please send the old one back with the label.");
    await page.locator(".change-status button[type=submit]").click();
    await expect(page.locator("[data-status]")).toHaveAttribute("data-status", "resolved");
    await expect(page.locator("[data-status]")).toContainText("Exchange");
  });

  await test.step("the shopper's widget shows the exchange", async () => {
    const { frame } = shopper;
    await expect(frame.locator(".hc-resolution")).toHaveAttribute("data-resolution", "Exchange", { timeout: 5_000 });
    await expect(frame.getByText("We're sending a new one").first()).toBeVisible();
  });
});

test("an agent triages by keyboard alone", async ({ page, context }) => {
  const shopper = await shopperPage(context);
  const id = await fileSomethingElse(shopper, { order: "10077002" });
  await shopper.page.close();

  await page.goto(`${stage.widget}/console/tickets`);
  await expect(page.locator("#sign-in-site")).toBeVisible();
  await page.locator("#sign-in-site").focus();
  await page.keyboard.type("demo");
  await page.keyboard.press("Tab");
  await page.keyboard.type(agent.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(agent.password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/console\/tickets$/);

  // The newest change first, so the ticket just filed is the first row.
  await page.locator("#filter-sort").selectOption("updated");
  await expect(page.locator("tbody tr").first()).toHaveAttribute("data-ticket", id);
  // Out of the select, onto the page: the keys are the list's again.
  await page.locator("#inbox-heading").click();
  await page.keyboard.press("j");
  await expect(page.locator("#row-0")).toBeFocused();
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await expect(page.locator("#row-0")).toBeFocused();
  await expect(page.locator("tbody tr").first()).toHaveClass(/selected/);

  await page.keyboard.press("?");
  const shortcuts = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(shortcuts).toBeVisible();
  await expect(shortcuts).toContainText("Reply to the shopper");
  // The dialog keeps focus: its one control, whichever way the agent tabs.
  const closeShortcuts = shortcuts.getByRole("button");
  await expect(closeShortcuts).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(closeShortcuts).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(closeShortcuts).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(shortcuts).toBeHidden();
  await expect(page.locator("#row-0")).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(page.locator("#ticket-heading")).toHaveText(id);
  await page.keyboard.press("n");
  await expect(page.locator("#note-text")).toBeFocused();
  await page.keyboard.type("Checked the order: the lid is from the spring batch.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  const note = page.locator(".event.internal");
  await expect(note).toContainText("Checked the order");
  await expect(note.locator(".by")).toContainText("by Wei");
  await expect(page.locator("#note-text")).toHaveValue("");

  await page.locator("#ticket-heading").click();
  await page.keyboard.press("r");
  await expect(page.locator("#reply-text")).toBeFocused();
  await page.keyboard.type("Thanks, we're looking at it today.");
  // Switching the language draws the screen anew: the half-written reply and note stay.
  await page.locator("#note-text").fill("Half a note");
  await page.locator(".locale select").selectOption("zh-CN");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.locator("#ticket-heading")).toHaveText(id);
  await expect(page.locator("#reply-text")).toHaveValue("Thanks, we're looking at it today.");
  await expect(page.locator("#note-text")).toHaveValue("Half a note");
  await page.locator(".locale select").selectOption("en");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.locator("#reply-text")).toHaveValue("Thanks, we're looking at it today.");
  await page.locator("#note-text").fill("");
  // Tab past the saved-reply picker to Send.
  await page.locator(".reply button[type=submit]").focus();
  await page.keyboard.press("Enter");
  await expect(page.locator(".event[data-kind=Message]").last()).toContainText("we're looking at it today");
});

test("sign-in attempts are limited, with the wait in words and nothing about the account", async ({ page }) => {
  await page.goto(`${stage.widget}/console/sign-in`);
  await page.locator("#sign-in-site").fill("demo");
  // An address no agent has: it is limited all the same (no account enumeration).
  await page.locator("#sign-in-email").fill("guessing@shop.example");
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.locator("#sign-in-password").fill(`guess number ${attempt}`);
    await page.locator(".sign-in button[type=submit]").click();
    await expect(page.locator(".refusal")).toContainText("The email or password is wrong");
    // The refusal is drawn anew for each answer: wait for the button to be usable again.
    await expect(page.locator(".sign-in button[type=submit]")).toBeEnabled();
  }
  await page.locator("#sign-in-password").fill("guess number 6");
  await page.locator(".sign-in button[type=submit]").click();
  await expect(page.locator(".refusal")).toContainText(/Too many sign-in attempts\. Wait \d+ seconds/);
  await expect(page.locator("#sign-in-email")).toHaveValue("guessing@shop.example");
  await expect(page).toHaveURL(/\/console\/sign-in/);
});

test("a page of another origin cannot act with the agent's session", async ({ page, context }) => {
  const shopper = await shopperPage(context);
  const id = await fileSomethingElse(shopper, { order: "10077004" });
  await shopper.page.close();
  await signIn(page, colleague);
  await expect(page).toHaveURL(/\/console\/tickets$/);

  // The stranger's page, in the same browser as the signed-in console, tries a form post and
  // a credentialed fetch at the console's API.
  const stranger = await context.newPage();
  await stranger.goto(`${stage.stranger}/`);
  const target = `${stage.widget}/v1/console/tickets/${id}/messages`;
  const outcome = await stranger.evaluate(async (url) => {
    const form = document.createElement("form");
    form.method = "POST";
    form.action = url;
    form.enctype = "text/plain";
    form.target = "sink";
    const field = document.createElement("input");
    field.name = '{"body":"Refund approved!","internal":false,"x":"';
    field.value = '"}';
    form.append(field);
    const sink = document.createElement("iframe");
    sink.name = "sink";
    document.body.append(sink, form);
    const posted = new Promise((resolve) => (sink.onload = resolve));
    form.submit();
    await Promise.race([posted, new Promise((r) => setTimeout(r, 3000))]);
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "include",
        mode: "no-cors",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ body: "Refund approved!", internal: false }),
      });
      return response.type;
    } catch (error) {
      return String(error);
    }
  }, target);
  expect(outcome).toBeTruthy();
  await stranger.close();

  // Nothing was said on the ticket, and the agent is still signed in.
  await page.goto(`${stage.widget}/console/tickets/${id}`);
  await expect(page.locator("#ticket-heading")).toHaveText(id);
  await expect(page.locator(".event")).toHaveCount(1);
  await expect(page.locator(".timeline")).not.toContainText("Refund approved!");
  await expect(page.locator(".who")).toContainText("Anna");
});

/** Whether the focused element is inside the element `selector` finds. */
async function focusInside(page, selector) {
  return page.evaluate((s) => document.querySelector(s).contains(document.activeElement), selector);
}

/** Whether the page fits its width: nothing to scroll sideways but the list's own table. */
async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** axe's serious and critical findings on the page. */
async function audit(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations),
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const [locale, who, words] of [
  ["en-GB", agent, { wrong: "The email or password is wrong", inbox: "Inbox", settings: "Settings", insights: "Insights" }],
  ["zh-CN", colleague, { wrong: "邮箱或密码错误", inbox: "收件箱", settings: "设置", insights: "数据概览" }],
]) {
  test.describe(locale, () => {
    test.use({ locale });

    test(`every console screen passes axe (${locale})`, async ({ page, browser }) => {
      const found = {};
      // The claim comes from a shopper whose browser asks for English: the widget speaks the
      // browser's language, whatever the agent's.
      const shoppers = await browser.newContext({ locale: "en-GB" });
      const shopper = await shopperPage(shoppers);
      const id = await fileSomethingElse(shopper, { order: "10077003" });
      await shoppers.close();

      await page.goto(`${stage.widget}/console/sign-in`);
      await page.locator(".sign-in button[type=submit]").click();
      await expect(page.locator("#sign-in-site")).toHaveAttribute("aria-invalid", "true");
      found["sign-in, empty"] = await audit(page);
      await page.locator("#sign-in-site").fill("demo");
      await page.locator("#sign-in-email").fill(who.email);
      await page.locator("#sign-in-password").fill("not the password");
      await page.locator(".sign-in button[type=submit]").click();
      await expect(page.locator(".refusal")).toContainText(words.wrong);
      found["sign-in, refused"] = await audit(page);

      await page.locator("#sign-in-password").fill(who.password);
      await page.locator(".sign-in button[type=submit]").click();
      await expect(page.locator("#inbox-heading")).toHaveText(words.inbox);
      await expect(page.locator(`tr[data-ticket="${id}"]`)).toBeVisible();
      found["inbox"] = await audit(page);
      await page.keyboard.press("?");
      await expect(page.locator(".shortcuts")).toBeVisible();
      found["shortcuts"] = await audit(page);
      await page.keyboard.press("Escape");

      expect(await fitsWidth(page), "the inbox at 1280 px").toBe(true);
      await page.goto(`${stage.widget}/console/tickets/${id}`);
      await expect(page.locator("#ticket-heading")).toHaveText(id);
      await expect(page.locator(".file")).toHaveCount(1);
      found["ticket"] = await audit(page);
      expect(await fitsWidth(page), "the ticket at 1280 px").toBe(true);
      // A tablet held upright: one column, everything within the screen's width.
      await page.setViewportSize({ width: 820, height: 1180 });
      expect(await fitsWidth(page), "the ticket on a tablet").toBe(true);
      await expect(page.locator(".ticket-side")).toBeVisible();
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.locator(".file .thumb").click();
      await expect(page.locator(".viewer")).toBeVisible();
      found["ticket, photo viewer"] = await audit(page);
      await page.keyboard.press("Escape");

      await page.getByRole("link", { name: words.settings }).click();
      await expect(page.locator("#settings-heading")).toHaveText(words.settings);
      found["settings"] = await audit(page);

      await page.getByRole("link", { name: words.insights }).click();
      await expect(page.locator("#insights-heading")).toHaveText(words.insights);
      await expect(page.locator("[data-figure=overdue]")).toBeVisible();
      found["insights"] = await audit(page);

      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    });
  });
}
