// Progressive enhancement only: every feature here also works without JavaScript.
(function () {
  "use strict";

  // Sort menus submit on change (a <noscript> button covers no-JS visitors).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // On a phone or tablet the catalogue's filters sit above the products: start them folded so
  // the products are in view (without JavaScript they stay open).
  if (window.matchMedia("(max-width: 999px)").matches) {
    document.querySelectorAll(".filters details[open]").forEach(function (details) { details.open = false; });
  }

  // A row of tabs that scrolls sideways on a phone shows the current tab, even the last one.
  document.querySelectorAll(".workspace-links, .figure-tabs").forEach(function (tabs) {
    var current = tabs.querySelector("[aria-current]");
    if (!current) return;
    var left = current.getBoundingClientRect().left - tabs.getBoundingClientRect().left;
    if (left + current.offsetWidth > tabs.clientWidth) tabs.scrollLeft = left - 16;
  });

  // As-you-type suggestions on the search box.
  var form = document.querySelector("form[data-suggest-url]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector(".suggestions");
  var timer = null;
  var latest = 0;

  function close() { list.hidden = true; list.innerHTML = ""; input.setAttribute("aria-expanded", "false"); }

  function render(items) {
    list.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      var a = document.createElement("a");
      a.href = item.url;
      var name = document.createElement("span");
      name.textContent = item.name;  // textContent: names are data, never markup
      if (item.lang) { name.lang = item.lang; }  // a Vietnamese name on an English page
      var stars = document.createElement("span");
      stars.className = "stars";
      stars.textContent = "★".repeat(item.stars);
      a.appendChild(name);
      a.appendChild(stars);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (ticket === latest) render(data.suggestions); })
        .catch(close);
    }, 120);
  });

  input.addEventListener("keydown", function (event) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    if (!links.length) return;
    var current = links.findIndex(function (a) { return a.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? Math.min(current + 1, links.length - 1) : Math.max(current - 1, 0);
      links.forEach(function (a, i) { a.setAttribute("aria-selected", i === next ? "true" : "false"); });
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.href = links[current].href;
    } else if (event.key === "Escape") {
      close();
    }
  });

  document.addEventListener("click", function (event) { if (!form.contains(event.target)) close(); });
})();

// The account menu (a <details>) closes when the visitor taps elsewhere or presses Escape.
(function () {
  "use strict";
  var menu = document.querySelector(".account-menu");
  if (!menu) return;
  document.addEventListener("click", function (event) { if (!menu.contains(event.target)) menu.open = false; });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") menu.open = false; });
})();

// The header's cart count. A "cartchange" event (static/js/product-actions.js adds to the cart
// in place) updates it; the latest count this tab has seen is kept, so a page the browser brings
// back from its back/forward cache does not show an older one.
(function () {
  "use strict";
  var KEY = "ocop-cart-count";

  function show(state) {
    var link = document.querySelector(".cart-link");
    if (!link) return;
    var badge = link.querySelector(".cart-count");
    if (!state.count) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "cart-count";
      link.appendChild(badge);
    }
    badge.textContent = String(state.count);
    badge.setAttribute("aria-label", state.label);
  }

  function remember(state) {
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage off: no memory */ }
  }

  var badge = document.querySelector(".cart-link .cart-count");
  remember(badge ? { count: Number(badge.textContent), label: badge.getAttribute("aria-label") } : { count: 0, label: "" });
  document.addEventListener("cartchange", function (event) { show(event.detail); remember(event.detail); });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    try { show(JSON.parse(sessionStorage.getItem(KEY)) || { count: 0 }); } catch (e) { /* nothing kept */ }
  });
})();

// A field shown with an error loses it as soon as its new value passes the browser's own checks
// (required, email, length): the visitor sees at once that it is fixed. The server checks again.
(function () {
  "use strict";
  document.querySelectorAll(".field.has-error").forEach(function (field) {
    var input = field.querySelector("input, textarea, select");
    if (!input) return;
    input.addEventListener("input", function () {
      if (!input.value.trim() || !input.checkValidity()) return;
      field.classList.remove("has-error");
      input.removeAttribute("aria-invalid");
      field.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    });
  });
})();
