const { widgetFrame } = require("./fixtures");

// Measurements taken in the browser itself: what the embed costs a store's page before the
// shopper opens it, and what the first open fetches.

/**
 * Counts layout shifts and long tasks from the very start of every document, and the runs of
 * embed.js that took 50 ms or more (from Long Animation Frames, which name each script's
 * source): a long task alone may be the store page's own work on a busy machine.
 */
async function watchBeforeOpen(page) {
  await page.addInitScript(() => {
    window.__hcLayoutShift = 0;
    window.__hcLongTasks = [];
    window.__hcEmbedLongScripts = [];
    window.__hcFramesObserved = PerformanceObserver.supportedEntryTypes.includes("long-animation-frame");
    new PerformanceObserver((list) => {
      for (const frame of list.getEntries())
        for (const script of frame.scripts)
          // The tag names the site in the script's address (`embed.js?site=…`).
          if (/\/embed\.js(\?|$)/.test(script.sourceURL) && script.duration >= 50)
            window.__hcEmbedLongScripts.push(Math.round(script.duration));
    }).observe({ type: "long-animation-frame", buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__hcLayoutShift += e.value;
    }).observe({ type: "layout-shift", buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__hcLongTasks.push(Math.round(e.duration));
    }).observe({ type: "longtask", buffered: true });
  });
}

/**
 * What the widget's frame fetched, from its own Resource Timing: the first screen (document,
 * scripts, styles, the first wasm) and the chunk it prefetches while the shopper reads.
 * `encodedBytes` are the compressed bodies; `transferBytes` add the headers.
 */
async function firstOpenPayload(page) {
  const entries = await widgetFrame(page).evaluate(() =>
    [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].map((e) => ({
      path: new URL(e.name).pathname,
      encoded: e.encodedBodySize,
      transfer: e.transferSize,
      decoded: e.decodedBodySize,
    })),
  );
  const sum = (list, key) => list.reduce((n, e) => n + e[key], 0);
  const isChunk = (e) => /\/split_[^/]*\.wasm$/.test(e.path);
  const first = entries.filter((e) => !isChunk(e));
  const chunk = entries.filter(isChunk);
  return {
    firstScreen: {
      encodedBytes: sum(first, "encoded"),
      transferBytes: sum(first, "transfer"),
      decodedBytes: sum(first, "decoded"),
      files: first.map((e) => `${e.path} ${e.encoded}`),
    },
    prefetchedChunk: { encodedBytes: sum(chunk, "encoded"), files: chunk.map((e) => `${e.path} ${e.encoded}`) },
  };
}

module.exports = { watchBeforeOpen, firstOpenPayload };
