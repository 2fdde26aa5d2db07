// The product page's gallery: a thumbnail shows its photo large, the large photo opens whole
// in a dialog to zoom into (a tap switches between fitting the screen and full size; phones
// also pinch). Without JavaScript every thumbnail and the large photo link to the whole file.
(function () {
  "use strict";
  var gallery = document.querySelector("[data-gallery]");
  if (!gallery) return;
  var main = gallery.querySelector("[data-zoom]");
  var mainImage = main.querySelector("img");
  var dialog = gallery.querySelector("dialog.zoom");
  var zoomImage = dialog.querySelector("[data-zoom-image]");

  gallery.querySelectorAll(".photo-strip a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      mainImage.srcset = link.dataset.srcset;
      mainImage.src = link.dataset.medium;
      mainImage.width = Number(link.dataset.width);
      mainImage.height = Number(link.dataset.height);
      main.href = link.href;
      gallery.querySelectorAll(".photo-strip a").forEach(function (other) {
        if (other === link) other.setAttribute("aria-current", "true");
        else other.removeAttribute("aria-current");
      });
    });
  });

  if (typeof dialog.showModal !== "function") return;  // old browsers follow the link
  main.addEventListener("click", function (event) {
    event.preventDefault();
    zoomImage.src = main.href;
    dialog.classList.remove("zoomed");
    dialog.showModal();
  });
  zoomImage.addEventListener("click", function () { dialog.classList.toggle("zoomed"); });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
  gallery.dataset.enhanced = "";  // handled here from now on (browser tests wait for this mark)
})();
