// Amount inputs (data-money) group their digits as they are typed: 1250000 becomes 1.250.000,
// the way every price is written, in both languages (storefront.i18n.vnd). An enhancement only: the server reads every form.
// Once a person types a separator themselves the field is left as typed (the server then says
// whether "1,5" is an amount), and regrouped on leaving it only when it is a whole number.
(function () {
  "use strict";

  var separator = ".";

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  }

  function wholeAmount(text) {
    // Digits, or groups of three after the first, split by one kind of separator.
    var plain = text.replace(/\s/g, "");
    var match = /^(-?)(\d+|\d{1,3}(?:([.,])\d{3})(?:\3\d{3})*)$/.exec(plain);
    return match ? match[1] + match[2].replace(/[.,]/g, "") : null;
  }

  function show(input, amount) {
    var sign = amount.charAt(0) === "-" ? "-" : "";
    var digits = amount.replace("-", "").replace(/^0+(?=\d)/, "");
    var digitsAfterCaret = input.value.slice(input.selectionEnd || input.value.length).replace(/\D/g, "").length;
    input.value = sign + grouped(digits);
    var position = input.value.length;
    for (var seen = 0; position > 0 && seen < digitsAfterCaret; position--) {
      if (/\d/.test(input.value.charAt(position - 1))) seen++;
    }
    if (document.activeElement === input) input.setSelectionRange(position, position);
  }

  document.querySelectorAll("input[data-money]").forEach(function (input) {
    var typedBySelf = false;
    input.addEventListener("beforeinput", function (event) {
      if (event.inputType === "insertText" && /[.,]/.test(event.data || "")) typedBySelf = true;
    });
    input.addEventListener("input", function () {
      if (!/[.,]/.test(input.value)) typedBySelf = false;
      var digits = input.value.split(separator).join("").replace(/\s/g, "");
      if (!typedBySelf && /^-?\d+$/.test(digits)) show(input, digits);
    });
    input.addEventListener("blur", function () {
      var amount = wholeAmount(input.value);
      if (amount !== null && amount !== "-") show(input, amount);
    });
  });
})();
