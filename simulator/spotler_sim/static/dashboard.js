// Keeps the dashboard live: new journal entries arrive at the top, fault counters and the clock
// stay current. Everything else is plain forms; the page works without this script.
(function () {
  "use strict";
  const PERIOD_MS = 1500;
  const KEEP = 500; // entries kept on the page
  const entries = document.getElementById("journal-entries");
  const filters = document.getElementById("journal-filters");
  const live = document.getElementById("journal-live");
  const faultRows = document.getElementById("fault-rows");
  const clockNow = document.getElementById("clock-now");
  const clockMode = document.getElementById("clock-mode");

  function filterQuery() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) {
      if (value) params.set(name, value);
    }
    params.set("newer_than", entries.dataset.newest || "0");
    return params.toString();
  }

  async function fetchText(url) {
    const answer = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    return answer.ok ? answer.text() : null;
  }

  async function newEntries() {
    const html = await fetchText("dashboard/journal?" + filterQuery());
    if (!html || !html.trim()) return;
    const holder = document.createElement("template");
    holder.innerHTML = html;
    const fresh = holder.content.querySelectorAll("details.entry");
    if (!fresh.length) return;
    entries.dataset.newest = fresh[0].dataset.id;
    fresh.forEach((entry) => entry.classList.add("fresh"));
    const empty = entries.querySelector(".empty");
    if (empty) empty.remove();
    entries.prepend(holder.content);
    const all = entries.querySelectorAll("details.entry");
    for (let i = KEEP; i < all.length; i++) all[i].remove();
  }

  async function faultCounters() {
    const html = await fetchText("dashboard/faults");
    if (html !== null && html !== faultRows.dataset.last) {
      faultRows.dataset.last = html;
      faultRows.innerHTML = html;
    }
  }

  async function clock() {
    const text = await fetchText("clock");
    if (!text) return;
    const state = JSON.parse(text);
    clockNow.textContent = state.now;
    clockMode.textContent = state.mode;
  }

  async function tick() {
    if (live.checked) {
      try {
        await Promise.all([newEntries(), faultCounters(), clock()]);
      } catch (problem) {
        console.warn("spotler-sim dashboard: could not refresh", problem);
      }
    }
    setTimeout(tick, PERIOD_MS);
  }

  setTimeout(tick, PERIOD_MS);
})();
