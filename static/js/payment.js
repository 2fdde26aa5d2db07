// Card payment on the order page (templates/payments/card_form.html).
// Stripe.js collects the card; our server charges it through the order's PaymentIntent; the
// order turns "paid" when Stripe's webhook reaches the server, which this page waits for.
(function () {
  "use strict";

  var section = document.getElementById("card-payment");
  if (!section || typeof Stripe === "undefined") return;

  var config = JSON.parse(section.dataset.config);
  var messages = JSON.parse(section.dataset.messages);
  var csrfToken = section.dataset.csrfToken;
  var form = document.getElementById("card-payment-form");
  var button = document.getElementById("card-payment-button");
  var message = document.getElementById("card-payment-message");

  var stripe = Stripe(config.publishable_key);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");

  function show(text, isError) {
    message.textContent = text;  // textContent: messages may carry the bank's words
    message.classList.toggle("error", Boolean(isError));
    message.hidden = !text;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function failure(error) {
    return new Error((error && error.message) || messages.failed);
  }

  // The card as a payment method id. A Stripe.js without createPaymentMethod (localstripe's,
  // which the tests load) gives a card token instead; its card serves as the payment method.
  async function paymentMethodId() {
    var result = await stripe.createPaymentMethod({ type: "card", card: card });
    if (result && result.error) throw failure(result.error);
    if (result && result.paymentMethod) return result.paymentMethod.id;
    var tokenResult = await stripe.createToken(card);
    if (!tokenResult || tokenResult.error || !tokenResult.token) throw failure(tokenResult && tokenResult.error);
    return tokenResult.token.card.id;
  }

  async function charge(paymentMethod) {
    var response = await fetch(config.pay_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ payment_method: paymentMethod }),
    });
    var body = await response.json().catch(function () { return {}; });
    if (!response.ok) throw failure(body.error);
    return body;
  }

  // The webhook usually arrives within seconds; reload once the order has moved on.
  async function waitForConfirmation() {
    for (var attempt = 0; attempt < 20; attempt++) {
      var response = await fetch(config.status_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      var body = await response.json().catch(function () { return {}; });
      if (response.ok && body.status !== "awaiting_payment") return;
      await sleep(1000);
    }
    show(messages.slow, false);
    await sleep(3000);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    show(messages.processing, false);
    try {
      var attempt = await charge(await paymentMethodId());
      if (attempt.status === "requires_action") {
        // The bank wants the cardholder to authenticate (3-D Secure): Stripe.js asks them.
        var result = await stripe.confirmCardPayment(attempt.client_secret);
        if (result.error) throw failure(result.error);
      }
      show(messages.confirming, false);
      await waitForConfirmation();
      window.location.reload();
    } catch (error) {
      show(error.message || messages.failed, true);
      button.disabled = false;
    }
  });
})();
