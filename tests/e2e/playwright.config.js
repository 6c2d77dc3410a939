// The end-to-end suite: `cargo xtask e2e` (or `cargo xtask test`) starts the server and the
// storefront pages, makes the evidence files and passes their addresses in HELPCENTER_E2E_*.
const { defineConfig } = require("@playwright/test");

const results = process.env.HELPCENTER_E2E_RESULTS || "../../target/e2e";

module.exports = defineConfig({
  testDir: ".",
  testMatch: "*.spec.js",
  // The specs at scale need a stage of their own: `cargo xtask e2e-scale`.
  testIgnore: "scale/**",
  // The tests share one server and one storefront, and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  forbidOnly: true,
  outputDir: results,
  // The list for people; the JSON report for xtask, which counts what ran per spec file.
  reporter: [
    ["list"],
    ["json", { outputFile: process.env.HELPCENTER_E2E_REPORT || `${results}-report.json` }],
  ],
  use: {
    browserName: "chromium",
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    timezoneId: "UTC",
    // What a failing test saw: its last screen, and every step of it.
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: these machines cannot download Playwright's own browser.
      executablePath: process.env.HELPCENTER_E2E_CHROMIUM || "/usr/bin/chromium",
      // Set by xtask (tools::CHROMIUM_FLAGS): headless as root, no outside network.
      args: (process.env.HELPCENTER_E2E_CHROMIUM_FLAGS || "").split(" ").filter(Boolean),
    },
  },
});
