// Back-office forms. Everything here is a convenience: each form works without script.
(function () {
  document.documentElement.classList.add("js");

  // Area picker: choosing a province or district sends the form back for the next list.
  document.querySelectorAll("select[data-refresh]").forEach(function (select) {
    select.addEventListener("change", function () {
      var refresh = select.form.querySelector("button[name=refresh_area]");
      if (refresh) refresh.click();
    });
    select.dataset.enhanced = "";  // handled here from now on (browser tests wait for this mark)
  });

  // Producer field: suggestions by name or registration number as staff type.
  document.querySelectorAll("input[data-lookup]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch(input.dataset.lookup + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { producers: [] }; })
          .then(function (data) {
            list.replaceChildren.apply(list, data.producers.map(function (producer) {
              var option = document.createElement("option");
              option.value = producer.registration_no;
              option.textContent = producer.name;
              return option;
            }));
          })
          .catch(function () {});
      }, 200);
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
