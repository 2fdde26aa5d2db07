// The product page's buttons that need not leave it. Without JavaScript the add-to-cart form
// posts and the cart page opens; the share links are plain links.
(function () {
  "use strict";

  // "Add to cart" confirms here and updates the header's count, or says why not: the cart's
  // refusal, or the shop's JSON error (a page opened before the session ended). Anything
  // unexpected (the network, an answer that is not JSON) falls back to posting the form.
  document.querySelectorAll("form[data-in-place]").forEach(function (form) {
    var notice = form.parentNode.querySelector("[data-cart-notice]");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      notice.textContent = "";  // so the same message twice is announced twice
      var answered = false;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) throw new Error("not an answer for this page");
        return response.json().then(function (data) {
          answered = true;
          var error = data.error && (data.error.message || data.error);
          notice.textContent = error || data.message;
          notice.classList.toggle("is-error", Boolean(error));
          if (!data.error) {  // static/js/app.js shows the new count in the header
            document.dispatchEvent(new CustomEvent("cartchange", { detail: { count: data.count, label: data.count_label } }));
          }
        });
      }).catch(function () {
        if (!answered) form.submit();  // never twice: an answered request has added already
      }).finally(function () {
        button.disabled = false;
      });
    });
    form.dataset.enhanced = "";  // handled here from now on (browser tests wait for this mark)
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
    link.dataset.enhanced = "";
  });
})();
