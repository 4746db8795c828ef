// Added by `scholarsite serve` to the pages it serves, never to built
// files. Reloads this page when a rebuild changes its file, and lists the
// errors of a failed build over the page until a rebuild succeeds.
(() => {
  "use strict";
  const me = document.currentScript;
  const loaded = Number(new URL(me ? me.src : location.href).searchParams.get("v") || 0);
  let overlay = null;

  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/__scholarsite/live.css";
  document.head.appendChild(css);

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  // Text only (textContent), so nothing in an error message can run.
  function show(errors) {
    hide();
    overlay = document.createElement("section");
    overlay.id = "scholarsite-errors";
    overlay.setAttribute("role", "alert");
    const h = document.createElement("h2");
    const n = errors.length;
    h.textContent = `The build failed with ${n} error${n === 1 ? "" : "s"}; this page is the last good build.`;
    const list = document.createElement("ol");
    for (const e of errors) {
      const li = document.createElement("li");
      const loc = document.createElement("code");
      loc.textContent = e.location + (e.field ? ` (${e.field})` : "");
      const msg = document.createElement("span");
      msg.textContent = " " + e.message;
      li.append(loc, msg);
      if (e.help) {
        const help = document.createElement("p");
        help.textContent = "help: " + e.help;
        li.append(help);
      }
      list.append(li);
    }
    overlay.append(h, list);
    document.body.append(overlay);
  }

  // The server renders this path again after each rebuild and says
  // whether its bytes changed.
  const events = new EventSource("/__scholarsite/events?path=" + encodeURIComponent(location.pathname));
  // Marks the page as listening, for tools and tests that wait on it.
  events.addEventListener("open", () => { document.documentElement.dataset.scholarsiteLive = "on"; });
  events.addEventListener("update", (ev) => {
    const d = JSON.parse(ev.data);
    if (d.errors.length) {
      show(d.errors);
      return;
    }
    hide();
    // This page changed, or a rebuild happened between loading the page
    // and connecting.
    if (d.reload || (d.first && loaded && d.version > loaded)) {
      events.close();
      location.reload();
    }
  });
})();
