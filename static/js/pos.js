// The till, enhanced: live change due, quick cash amounts, one submission per sale, printing.
// Every step also works without JavaScript (the server shows the change and refuses repeats).
(function () {
  "use strict";

  var money = new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND" });

  // Same reading as the server's MoneyField (storefront/form_fields.py): "500.000", "500,000"
  // and "500 000 ₫" are 500000; "1,5" is no amount (đồng have no decimals).
  function readAmount(text) {
    var plain = text.replace(/\s|₫|đ/g, "");
    var match = /^(\d{1,12}|\d{1,3}(?:([.,])\d{3})(?:\2\d{3})*)$/.exec(plain);
    return match ? parseInt(match[1].replace(/[.,]/g, ""), 10) : null;
  }

  function quickAmounts(total) {
    var amounts = [total];
    [10000, 50000, 100000, 200000, 500000].forEach(function (note) {
      var rounded = Math.ceil(total / note) * note;
      if (rounded > total && amounts.indexOf(rounded) === -1) amounts.push(rounded);
    });
    return amounts.slice(0, 5);
  }

  function enhanceCheckout(form) {
    var total = parseInt(form.dataset.total, 10) || 0;
    var cash = form.querySelector("input[name=cash_received]");
    var cashFields = form.querySelector("[data-cash-fields]");
    var change = form.querySelector("[data-change]");
    var quick = form.querySelector("[data-quick-cash]");
    var preview = form.querySelector("[data-preview]");
    var kinds = form.querySelectorAll("input[name=payment_kind]");
    var cashField = cash.closest(".field");

    function paidInCash() {
      var checked = form.querySelector("input[name=payment_kind]:checked");
      return !checked || checked.value === "cash";
    }

    function showChange() {
      var amount = readAmount(cash.value);
      change.textContent = "";
      change.classList.remove("short");
      if (amount === null || !paidInCash()) return;
      var label = document.createElement("span");
      var value = document.createElement("strong");
      if (amount >= total) {
        label.textContent = form.dataset.changeLabel + ": ";
        value.textContent = money.format(amount - total);
      } else {
        label.textContent = form.dataset.shortLabel + ": ";
        value.textContent = money.format(total - amount);
        change.classList.add("short");
      }
      change.appendChild(label);
      change.appendChild(value);
    }

    // What the server said about the amount sent (short of the total, not an amount) no longer
    // applies once the cashier changes it; the live change due says whether it is enough now.
    function amountChanged() {
      cashField.classList.remove("has-error");
      cash.removeAttribute("aria-invalid");
      cashField.querySelectorAll(".field-error").forEach(function (error) { error.hidden = true; });
      showChange();
    }

    function showCashFields() {
      cashFields.hidden = !paidInCash();
      showChange();
    }

    if (preview) preview.hidden = true;  // the change is live, no need to ask for it
    if (quick && total > 0) {
      quickAmounts(total).forEach(function (amount, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = index === 0 ? form.dataset.exactLabel : money.format(amount);
        button.addEventListener("click", function () {
          cash.value = String(amount);
          amountChanged();
        });
        quick.appendChild(button);
      });
      quick.hidden = false;
    }
    cash.addEventListener("input", amountChanged);
    kinds.forEach(function (kind) { kind.addEventListener("change", showCashFields); });
    showCashFields();

    // A second tap while the first is on its way would only be refused by the server: skip it.
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
    });
    // Coming back with the Back button restores the page as it was: allow sending again.
    window.addEventListener("pageshow", function () {
      delete form.dataset.sent;
      form.removeAttribute("aria-busy");
    });
  }

  document.querySelectorAll("form[data-checkout]").forEach(enhanceCheckout);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
