// The stock forms' product picker: typing part of a name or code (with or without diacritics)
// lists matching products; picking one fills in its code. Where the browser has
// BarcodeDetector, a "Scan" button reads a barcode or QR code with the camera into the field.
(function () {
  "use strict";
  var serial = 0;

  function attach(input) {
    var url = input.dataset.pickerUrl;
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.id = "picker-list-" + (++serial);
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    var wrap = document.createElement("div");
    wrap.className = "picker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(list);
    var timer = null, latest = 0, active = -1;

    function close() { list.hidden = true; list.textContent = ""; active = -1; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }

    function pick(code) {
      input.value = code;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
    }

    function render(products) {
      list.textContent = "";
      products.forEach(function (product, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        li.dataset.code = product.code;
        var name = document.createElement("span");
        name.textContent = product.name;  // textContent: names are data, never markup
        var detail = document.createElement("small");
        detail.textContent = product.code + " · " + product.unit + " · " + input.dataset.pickerHeld.replace("%(n)s", product.on_hand);
        li.appendChild(name);
        li.appendChild(detail);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(product.code); });
        list.appendChild(li);
      });
      list.hidden = products.length === 0;
      input.setAttribute("aria-expanded", products.length ? "true" : "false");
      active = -1;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var ticket = ++latest;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { products: [] }; })
          .then(function (data) { if (ticket === latest) render(data.products); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(event.key === "ArrowDown" ? Math.min(active + 1, options.length - 1) : Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(options[active].dataset.code);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });

    if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      var scan = document.createElement("button");
      scan.type = "button";
      scan.className = "secondary picker-scan";
      scan.textContent = input.dataset.pickerScan;
      wrap.appendChild(scan);
      scan.addEventListener("click", function () { scanInto(input, scan, pick); });
    }
  }

  function scanInto(input, button, pick) {
    var detector = new window.BarcodeDetector();
    var video = document.createElement("video");
    video.className = "picker-camera";
    video.setAttribute("playsinline", "");
    video.muted = true;
    button.disabled = true;
    button.parentNode.appendChild(video);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.play();
      var tries = 0;
      function stop() { stream.getTracks().forEach(function (track) { track.stop(); }); video.remove(); button.disabled = false; }
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) { stop(); pick(codes[0].rawValue.trim().slice(0, 30)); input.focus(); }
          else if (++tries < 300) { setTimeout(look, 200); }
          else { stop(); }
        }).catch(stop);
      }
      look();
    }).catch(function () { video.remove(); button.disabled = false; });
  }

  document.querySelectorAll("input[data-picker-url]").forEach(attach);
})();
