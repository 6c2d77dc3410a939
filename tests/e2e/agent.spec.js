// 2. An agent moves the ticket through the admin API; the widget open on the store's page
// shows it by itself, without the page or the widget being reloaded.
const { test, expect, stage, Shopper, Agent, fileSomethingElse, widgetFrame } = require("./fixtures");

test("an agent's change shows in the open widget without a reload", async ({ page, request }) => {
  await page.goto(`${stage.store}/`);
  const shopper = new Shopper(page);
  const { frame, heading } = shopper;
  await shopper.launcher.click();
  const id = await fileSomethingElse(shopper);
  await frame.getByRole("button", { name: "Follow this request" }).click();
  const status = frame.locator(".hc-ticket-status");
  await expect(status).toHaveText("Status: Received");
  // Marks both documents: a reload of either would lose the mark.
  await page.evaluate(() => (window.__sameStore = true));
  await widgetFrame(page).evaluate(() => (window.__sameWidget = true));

  const agent = new Agent(request);
  await agent.moves(id, { to: "in_review" });
  await expect(status).toHaveText("Status: Under review", { timeout: 2_000 });
  await agent.moves(id, { to: "needs_info", message: "Could you send a photo of the hinge up close?" });
  await expect(status).toHaveText("Status: We need something from you", { timeout: 2_000 });
  await expect(frame.getByText("Could you send a photo of the hinge up close?").first()).toBeVisible();
  await expect(frame.getByLabel(/Your answer/)).toBeVisible();

  expect(await page.evaluate(() => window.__sameStore)).toBe(true);
  expect(await widgetFrame(page).evaluate(() => window.__sameWidget)).toBe(true);
  await expect(heading).toContainText(id);
});
