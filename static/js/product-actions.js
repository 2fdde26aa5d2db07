// The product page's buttons that need not leave it. Without JavaScript the add-to-cart form
// posts and the cart page opens; the share links are plain links.
(function () {
  "use strict";

  function cartBadge(count, label) {
    var link = document.querySelector(".cart-link");
    if (!link) return;
    var badge = link.querySelector(".cart-count");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "cart-count";
      link.appendChild(badge);
    }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", label);
  }

  // "Add to cart" confirms here and updates the header's count; anything unexpected (a stale
  // CSRF token, the network) falls back to posting the form the ordinary way.
  document.querySelectorAll("form[data-in-place]").forEach(function (form) {
    var notice = form.parentNode.querySelector("[data-cart-notice]");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      notice.textContent = "";  // so the same message twice is announced twice
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) throw new Error("not an answer for this page");
        return response.json().then(function (data) {
          notice.textContent = data.error || data.message;
          notice.classList.toggle("is-error", Boolean(data.error));
          if (!data.error) cartBadge(data.count, data.count_label);
        });
      }).catch(function () {
        form.submit();
      }).finally(function () {
        button.disabled = false;
      });
    });
  });

  // "Copy link" copies the page's address; without the clipboard it stays a link to the page.
  document.querySelectorAll("a[data-copy-link]").forEach(function (link) {
    if (!navigator.clipboard) return;
    var notice = link.parentNode.querySelector(".share-notice");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      navigator.clipboard.writeText(link.href).then(function () {
        notice.textContent = link.dataset.copied;
      }, function () {
        window.location.href = link.href;
      });
    });
  });
})();
