// `cargo xtask bench`'s browser figures, in Debian's Chromium through playwright-core (the
// end-to-end suite's copy). Every figure is taken RUNS times from a cold browser context, for
// ours and for its baseline in turn; the samples go to stdout as JSON for xtask to summarise.
const { chromium } = require("playwright-core");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this with \`cargo xtask bench browser\``);
  return value;
};
const STORE = env("HC_STORE");
const FLOOR_APP = env("HC_FLOOR_APP");
const FILES = env("HC_FILES").split("\n");
/** A directory to write Chromium's performance traces of our side into (one run only): what
 * `HC_TRACE=dir cargo xtask bench browser` is for, to find what a slow figure spends on. */
const TRACE = process.env.HC_TRACE;
const RUNS = TRACE ? 1 : Number(process.env.HC_RUNS || 10);
/** `HC_ONLY=files` (or `store`, `step`) measures that part alone: a quicker loop while working
 * on one figure. The table then lacks the others' rows. */
const ONLY = process.env.HC_ONLY;
const measuring = (part) => !ONLY || ONLY === part;

/** `fn()` under a Chromium trace named `name`, when HC_TRACE asks for traces. */
async function traced(browser, page, name, fn) {
  if (!TRACE) return fn();
  await browser.startTracing(page, {
    path: `${TRACE}/${name}.json`,
    categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "v8.wasm", "disabled-by-default-v8.compile", "toplevel", "disabled-by-default-v8.cpu_profiler"],
  });
  try {
    return await fn();
  } finally {
    await browser.stopTracing();
  }
}

/** Long tasks and layout shifts from the very start of every document of a context. */
const WATCH = () => {
  window.__longTasks = [];
  window.__layoutShift = 0;
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({
    type: "longtask",
    buffered: true,
  });
  new PerformanceObserver((l) =>
    l.getEntries().forEach((e) => {
      if (!e.hadRecentInput) window.__layoutShift += e.value;
    }),
  ).observe({ type: "layout-shift", buffered: true });
};

const samples = {};
const add = (name, side, value) => {
  samples[name] ??= { ours: [], baseline: [] };
  samples[name][side].push(value);
};

async function fresh(browser, fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(WATCH);
  try {
    return await fn(await context.newPage());
  } finally {
    await context.close();
  }
}

/** The storefront, with the script tag or with the tag taken out of the same page. */
async function store(browser, withScript) {
  await fresh(browser, async (page) => {
    if (!withScript) {
      await page.route(`${STORE}/`, async (route) => {
        const answer = await route.fetch();
        const body = (await answer.text()).replace(/<script src="[^"]*\/embed\.js"[^>]*><\/script>/, "");
        if (body.includes("embed.js\"")) throw new Error("the script tag is still in the page");
        await route.fulfill({ response: answer, body });
      });
    }
    await page.goto(`${STORE}/`, { waitUntil: "load" });
    if (withScript) await page.locator("button[aria-haspopup=dialog]").waitFor();
    // Idle for a second: the launcher is drawn at idle, and late work would show.
    await page.waitForTimeout(1000);
    const m = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
      return {
        blocking: window.__longTasks.reduce((sum, d) => sum + Math.max(0, d - 50), 0),
        longTasks: window.__longTasks.length,
        layoutShift: window.__layoutShift,
        bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
        load: performance.getEntriesByType("navigation")[0].loadEventEnd,
      };
    });
    const side = withScript ? "ours" : "baseline";
    add("store page: total blocking time", side, m.blocking);
    add("store page: long tasks", side, m.longTasks);
    add("store page: layout shift", side, m.layoutShift);
    add("store page: bytes fetched before interaction", side, m.bytes / 1000);
    add("store page: load event", side, m.load);
  });
}

/** A click on `click`, timed inside the document that handles it: from the click's dispatch
 * until an element matching `selector` (holding `text`, if given) is in the document and the
 * next frame has been drawn. Playwright's own waits poll at 20, 50 and 100 ms and would mostly
 * measure their polling. */
const clickUntilShown = (frame, click, selector, text = "") =>
  frame.evaluate(
    ([click, selector, text]) =>
      new Promise((resolve, reject) => {
        const there = () => [...document.querySelectorAll(selector)].some((e) => e.textContent.includes(text));
        let started;
        const drawn = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
        const watch = new MutationObserver(() => {
          if (there()) {
            watch.disconnect();
            drawn();
          }
        });
        watch.observe(document.body, { subtree: true, childList: true, characterData: true });
        setTimeout(() => {
          watch.disconnect();
          reject(new Error(`${selector} did not show within 5 s`));
        }, 5000);
        started = performance.now();
        document.querySelector(click).click();
      }),
    [click, selector, text],
  );

