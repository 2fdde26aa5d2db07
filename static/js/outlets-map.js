// The sales-point map: progressive enhancement over a page that already lists every outlet.
// Markers come from a JSON script tag rendered with |tojson; text is set with textContent only.
(function () {
  "use strict";

  var box = document.querySelector("[data-outlet-map]");
  if (!box || typeof window.L === "undefined") return;
  var source = document.getElementById(box.dataset.points);
  var points;
  try {
    points = JSON.parse(source ? source.textContent : "[]");
  } catch (error) {
    return;
  }
  if (!points.length) return;

  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution });
  var note = document.querySelector("[data-map-offline]");
  tiles.once("tileerror", function () { if (note) note.hidden = false; });
  tiles.addTo(map);

  function popup(point) {
    var body = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    var title = document.createElement("strong");
    title.appendChild(link);
    body.appendChild(title);
    [point.kind, point.address].forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      body.appendChild(line);
    });
    return body;
  }

  var markers = points.map(function (point) {
    return L.marker([point.lat, point.lng], { title: point.name, alt: point.name })
      .bindPopup(popup(point))
      .addTo(map);
  });
  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), 15);
  } else {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 14 });
  }
})();
