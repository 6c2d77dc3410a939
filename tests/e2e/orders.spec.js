// The order-first journey (issue 17) on stores whose help center looks orders up with the
// store's own order system: here the demo store's (`xtask/src/demo_orders.rs`), which the
// storefront serves and which checks the server's Standard Webhooks signature. The shopper
// types the order number and email, sees the order as the store has it, picks the item and
// files; the claim window counts from the store's delivery day. A wrong email is said beside
// the email field. A store whose order system is down: an optional lookup lets the shopper go
// on unchecked (the delivery day then asked), a required one files nothing.
const { test, expect, stage, evidence, Shopper, filedTicketId } = require("./fixtures");

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** `days` ago as the widget writes every day: "24 November 2026" (the sites count days in UTC). */
function widgetDate(daysAgo) {
  const day = new Date(Date.now() - daysAgo * 864e5);
  return `${day.getUTCDate()} ${MONTHS[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
}

/** The admin API of a site with its own key. */
async function agentView(request, key, id) {
  const answer = await request.get(`${stage.widget}/v1/admin/tickets/${id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(answer.ok(), `GET /v1/admin/tickets/${id}: ${answer.status()}`).toBe(true);
  return answer.json();
}

/** Opens the widget of `site`'s store page and starts a product-quality claim. */
async function startClaim(page, site) {
  await page.goto(`${stage.store}/store-${site}.html`);
  const shopper = new Shopper(page);
  await shopper.launcher.click();
  await expect(shopper.heading).toHaveText("What went wrong with your order?");
  await shopper.frame.getByRole("button", { name: /^Product quality/ }).click();
  await expect(shopper.heading).toHaveText("Which order is it about?");
  return shopper;
}

async function lookUp(frame, number, email) {
  await frame.getByLabel("Order number").fill(number);
  await frame.getByLabel("The email address you ordered with").fill(email);
  await frame.getByRole("button", { name: "Find my order" }).click();
}

/** From "Tell us about it" to the filed request, with two photos of the damage. */
async function describeAttachAndSend(shopper) {
  const { frame, heading } = shopper;
  await expect(heading).toHaveText("Tell us about it");
  await frame.getByLabel("What happened?").fill("The box was crushed on one corner and the kettle's spout is bent.");
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Photos and videos");
  await frame.locator(".hc-pickers input[type=file]").first().setInputFiles([evidence("IMG_2041.JPG"), evidence("IMG_2042.JPG")]);
  await expect(frame.locator(".hc-file-status")).toHaveText(["Uploaded", "Uploaded"], { timeout: 30_000 });
  await frame.getByRole("button", { name: "Continue" }).click();
  await expect(heading).toHaveText("Check and send");
  await frame.getByRole("button", { name: "Send my request" }).click();
  return filedTicketId(shopper);
}

test("the order first: found with the store, an item picked, the claim filed verified", async ({ page, request }) => {
  const shopper = await startClaim(page, "orders");
  const { frame, heading } = shopper;

  await test.step("a wrong email gets the store's answer beside the email field", async () => {
    await lookUp(frame, "10023456", "lin@example.com");
    const email = frame.getByLabel("The email address you ordered with");
    await expect(frame.locator("#hc-lookup-email-problems")).toContainText(
      "We couldn't find an order with this number and this email address",
    );
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(email).toBeFocused();
    await expect(heading).toHaveText("Which order is it about?");
  });

  await test.step("the right email shows the order as the store has it", async () => {
    await lookUp(frame, "10023456", "wei@example.com");
    await expect(heading).toHaveText(`Order 10023456, delivered on ${widgetDate(2)}`);
    await expect(frame.locator(".hc-order-tracking")).toHaveText("SF Express, tracking number SF100234560");
    // Continue without an item says what is missing.
    await frame.getByRole("button", { name: "Continue" }).click();
    await expect(frame.locator("#hc-items-problems")).toContainText("Choose at least one item.");
    await frame.getByLabel("Copper kettle, 1.7 l × 1").check();
    await frame.getByRole("button", { name: "Continue" }).click();
  });

  await test.step("the window counts from the store's day: no date is asked", async () => {
    await frame.getByRole("button", { name: "It arrived broken or damaged" }).click();
    await expect(heading).toHaveText("What we'll do");
    await expect(frame.locator(".hc-outcome-message")).toContainText("claimed from the delivery company");
    await expect(frame.getByLabel("When did the parcel arrive?")).toHaveCount(0);
    await frame.getByRole("button", { name: "Continue" }).click();
    // The order and email are settled: shown, not asked again.
    await expect(frame.locator(".hc-order-summary")).toContainText(`Order 10023456, delivered on ${widgetDate(2)}`);
    await expect(frame.getByLabel("Order number")).toHaveCount(0);
  });

  const id = await describeAttachAndSend(shopper);

  await test.step("the agent sees what the store said, apart from what the shopper stated", async () => {
    const ticket = await agentView(request, stage.ordersAdminKey, id);
    expect(ticket).toMatchObject({
      id,
      outcome: "transit_damage",
      order_number: "10023456",
      delivered_on: new Date(Date.now() - 2 * 864e5).toISOString().slice(0, 10),
      order: {
        verification: "verified",
        delivered_on_source: "store",
        items: [{ id: "kettle-cu-17", quantity: 1 }],
        store_order: { order_number: "10023456", tracking_number: "SF100234560" },
      },
    });
  });
});

test("the store's order system down: an optional lookup goes on unchecked and asks the day", async ({ page, request }) => {
  const shopper = await startClaim(page, "orders-down");
  const { frame, heading } = shopper;
  await lookUp(frame, "10023456", "wei@example.com");
  await expect(frame.locator(".hc-order-message")).toHaveText(
    "The store's order system isn't answering right now. Try again, or continue and tell us the delivery day yourself.",
    { timeout: 10_000 },
  );
  await frame.getByRole("button", { name: "Continue without checking" }).click();
  await frame.getByRole("button", { name: "It arrived broken or damaged" }).click();
  await expect(heading).toHaveText("What we'll do");
  // The store could not say when it arrived: the shopper does.
  await frame.getByLabel("When did the parcel arrive?").fill(new Date(Date.now() - 2 * 864e5).toISOString().slice(0, 10));
  await frame.getByRole("button", { name: "Continue" }).click();
  // What was typed for the lookup is still there.
  await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
  await expect(frame.getByLabel("Your email")).toHaveValue("wei@example.com");
  const id = await describeAttachAndSend(shopper);
  const ticket = await agentView(request, stage.ordersDownAdminKey, id);
  expect(ticket).toMatchObject({
    id,
    order_number: "10023456",
    order: { verification: "unverified", delivered_on_source: "shopper" },
  });
  expect(ticket.order.unverified_reason).toContain("could not be reached");
});

test("the store's order system down: a required lookup files nothing and says to try again", async ({ page }) => {
  const shopper = await startClaim(page, "orders-required-down");
  const { frame, heading } = shopper;
  await lookUp(frame, "10023456", "wei@example.com");
  await expect(frame.locator(".hc-order-message")).toContainText(
    "The store's order system isn't answering right now, so we can't take the request yet.",
    { timeout: 10_000 },
  );
  await expect(frame.getByRole("button", { name: "Continue without checking" })).toHaveCount(0);
  await expect(heading).toHaveText("Which order is it about?");
  // Nothing typed is lost.
  await expect(frame.getByLabel("Order number")).toHaveValue("10023456");
});
