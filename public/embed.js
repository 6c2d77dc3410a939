/*! Help Center embed: the one tag a store pastes.
 *   <script src="https://HOST/embed.js?site=KEY" async></script>
 * (the server draws the launcher in that site's brand colours; data-site="KEY" works too).
 * Optional: data-locale="zh-CN" (else the browser's language, else the page's), data-position="left", data-z-index="2147483647",
 * data-preload (fetch the widget while the page idles).
 * Until the shopper opens it, this draws one button in a Shadow DOM and does nothing else:
 * no cookies, no storage, no requests. The widget runs in an iframe from HOST; the two talk
 * by postMessage with exact origins and a versioned schema, and ignore everything else.
 * API: HelpCenter('open' | 'close' | 'prefill', {orderNumber, email, category, deliveredOn}
 *   | 'identify', {token} | 'on', 'ready' | 'open' | 'close' | 'ticket:created', callback).
 * Calls made before this script loaded wait in HelpCenter.q and run in order. */
(function (w, d) {
  var V = 1; // message schema version
  var script = d.currentScript;
  if (!script || (w.HelpCenter && w.HelpCenter.loaded)) return;
  var ds = script.dataset;
  var src = new URL(script.src, d.baseURI);
  var site = ds.site || src.searchParams.get("site");
  if (!site) return;
  var origin = src.origin;
  // The store's choice (data-locale), else the first of the browser's languages the widget
  // speaks, else the page's: the launcher and the widget speak the same one.
  var lang = ds.locale || navigator.languages.find(function (l) { return /^(en|zh)/i.test(l); }) || d.documentElement.lang || "";
  var zh = /^zh/i.test(lang);
  var words = zh
    ? { open: "帮助与售后", close: "关闭", failed: "帮助中心暂时无法打开。", title: "帮助中心" }
    : { open: "Help with an order", close: "Close", failed: "Help is unavailable right now.", title: "Help Center" };
  // The store's names for prefilled fields, and the widget's.
  var fields = { orderNumber: "order_number", email: "email", category: "category", deliveredOn: "delivered_on" };
  var side = ds.position === "left" ? "left" : "right";
  // The top of the stack by default: a page's own bars and bubbles can only tie, and the
  // launcher, added last, wins a tie.
  var z = parseInt(ds.zIndex, 10) || 2147483647;
  var listeners = {};
  var prefill = {};
  var identity = null;
  var host, root, button, status, frame, wrap, ready = false, isOpen = false, timer;

  function emit(name, detail) {
    (listeners[name] || []).forEach(function (f) {
      try { f(detail); } catch (e) { console.error(e); }
    });
  }

  function send(type, data) {
    if (frame && ready) frame.contentWindow.postMessage({ hc: V, type: type, data: data }, origin);
  }

  // The page moves focus to the frame itself: a frame may not take it without the shopper's
  // gesture, and HelpCenter('open') can come from the store's code at any time.
  function focusIn() {
    frame.focus();
    send("focus");
  }

  function draw() {
    host = d.createElement("div");
    // Open, so accessibility tools can audit it; the page's CSS still cannot reach in.
    root = host.attachShadow({ mode: "open" });
    // Fixed and out of the flow: the page's layout never moves for it. `!important` inside
    // the shadow root beats even the page's `* { all: unset !important }`.
    root.innerHTML =
      "<style>:host{all:initial!important;position:fixed!important;z-index:" + z + "!important}" +
      "button{all:initial;position:fixed;bottom:20px;" + side + ":20px;" +
      "padding:12px 18px;border-radius:24px;background:#1f5fbf;color:#fff;cursor:pointer;" +
      "font:600 15px system-ui;box-shadow:0 4px 14px #0004}" +
      "button:focus-visible{outline:3px solid #000;outline-offset:3px}" +
      "p{all:initial;position:fixed;bottom:72px;" + side + ":20px;max-width:260px;padding:10px 12px;" +
      "background:#fff;color:#b3261e;border:1px solid #b3261e;border-radius:8px;font:14px system-ui}" +
      "p:empty{display:none}" +
      ".w{position:fixed;bottom:88px;" + side + ":20px;width:400px;height:min(680px,calc(100vh - 108px));" +
      "border-radius:12px;overflow:hidden;box-shadow:0 10px 40px #0005;background:#fff}" +
      "iframe{border:0;width:100%;height:100%;display:block}" +
      // Phones: the widget takes the screen. Until it is ready, Close waits in the top
      // corner; then the widget's own header has Close, and nothing floats over it.
      "@media (max-width:600px){.w{inset:0;width:auto;height:var(--hc-vh,100%);border-radius:0;bottom:auto}" +
      "[aria-expanded=true]{top:8px;bottom:auto}.r[aria-expanded=true]{display:none}}" +
      "</style><div class=w role=dialog aria-modal=true hidden></div>" +
      "<p role=status></p><button type=button aria-haspopup=dialog></button>";
    wrap = root.querySelector(".w");
    wrap.setAttribute("aria-label", words.title);
    status = root.querySelector("p");
    button = root.querySelector("button");
    show(false);
    button.addEventListener("click", function () { isOpen ? close() : open(); });
    root.addEventListener("keydown", function (e) { if (e.key === "Escape" && isOpen) close(); });
    d.body.appendChild(host);
  }

  function widgetUrl() {
    var q = new URLSearchParams({ site: site });
    if (lang) q.set("locale", lang);
    // The fragment never reaches a server log: the store's prefill and identity go there.
    var f = new URLSearchParams({ host: location.origin });
    for (var k in prefill) f.set(fields[k], prefill[k]);
    if (identity) f.set("identity", identity);
    return origin + "/widget/?" + q + "#" + f;
  }

  /** The dialog shown or hidden, and the launcher saying which. */
  function show(on) {
    isOpen = on;
    wrap.hidden = !on;
    button.textContent = on ? words.close : words.open;
    button.setAttribute("aria-expanded", on);
  }

  function fail() {
    if (frame) frame.remove();
    frame = null;
    ready = false;
    show(false);
    status.textContent = words.failed;
  }

  function load() {
    if (frame) return;
    status.textContent = "";
    frame = d.createElement("iframe");
    frame.title = words.title;
    frame.src = widgetUrl();
    wrap.appendChild(frame);
    // No "ready" from the widget in time (blocked, offline, refused to be framed): say so
    // and leave the page as it was.
    timer = setTimeout(fail, 15000);
  }

  function fit() {
    // Phones: follow the visual viewport, so the keyboard does not cover the widget.
    var v = w.visualViewport;
    if (v) wrap.style.setProperty("--hc-vh", v.height + "px");
  }

  function open() {
    if (!host) return;
    load();
    show(true);
    fit();
    if (ready) focusIn();
    emit("open");
  }

  function close() {
    if (!isOpen) return;
    show(false);
    button.focus();
    emit("close");
  }

  w.addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
    if (!m || m.hc !== V || typeof m.type !== "string") return;
    if (m.type === "ready") {
      clearTimeout(timer);
      ready = true;
      button.className = "r";
      if (isOpen) focusIn();
      emit("ready");
    } else if (m.type === "close") {
      close();
    } else if (m.type === "ticket:created" && m.data && typeof m.data.ticketId === "string") {
      emit("ticket:created", { ticketId: m.data.ticketId });
    }
  });
  if (w.visualViewport) w.visualViewport.addEventListener("resize", function () { if (isOpen) fit(); });

  var commands = {
    open: open,
    close: close,
    prefill: function (p) {
      for (var k in fields) if (p && typeof p[k] == "string") prefill[k] = p[k];
      send("prefill", prefill);
    },
    identify: function (p) {
      if (p && typeof p.token === "string") identity = p.token;
      send("identify", { token: identity });
    },
    on: function (name, f) {
      if (typeof f === "function") (listeners[name] = listeners[name] || []).push(f);
    }
  };
  function api(name) {
    var c = commands[name];
    if (c) c.apply(null, [].slice.call(arguments, 1));
  }
  var queued = (w.HelpCenter && w.HelpCenter.q) || [];
  w.HelpCenter = api;
  api.loaded = true;

  // Drawn when the page is idle: nothing competes with the store's own first paint.
  (w.requestIdleCallback || function (f) { setTimeout(f, 1); })(function () {
    draw();
    for (var i = 0; i < queued.length; i++) api.apply(null, queued[i]);
    if ("preload" in ds) load();
  });
})(window, document);
