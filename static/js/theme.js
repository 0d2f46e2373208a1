/* The light or dark theme, before the first paint.
 *
 * Loaded with a plain <script src> in <head>, before the stylesheet, so it runs before anything
 * is drawn: a visitor who chose a theme never sees a flash of the other one. Without a choice
 * (or without JavaScript) the stylesheet follows the system's prefers-color-scheme.
 *
 * The toggle in the header is a button, "Dark theme", pressed while the dark theme shows. Pressing
 * it remembers the other theme in localStorage; a choice that matches the system is forgotten, so
 * pressing twice goes back to following the system. The button stays hidden without JavaScript.
 */
(function () {
  "use strict";

  var KEY = "shipskip-theme";
  var root = document.documentElement;
  var systemDark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function saved() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch (error) {
      return null; // storage blocked: follow the system
    }
  }

  function remember(value) {
    try {
      if (value) {
        window.localStorage.setItem(KEY, value);
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (error) {
      /* storage blocked: the choice lasts for this page only */
    }
  }

  function system() {
    return systemDark && systemDark.matches ? "dark" : "light";
  }

  function apply(choice) {
    if (choice) {
      root.setAttribute("data-theme", choice);
    } else {
      root.removeAttribute("data-theme");
    }
  }

  function shown() {
    return root.getAttribute("data-theme") || system();
  }

  apply(saved());

  function connect() {
    var button = document.getElementById("theme-toggle");
    if (!button) {
      return;
    }
    function sync() {
      button.setAttribute("aria-pressed", shown() === "dark" ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var next = shown() === "dark" ? "light" : "dark";
      var choice = next === system() ? null : next;
      remember(choice);
      apply(choice);
      sync();
    });
    if (systemDark && systemDark.addEventListener) {
      systemDark.addEventListener("change", sync);
    }
    // Another tab changed the theme.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) {
        apply(saved());
        sync();
      }
    });
    sync();
    button.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
