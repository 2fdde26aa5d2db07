// On a phone or tablet the catalogue's filters sit above the products: they start folded so the
// products are in view (without JavaScript they stay open). Loaded right after the filters and
// not deferred, so they fold before the products are drawn and nothing jumps.
(function () {
  "use strict";
  if (window.matchMedia("(max-width: 999px)").matches) {
    document.querySelectorAll(".filters details[open]").forEach(function (details) { details.open = false; });
  }
})();
