// orderflow dead-letter console: the live refresh and the page's select-all.
// Served from the binary; the Content-Security-Policy allows no other script.
// Everything shown comes from the server, already escaped by html/template:
// nothing here builds markup from a letter's content.
"use strict";

(function () {
  const every = 2000; // ms between polls of /console/api/state
  const state = document.getElementById("live-state");
  const live = document.getElementById("live");
  if (!state || !live) return;
  let version = state.dataset.version;

  // A page is refreshed only while its reader is not in the middle of a
  // choice: nothing ticked, no field of it focused.
  function busy() {
    if (live.querySelector("input[type=checkbox]:checked")) return true;
    const f = document.activeElement;
    return f && live.contains(f) && (f.tagName === "INPUT" || f.tagName === "SELECT" || f.tagName === "TEXTAREA");
  }

  async function poll() {
    try {
      const r = await fetch("/console/api/state", { cache: "no-store", credentials: "same-origin" });
      if (!r.ok) return;
      const s = await r.json();
      state.textContent = s.letters + " letters, " + s.pending + " pending" + (s.error ? " — topic unreadable" : "");
      if (String(s.version) === version || !live.dataset.live || busy()) return;
      const page = await fetch(location.href, { headers: { "X-Console-Fragment": "1" }, cache: "no-store", credentials: "same-origin" });
      if (!page.ok) return;
      live.innerHTML = await page.text(); // the server's escaped HTML for this page's content
      version = String(s.version);
      state.dataset.version = version;
      wire();
    } catch (e) {
      state.textContent = "console unreachable";
    }
  }

  function wire() {
    const all = document.getElementById("select-page");
    if (all) {
      all.addEventListener("change", function () {
        for (const box of live.querySelectorAll("input[name=id]")) box.checked = all.checked;
      });
    }
  }

  wire();
  setInterval(poll, every);
})();
