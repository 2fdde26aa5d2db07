// The sales-point map: progressive enhancement over a page that already lists every outlet.
// Markers come from a JSON script tag rendered with |tojson; text is set with textContent only.
// Tiles are asked for only once the page (the list) has loaded and the map is near the screen,
// so they never compete with the list; if the tile server cannot be reached, the tile layer is
// dropped after its first failure (no stream of failed requests as the user pans or zooms), the
// markers stay and a note says the list is complete.
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

  // A finger-sized (44 px) target around a vector pin: sharp on any screen, no shadow image.
  var pin = L.divIcon({
    className: "outlet-pin",
    html: '<img src="' + box.dataset.pin + '" alt="" width="30" height="42">',
    iconSize: [44, 48],
    iconAnchor: [22, 46],
    popupAnchor: [0, -42]
  });

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

  function addTiles(map) {
    var tiles = L.tileLayer(box.dataset.tiles, {
      maxZoom: 19,
      detectRetina: true,  // sharp on phone screens: half-size tiles of the next zoom level
      attribution: box.dataset.attribution
    });
    var note = document.querySelector("[data-map-offline]");
    tiles.once("tileerror", function () {
      if (note) {  // over the map, not below it: the list does not move
        box.appendChild(note);
        note.hidden = false;
      }
      map.removeLayer(tiles);
    });
    tiles.addTo(map);
  }

  function draw() {
    box.textContent = "";  // the words shown until the map is drawn
    var map = L.map(box, { scrollWheelZoom: false });
    var markers = points.map(function (point) {
      return L.marker([point.lat, point.lng], { icon: pin, title: point.name }).bindPopup(popup(point)).addTo(map);
    });
    if (markers.length === 1) {
      map.setView(markers[0].getLatLng(), 15);
    } else {
      map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 14 });
    }
    markers.forEach(function (marker, index) { marker.getElement().setAttribute("aria-label", points[index].name); });
    addTiles(map);
  }

  function whenNearTheScreen() {
    if (!("IntersectionObserver" in window)) return draw();
    var watch = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      watch.disconnect();
      draw();
    }, { rootMargin: "200px 0px" });
    watch.observe(box);
  }

  if (document.readyState === "complete") whenNearTheScreen();
  else window.addEventListener("load", whenNearTheScreen, { once: true });
})();
