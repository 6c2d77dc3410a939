// Issue 13 (9): which language the launcher and the widget speak. The store's data-locale
// wins; else the first of the browser's languages the widget speaks; the page's lang is only
// the fallback. A Chinese-speaking shopper on a page marked lang="en" gets Chinese.
const { test, expect, stage, Shopper, ENGLISH, CHINESE } = require("./fixtures");

const HEADINGS = { en: "What went wrong with your order?", zh: "您的订单遇到了什么问题？" };

for (const [what, browser, page, words, heading] of [
  ["the browser's Chinese beats the page's lang=\"en\"", "zh-CN", "/", CHINESE, HEADINGS.zh],
  ["the browser's English beats the page's lang=\"zh-CN\"", "en-GB", "/zh.html", ENGLISH, HEADINGS.en],
  ["the store's data-locale beats the browser's language", "zh-CN", "/store-en.html", ENGLISH, HEADINGS.en],
  ["a browser language the widget does not speak falls back to the page's", "fr-FR", "/zh.html", CHINESE, HEADINGS.zh],
]) {
  test.describe(browser, () => {
    test.use({ locale: browser });
    test(what, async ({ page: tab }) => {
      await tab.goto(`${stage.store}${page}`);
      const shopper = new Shopper(tab, words);
      await expect(shopper.launcher).toHaveText(words.open);
      await shopper.launcher.click();
      await expect(shopper.heading).toHaveText(heading);
      await expect(shopper.frame.locator("html")).toHaveAttribute("lang", words === CHINESE ? "zh-CN" : "en");
    });
  });
}
