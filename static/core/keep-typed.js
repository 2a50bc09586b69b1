// Switching the language reloads the page: what was typed in its forms comes back.
// Kept in this tab's sessionStorage only until the page has loaded again, never sent anywhere;
// hidden fields, passwords, files and the ID number are never kept.
(function () {
  "use strict";
  var KEY = "xiaoge-typed:" + location.pathname;
  var SKIP_TYPES = { hidden: 1, password: 1, file: 1, submit: 1, button: 1 };

  function fields() {
    return Array.prototype.filter.call(
      document.querySelectorAll("main form input, main form textarea, main form select"),
      function (el) { return el.name && !SKIP_TYPES[el.type] && !/id_number/.test(el.name); }
    );
  }

  var switcher = document.querySelector("form.lang-switch");
  if (switcher) {
    switcher.addEventListener("submit", function () {
      var saved = [];
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked) saved.push([el.name, el.value, true]);
        } else if (el.value) {
          saved.push([el.name, el.value, false]);
        }
      });
      try { if (saved.length) sessionStorage.setItem(KEY, JSON.stringify(saved)); } catch (e) { /* private mode */ }
    });
  }

  var raw = null;
  try { raw = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (e) { return; }
  if (!raw) return;
  var saved = JSON.parse(raw);
  var byName = {};
  fields().forEach(function (el) { (byName[el.name] = byName[el.name] || []).push(el); });
  saved.forEach(function (entry) {
    (byName[entry[0]] || []).forEach(function (el) {
      if (entry[2]) { if (el.value === entry[1]) el.checked = true; }
      else if (!el.value || el.tagName === "SELECT") { el.value = entry[1]; }
    });
  });
})();
