// "Show the nearest to me": asks the browser for its location and reloads the list sorted by
// distance (?lat=&lng=). Without geolocation or JavaScript the button stays hidden.
(function () {
  "use strict";

  var button = document.querySelector("[data-nearest]");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.querySelector("[data-nearest-status]");
  button.hidden = false;

  function say(text) { if (status) status.textContent = text; }

  button.addEventListener("click", function () {
    button.disabled = true;
    say(button.dataset.locating);
    navigator.geolocation.getCurrentPosition(function (position) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", position.coords.latitude.toFixed(5));
      url.searchParams.set("lng", position.coords.longitude.toFixed(5));
      url.hash = "nearest";
      window.location.assign(url.toString());
    }, function () {
      button.disabled = false;
      say(button.dataset.denied);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });
})();
