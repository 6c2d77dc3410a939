// The end-to-end tests at scale: `cargo xtask e2e-scale` (or `cargo xtask test`) starts
// PostgreSQL, an S3 server, the server instances (behind nginx for balancer.spec.js) and the
// storefront, and runs each spec file against its own stage (xtask/src/e2e_scale.rs). The
// rest is the suite's own settings.
const suite = require("../playwright.config.js");

module.exports = {
  ...suite,
  testDir: ".",
  testMatch: "*.spec.js",
  testIgnore: [],
  // A photo uploaded on a throttled line, an instance's upload lease waited out.
  timeout: 180_000,
};
