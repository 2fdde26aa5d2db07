// Checkout page (templates/orders/checkout.html). The stylesheet hides the payment options of the
// other way of receiving; a hidden option must not stay chosen, or the order is refused for a
// choice the shopper cannot see. When one option is left, it is the shopper's choice.
(function () {
  "use strict";

  var form = document.querySelector(".checkout-form");
  if (!form) return;

  function fulfilment() {
    var checked = form.querySelector('input[name="fulfilment"]:checked');
    return checked ? checked.value : null;
  }

  function fits(option, way) {
    var label = option.closest("label");
    if (way === "pickup") return !label.classList.contains("delivery-only");
    if (way === "delivery") return !label.classList.contains("pickup-only");
    return true;
  }

  function syncPayment() {
    var way = fulfilment();
    var options = Array.prototype.slice.call(form.querySelectorAll('input[name="payment"]'));
    var available = options.filter(function (option) { return fits(option, way); });
    options.forEach(function (option) {
      if (option.checked && !fits(option, way)) option.checked = false;
    });
    if (available.length === 1) available[0].checked = true;
  }

  form.querySelectorAll('input[name="fulfilment"]').forEach(function (option) {
    option.addEventListener("change", syncPayment);
  });
  syncPayment();
  form.dataset.enhanced = "";

  // The page came back with errors: bring the shopper to their list, at the top of the form.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
