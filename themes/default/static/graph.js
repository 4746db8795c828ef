/* scholarsite graph views: highlighting, filters, and the explorer's zoom,
   pan, year filter, search and detail panel. No dependencies; the pages
   work without this script. */
(function () {
  "use strict";

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  // A node's kind is its k-* class; its full label, its <title>.
  function kindOf(n) { var m = /(?:^| )k-(\S+)/.exec(n.getAttribute("class")); return m ? m[1] : ""; }
  function titleOf(n) { var t = n.querySelector("title"); return t ? t.textContent : ""; }

  function setup(view) {
    var svg = view.querySelector("svg.graph-svg");
    if (!svg) return;
    var nodes = svg.querySelectorAll(".gn");
    var edges = svg.querySelectorAll(".edges path");
    var byIndex = {};
    var adj = {};
    each(nodes, function (n) { byIndex[n.getAttribute("data-i")] = n; adj[n.getAttribute("data-i")] = []; });
    each(edges, function (e) {
      var s = e.getAttribute("data-s"), t = e.getAttribute("data-t");
      if (adj[s] && adj[t]) { adj[s].push([t, e]); adj[t].push([s, e]); }
    });

    if (document.body.classList.contains("embed")) {
      each(svg.querySelectorAll("a"), function (a) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener"); });
    }

    // Highlight a node and its neighbours on hover and focus.
    function highlight(node) {
      clearHighlight();
      if (!node) return;
      svg.classList.add("hl");
      node.classList.add("on");
      adj[node.getAttribute("data-i")].forEach(function (p) {
        byIndex[p[0]].classList.add("on");
        p[1].classList.add("on");
      });
    }
    function clearHighlight() {
      svg.classList.remove("hl");
      each(svg.querySelectorAll(".on"), function (el) { el.classList.remove("on"); });
    }
    each(nodes, function (n) {
      n.addEventListener("mouseenter", function () { highlight(n); });
      n.addEventListener("mouseleave", function () { highlight(selected); });
      n.addEventListener("focus", function () { highlight(n); });
      n.addEventListener("blur", function () { highlight(selected); });
    });

    // Filters: kinds, and in the explorer years and search.
    var filters = view.querySelector("[data-filters]");
    var yearMin = view.querySelector("[data-year-min]");
    var yearMax = view.querySelector("[data-year-max]");
    var search = view.querySelector("[data-search]");
    function applyFilters() {
      var hiddenKinds = {};
      if (filters) each(filters.querySelectorAll("[data-kind-filter]"), function (cb) {
        if (!cb.checked) hiddenKinds[cb.getAttribute("data-kind-filter")] = true;
      });
      var lo = yearMin ? parseInt(yearMin.value, 10) : NaN;
      var hi = yearMax ? parseInt(yearMax.value, 10) : NaN;
      var q = search ? search.value.trim().toLowerCase() : "";
      var visible = {};
      each(nodes, function (n) {
        var kind = kindOf(n);
        var year = parseInt(n.getAttribute("data-year"), 10);
        var off = !!hiddenKinds[kind];
        if (!off && kind === "work" && !isNaN(year)) off = (!isNaN(lo) && year < lo) || (!isNaN(hi) && year > hi);
        n.classList.toggle("off", off);
        if (!off) visible[n.getAttribute("data-i")] = true;
        var label = titleOf(n).toLowerCase();
        n.classList.toggle("match", q.length > 0 && !off && label.indexOf(q) >= 0);
      });
      svg.classList.toggle("searching", q.length > 0);
      each(edges, function (e) {
        e.classList.toggle("off", !(visible[e.getAttribute("data-s")] && visible[e.getAttribute("data-t")]));
      });
      view.setAttribute("data-visible", Object.keys(visible).length);
    }
    if (filters) {
      filters.hidden = false;
      filters.addEventListener("change", applyFilters);
    }
    [yearMin, yearMax].forEach(function (el) { if (el) el.addEventListener("input", applyFilters); });
    if (search) {
      search.addEventListener("input", applyFilters);
      search.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          ev.preventDefault();
          var first = svg.querySelector(".gn.match");
          if (first) { select(first); first.focus(); }
        }
      });
    }

    var selected = null;
    if (!view.hasAttribute("data-explorer")) return;

    // Explorer: the detail panel.
    var tools = view.querySelector("[data-tools]");
    if (tools) tools.hidden = false;
    var panel = view.querySelector("[data-panel]");
    var body = panel.querySelector("[data-panel-body]");
    var empty = panel.querySelector("[data-panel-empty]");
    panel.hidden = false;
    var kindNames = { researcher: "Researcher", work: "Work", coauthor: "Co-author", topic: "Topic", institution: "Institution" };

    function labelOf(n) {
      return titleOf(n).replace(/^[^:]*: /, "");
    }
    function select(n) {
      selected = n;
      each(svg.querySelectorAll(".sel"), function (el) { el.classList.remove("sel"); });
      body.textContent = "";
      if (!n) { empty.hidden = false; highlight(null); return; }
      n.classList.add("sel");
      empty.hidden = true;
      highlight(n);
      var kind = kindOf(n);
      var p = document.createElement("p");
      p.className = "kicker";
      p.textContent = kindNames[kind] || kind;
      body.appendChild(p);
      var h = document.createElement("h3");
      h.textContent = labelOf(n);
      body.appendChild(h);
      var href = n.getAttribute("href");
      if (href) {
        var a = document.createElement("a");
        a.href = href;
        a.className = "button";
        a.textContent = "Open page";
        body.appendChild(a);
      }
      var links = adj[n.getAttribute("data-i")];
      if (links.length) {
        var sub = document.createElement("p");
        sub.className = "sub";
        sub.textContent = links.length + " connection" + (links.length === 1 ? "" : "s");
        body.appendChild(sub);
        var ul = document.createElement("ul");
        ul.className = "panel-links";
        links.forEach(function (p) {
          var m = byIndex[p[0]];
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "linkish";
          b.textContent = labelOf(m);
          b.addEventListener("click", function () { select(m); m.focus(); });
          var k = document.createElement("span");
          k.className = "muted";
          k.textContent = " " + (kindNames[kindOf(m)] || "").toLowerCase() + ", " + p[1].parentNode.getAttribute("class").replace(/^e-/, "");
          li.appendChild(b);
          li.appendChild(k);
          ul.appendChild(li);
        });
        body.appendChild(ul);
      }
    }
    each(nodes, function (n) {
      n.addEventListener("click", function (ev) { ev.preventDefault(); select(n); });
      n.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(n); }
        if (ev.key === "Escape") { select(null); }
      });
    });

    // Explorer: zoom and pan by moving the viewBox.
    var box0 = svg.getAttribute("viewBox");
    var vb0 = box0.split(" ").map(Number);
    var vb = vb0.slice();
    function setBox() {
      svg.setAttribute("viewBox", vb.map(function (v) { return v.toFixed(1); }).join(" "));
      svg.classList.toggle("zoomed", vb[2] < vb0[2] * 0.6);
    }
    function zoom(f, cx, cy) {
      var w = Math.min(vb0[2] * 1.5, Math.max(vb0[2] / 12, vb[2] * f));
      var h = w * vb0[3] / vb0[2];
      if (cx === undefined) { cx = vb[0] + vb[2] / 2; cy = vb[1] + vb[3] / 2; }
      vb = [cx - (cx - vb[0]) * w / vb[2], cy - (cy - vb[1]) * h / vb[3], w, h];
      setBox();
    }
    function point(ev) {
      var r = svg.getBoundingClientRect();
      return [vb[0] + (ev.clientX - r.left) / r.width * vb[2], vb[1] + (ev.clientY - r.top) / r.height * vb[3]];
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = point(ev);
      zoom(ev.deltaY > 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.target.closest && ev.target.closest(".gn")) return;
      drag = [ev.clientX, ev.clientY, vb[0], vb[1]];
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add("dragging");
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var r = svg.getBoundingClientRect();
      vb[0] = drag[2] - (ev.clientX - drag[0]) / r.width * vb[2];
      vb[1] = drag[3] - (ev.clientY - drag[1]) / r.height * vb[3];
      setBox();
    });
    function endDrag() { drag = null; svg.classList.remove("dragging"); }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    each(view.querySelectorAll("[data-zoom]"), function (b) {
      b.addEventListener("click", function () {
        var z = b.getAttribute("data-zoom");
        if (z === "in") zoom(1 / 1.4);
        else if (z === "out") zoom(1.4);
        else { vb = vb0.slice(); svg.setAttribute("viewBox", box0); svg.classList.remove("zoomed"); }
      });
    });
    view.addEventListener("keydown", function (ev) {
      if (ev.target.tagName === "INPUT") return;
      if (ev.key === "+" || ev.key === "=") zoom(1 / 1.4);
      else if (ev.key === "-") zoom(1.4);
      else return;
      ev.preventDefault();
    });
  }

  function init() { each(document.querySelectorAll("[data-graph]"), setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
