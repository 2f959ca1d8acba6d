// revcycle console: live figures over server-sent events, and "select all" checkboxes. No libraries.
(function () {
  "use strict";
  var money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

  function show(data) {
    document.querySelectorAll("[data-metric]").forEach(function (el) {
      var key = el.getAttribute("data-metric");
      if (!(key in data)) return;
      var value = data[key];
      if (el.getAttribute("data-format") === "money") value = money.format(Number(value));
      else if (typeof value === "number") value = value.toLocaleString("en-US");
      el.textContent = value;
    });
    var perMinute = data.last_minute || {};
    document.querySelectorAll("[data-interface]").forEach(function (el) {
      var name = el.getAttribute("data-interface");
      el.textContent = name in perMinute ? perMinute[name] : 0;
    });
  }

  function live() {
    if (!document.querySelector("[data-metric]") || !window.EventSource) return;
    var status = document.getElementById("live-status");
    var source = new EventSource("/console/events");
    source.addEventListener("overview", function (event) {
      show(JSON.parse(event.data));
      if (status) { status.textContent = "live"; status.classList.remove("off"); }
      document.body.setAttribute("data-live-updates", String(Number(document.body.getAttribute("data-live-updates") || 0) + 1));
    });
    source.onerror = function () { if (status) { status.textContent = "reconnecting"; status.classList.add("off"); } };
  }

  function selectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var form = box.closest("form");
        form.querySelectorAll('input[type=checkbox][name="' + box.getAttribute("data-select-all") + '"]').forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { live(); selectAll(); });
})();
