// The outlet form's map: a click puts the outlet there and fills in latitude and longitude;
// typed coordinates move the marker. Without JavaScript (or tiles) the two fields work alone.
// (Choosing a district lists its communes through admin.js, as for a producer's commune.)
(function () {
  "use strict";

  var form = document.querySelector("[data-outlet-form]");
  if (!form) return;
  var box = form.querySelector("[data-outlet-picker]");
  var latitude = form.querySelector("[data-latitude]");
  var longitude = form.querySelector("[data-longitude]");
  if (!box || !latitude || !longitude || typeof window.L === "undefined") return;

  function typed() {
    var lat = parseFloat(latitude.value.replace(",", "."));
    var lng = parseFloat(longitude.value.replace(",", "."));
    if (isNaN(lat) || isNaN(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
    return L.latLng(lat, lng);
  }

  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution });
  var note = form.querySelector("[data-map-offline]");
  tiles.once("tileerror", function () { if (note) note.hidden = false; });
  tiles.addTo(map);

  var marker = null;
  function put(point) {
    if (marker) marker.setLatLng(point);
    else marker = L.marker(point, { keyboard: false }).addTo(map);
  }

  var start = typed();
  if (start) {
    put(start);
    map.setView(start, 15);
  } else {
    map.setView([16.0, 107.5], 6);  // Vietnam
  }

  map.on("click", function (event) {
    put(event.latlng);
    latitude.value = event.latlng.lat.toFixed(6);
    longitude.value = event.latlng.lng.toFixed(6);
  });
  [latitude, longitude].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = typed();
      if (point) { put(point); map.panTo(point); }
    });
  });
})();