/** Launcher click to the first question taking clicks, then two steps of the tree. */
async function openAndStep(browser) {
  await fresh(browser, async (page) => {
    await page.goto(`${STORE}/`);
    const launcher = page.locator("button[aria-haspopup=dialog]");
    await launcher.waitFor();
    await page.waitForTimeout(300);
    const frame = page.frameLocator("iframe");
    let started = Date.now();
    await launcher.click();
    await frame.locator("[data-category=product_quality]").click({ trial: true });
    add("launcher click to the first question interactive", "ours", Date.now() - started);
    // The chunk the start screen prefetches, in: the step is then what a shopper waits for.
    const widget = page.frames().find((f) => f.url().includes("/widget/"));
    await widget.waitForFunction(() =>
      performance.getEntriesByType("resource").some((e) => /split_[^/]*\.wasm$/.test(e.name) && e.responseEnd > 0),
    );
    await page.waitForTimeout(200);
    const step = await traced(browser, page, "tree-step", () =>
      clickUntilShown(widget, "[data-category=product_quality]", "[data-answer=arrived_damaged]"),
    );
    add("a step of the decision tree", "ours", step);
    // The next question, on the same screen code: what a step costs once the browser has
    // compiled the code it runs (V8 compiles wasm functions on their first call).
    await page.waitForTimeout(200);
    add(
      "the next step of the tree (its code has run once)",
      "ours",
      await traced(browser, page, "tree-next", () =>
        clickUntilShown(widget, "[data-answer=fault]", "[data-answer=as_instructed]"),
      ),
    );
  });
  await fresh(browser, async (page) => {
    await page.goto(`${STORE}/floor.html?app=${encodeURIComponent(FLOOR_APP)}`);
    await page.waitForTimeout(300);
    let started = Date.now();
    await page.locator("#open").click();
    await page.frameLocator("iframe").getByText("Hello, world").waitFor();
    add("launcher click to the first question interactive", "baseline", Date.now() - started);
    add("a step of the decision tree", "baseline", await clickUntilShown(page.mainFrame(), "#step", "#shown", "Step 2"));
    await page.waitForTimeout(200);
    add(
      "the next step of the tree (its code has run once)",
      "baseline",
      await clickUntilShown(page.mainFrame(), "#step", "#shown", "Step 3"),
    );
  });
}

/** How long after a check ends its long tasks are read: the observer hears of a task some time
 * after it ends, and read at once the baseline's 100 MB digest went unseen. */
const LONG_TASKS_TOLD = 300;

/** Proves the long-task observer of `frame` (a page or a frame) sees a long task, a 120 ms
 * one made on purpose, then clears what it saw. */
async function watchingLongTasks(frame) {
  await frame.evaluate(() =>
    setTimeout(() => {
      const end = performance.now() + 120;
      while (performance.now() < end);
    }),
  );
  await frame.waitForFunction(() => window.__longTasks.some((d) => d >= 120));
  await frame.evaluate(() => (window.__longTasks = []));
}

/** The files picked at once; until every row shows its check, and the longest task meanwhile. */
async function checkFiles(browser) {
  await fresh(browser, async (page) => {
    await page.goto(`${STORE}/`);
    await page.locator("button[aria-haspopup=dialog]").click();
    const frame = page.frameLocator("iframe");
    await frame.locator("[data-category=other]").click();
    await frame.locator(".hc-next").click();
    await frame.locator("#hc-order-number").fill("10023456");
    await frame.locator("#hc-description").fill("The lid hinge squeaks loudly since the first week of use.");
    await frame.locator("#hc-email").fill("wei@example.com");
    await frame.locator(".hc-next").click();
    const widget = page.frames().find((f) => f.url().includes("/widget/"));
    // Uploads would compete with the checks for the main thread: refused for this run.
    await page.route("**/v1/uploads**", (route) => route.abort());
    await watchingLongTasks(widget);
    const started = Date.now();
    await traced(browser, page, "file-checks", async () => {
      await frame.locator(".hc-pickers input[type=file]").first().setInputFiles(FILES);
      await frame.locator(".hc-file").nth(FILES.length - 1).waitFor();
      await widget.waitForFunction(
        (n) => [...document.querySelectorAll(".hc-file-status")].filter((s) => !/Checking/.test(s.textContent)).length === n,
        FILES.length,
        { timeout: 120_000 },
      );
    });
    add("checking 10 photos of 4 MB and a 100 MB video", "ours", Date.now() - started);
    await page.waitForTimeout(LONG_TASKS_TOLD);
    add("checking: the longest main-thread task (0: none over 50 ms)", "ours", Math.max(0, ...(await widget.evaluate(() => window.__longTasks))));
  });
  await fresh(browser, async (page) => {
    await page.goto(`${STORE}/floor.html?app=${encodeURIComponent(FLOOR_APP)}`);
    await watchingLongTasks(page);
    const started = Date.now();
    await traced(browser, page, "file-checks-baseline", async () => {
      await page.locator("#files").setInputFiles(FILES);
      await page.getByText(`${FILES.length} checked`).waitFor({ timeout: 120_000 });
    });
    add("checking 10 photos of 4 MB and a 100 MB video", "baseline", Date.now() - started);
    await page.waitForTimeout(LONG_TASKS_TOLD);
    add("checking: the longest main-thread task (0: none over 50 ms)", "baseline", Math.max(0, ...(await page.evaluate(() => window.__longTasks))));
  });
}

(async () => {
  const browser = await chromium.launch({
    executablePath: env("HC_CHROMIUM"),
    args: env("HC_CHROMIUM_FLAGS").split(" "),
  });
  try {
    for (let run = 0; run < RUNS; run++) {
      console.error(`bench browser: run ${run + 1} of ${RUNS}`);
      if (measuring("store")) {
        await store(browser, true);
        await store(browser, false);
      }
      if (measuring("step")) await openAndStep(browser);
    }
    if (measuring("files")) for (let run = 0; run < Math.min(RUNS, 3); run++) await checkFiles(browser);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(samples));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
