/* tracesite leaderboard: sorting and filtering as progressive enhancement.
 *
 * The table works without this script. With it, every column header becomes a
 * sort button (aria-sort on the header cell), a filter form is added above the
 * first table (organisation, model, date range, verified only, open weights
 * only), the state is kept in the query string (history.replaceState) and
 * restored on load, and a live region says how many runs are shown.
 *
 * Rows carry their values as data attributes written by leaderboard.html:
 * data-rank, data-score, data-cost, data-tokens, data-date (ISO), data-org,
 * data-model, data-agent, data-verified ("1"/"0"), data-open-weights
 * ("1"/"0"/""). Other columns sort by their cell text.
 *
 * Rules (the site's CSP and docs/security.md): no inline handlers, no eval, no
 * innerHTML (text goes through textContent and createElement), no network
 * requests, no third-party code.
 */
(function () {
  "use strict";

  var NUMERIC = { rank: true, score: true, cost: true, tokens: true, verified: true };
  var DATA_KEYS = { rank: true, score: true, cost: true, tokens: true, date: true, org: true, model: true,
                    agent: true, verified: true };
  // Header text -> sort key; a header may also name its key with data-sort="…".
  var HEADER_KEYS = { "#": "rank", "rank": "rank", "agent": "agent", "model": "model", "organisation": "org",
                      "organization": "org", "date": "date", "submitted": "date", "score": "score", "cost": "cost",
                      "tokens": "tokens", "checks": "verified" };
  var FIRST_DIR = { score: "desc", date: "desc", verified: "desc" };
  var DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  var NUM_RE = /^[-+]?\$?\s*-?\d[\d,]*(\.\d+)?\s*%?/;

  var tables = Array.prototype.slice.call(document.querySelectorAll("table.board"));
  if (!tables.length || !window.URLSearchParams) { return; }

  var rows = [];          // every data row of every board table, with its table and original index
  tables.forEach(function (table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    Array.prototype.forEach.call(body.rows, function (tr, i) {
      rows.push({ tr: tr, body: body, index: i });
    });
  });
  if (!rows.length) { return; }

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "col";
  }

  function headerKey(th) {
    if (th.dataset.sort) { return th.dataset.sort; }
    var text = (th.textContent || "").trim().toLowerCase();
    return HEADER_KEYS[text] || slug(text);
  }

  // Column keys of each table, by cell index.
  var columns = tables.map(function (table) {
    var head = table.tHead && table.tHead.rows[0];
    return head ? Array.prototype.map.call(head.cells, headerKey) : [];
  });
  var known = {};
  columns.forEach(function (keys) { keys.forEach(function (k) { known[k] = true; }); });

  function tableIndex(tr) {
    for (var i = 0; i < tables.length; i++) { if (tables[i].contains(tr)) { return i; } }
    return -1;
  }

  // The sort value of a row for a key: {missing: bool, num: number | null, str: string}.
  function value(row, key) {
    var raw = null;
    if (DATA_KEYS[key] && row.tr.hasAttribute("data-" + key)) {
      raw = row.tr.getAttribute("data-" + key);
      if (raw === "") { return { missing: true }; }
      if (NUMERIC[key]) {
        var n = parseFloat(raw);
        return isNaN(n) ? { missing: true } : { num: n, str: raw };
      }
      return { str: raw };
    }
    var t = tableIndex(row.tr);
    var col = t < 0 ? -1 : columns[t].indexOf(key);
    var cell = col < 0 ? null : row.tr.cells[col];
    raw = cell ? (cell.textContent || "").replace(/\s+/g, " ").trim() : "";
    if (raw === "" || raw === "—" || raw === "-") { return { missing: true }; }
    var m = NUM_RE.exec(raw);
    if (m && m[0].length >= raw.split(" ")[0].length) {
      return { num: parseFloat(m[0].replace(/[$,%\s+]/g, "")), str: raw };
    }
    return { str: raw };
  }

  var collator = (window.Intl && Intl.Collator) ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" })
                                                : null;

  function compare(a, b, dir) {
    if (a.missing || b.missing) { return a.missing === b.missing ? 0 : (a.missing ? 1 : -1); } // missing last
    var c;
    if (typeof a.num === "number" && typeof b.num === "number") {
      c = a.num - b.num;
    } else {
      c = collator ? collator.compare(a.str, b.str) : (a.str < b.str ? -1 : a.str > b.str ? 1 : 0);
    }
    return dir === "desc" ? -c : c;
  }

  // ------------------------------------------------------------ state

  var state = { sort: "", dir: "asc", org: "", model: "", from: "", to: "", verified: false, open: false };

  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    var sort = q.get("sort") || "";
    state.sort = known[sort] ? sort : "";
    state.dir = q.get("dir") === "desc" ? "desc" : "asc";
    state.org = q.get("org") || "";
    state.model = (q.get("model") || "").slice(0, 200);
    state.from = DATE_RE.test(q.get("from") || "") ? q.get("from") : "";
    state.to = DATE_RE.test(q.get("to") || "") ? q.get("to") : "";
    state.verified = q.get("verified") === "1";
    state.open = q.get("open") === "1" && hasOpenWeights;
  }

  function writeUrl() {
    var q = new URLSearchParams(window.location.search);
    ["sort", "dir", "org", "model", "from", "to", "verified", "open"].forEach(function (k) { q.delete(k); });
    if (state.sort) { q.set("sort", state.sort); q.set("dir", state.dir); }
    if (state.org) { q.set("org", state.org); }
    if (state.model) { q.set("model", state.model); }
    if (state.from) { q.set("from", state.from); }
    if (state.to) { q.set("to", state.to); }
    if (state.verified) { q.set("verified", "1"); }
    if (state.open) { q.set("open", "1"); }
    var s = q.toString();
    var url = window.location.pathname + (s ? "?" + s : "") + window.location.hash;
    try {
      window.history.replaceState(window.history.state, "", url);
    } catch (e) { /* some browsers refuse on file: URLs; the page still works */ }
  }

  // ------------------------------------------------------------ sorting

  function applySort() {
    tables.forEach(function (table, t) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) { return; }
      Array.prototype.forEach.call(head.cells, function (th, i) {
        if (state.sort && columns[t][i] === state.sort) {
          th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
        } else {
          th.removeAttribute("aria-sort");
        }
      });
    });
    var byBody = [];
    rows.forEach(function (r) { if (byBody.indexOf(r.body) < 0) { byBody.push(r.body); } });
    byBody.forEach(function (body) {
      var mine = rows.filter(function (r) { return r.body === body; });
      var keyed = mine.map(function (r) { return { row: r, v: state.sort ? value(r, state.sort) : null }; });
      keyed.sort(function (a, b) {
        var c = state.sort ? compare(a.v, b.v, state.dir) : 0;
        return c || a.row.index - b.row.index; // stable: ties keep the ranked order
      });
      keyed.forEach(function (k) { body.appendChild(k.row.tr); });
    });
  }

  function makeSortable() {
    tables.forEach(function (table, t) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) { return; }
      Array.prototype.forEach.call(head.cells, function (th, i) {
        var key = columns[t][i];
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        while (th.firstChild) { button.appendChild(th.firstChild); }
        th.appendChild(button);
        button.addEventListener("click", function () {
          if (state.sort === key) {
            state.dir = state.dir === "asc" ? "desc" : "asc";
          } else {
            state.sort = key;
            state.dir = FIRST_DIR[key] || "asc";
          }
          update();
        });
      });
    });
  }

  // ------------------------------------------------------------ filtering

  var hasOpenWeights = rows.some(function (r) {
    var v = r.tr.getAttribute("data-open-weights");
    return v === "1" || v === "0";
  });

  function matches(r) {
    var tr = r.tr;
    if (state.org && (tr.getAttribute("data-org") || "") !== state.org) { return false; }
    if (state.model) {
      var hay = ((tr.getAttribute("data-model") || "") + " " + (tr.getAttribute("data-agent") || "")).toLowerCase();
      if (hay.indexOf(state.model.toLowerCase()) < 0) { return false; }
    }
    var date = tr.getAttribute("data-date") || "";
    if ((state.from || state.to) && !DATE_RE.test(date)) { return false; }
    if (state.from && date < state.from) { return false; }
    if (state.to && date > state.to) { return false; }
    if (state.verified && tr.getAttribute("data-verified") !== "1") { return false; }
    if (state.open && tr.getAttribute("data-open-weights") !== "1") { return false; }
    return true;
  }

  var controls = {};
  var status;

  function el(tag, props, text) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) { e.setAttribute(k, props[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function labelled(text, input, cls) {
    var label = el("label", cls ? { "class": cls } : {});
    if (cls === "check") {
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + text));
    } else {
      label.appendChild(document.createTextNode(text));
      label.appendChild(input);
    }
    return label;
  }

  function buildForm() {
    var form = el("form", { "class": "board-filters", "role": "search", "aria-label": "Filter runs", "novalidate": "" });
    var orgs = [];
    rows.forEach(function (r) {
      var o = r.tr.getAttribute("data-org") || "";
      if (o && orgs.indexOf(o) < 0) { orgs.push(o); }
    });
    orgs.sort(collator ? collator.compare : undefined);
    if (state.org && orgs.indexOf(state.org) < 0) { state.org = ""; }

    var org = el("select", { name: "org" });
    org.appendChild(el("option", { value: "" }, "All organisations"));
    orgs.forEach(function (o) {
      var opt = el("option", {}, o);
      opt.value = o;
      org.appendChild(opt);
    });
    controls.org = org;
    var orgLabel = labelled("Organisation", org);
    if (!orgs.length) { orgLabel.hidden = true; }
    form.appendChild(orgLabel);

    controls.model = el("input", { type: "search", name: "model", autocomplete: "off", spellcheck: "false",
                                   maxlength: "200", placeholder: "contains…" });
    form.appendChild(labelled("Model or agent", controls.model));
    controls.from = el("input", { type: "date", name: "from" });
    form.appendChild(labelled("Submitted from", controls.from));
    controls.to = el("input", { type: "date", name: "to" });
    form.appendChild(labelled("to", controls.to));
    controls.verified = el("input", { type: "checkbox", name: "verified", value: "1" });
    form.appendChild(labelled("verified only", controls.verified, "check"));
    controls.open = el("input", { type: "checkbox", name: "open", value: "1" });
    var openLabel = labelled("open weights only", controls.open, "check");
    if (!hasOpenWeights) { openLabel.hidden = true; }
    form.appendChild(openLabel);
    var reset = el("button", { type: "button", "class": "reset" }, "Reset");
    form.appendChild(reset);

    form.addEventListener("submit", function (ev) { ev.preventDefault(); }); // nothing to submit (CSP form-action 'none')
    form.addEventListener("input", fromForm);
    form.addEventListener("change", fromForm);
    reset.addEventListener("click", function () {
      state = { sort: "", dir: "asc", org: "", model: "", from: "", to: "", verified: false, open: false };
      toForm();
      update();
    });

    status = el("p", { "class": "board-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    var first = tables[0];
    var anchor = first.parentNode && first.parentNode.classList && first.parentNode.classList.contains("table-wrap")
      ? first.parentNode : first;
    anchor.parentNode.insertBefore(form, anchor);
    anchor.parentNode.insertBefore(status, anchor);
  }

  function toForm() {
    controls.org.value = state.org;
    controls.model.value = state.model;
    controls.from.value = state.from;
    controls.to.value = state.to;
    controls.verified.checked = state.verified;
    controls.open.checked = state.open;
  }

  function fromForm() {
    state.org = controls.org.value;
    state.model = controls.model.value.slice(0, 200);
    state.from = DATE_RE.test(controls.from.value) ? controls.from.value : "";
    state.to = DATE_RE.test(controls.to.value) ? controls.to.value : "";
    state.verified = controls.verified.checked;
    state.open = hasOpenWeights && controls.open.checked;
    update();
  }

  function applyFilter() {
    var shown = 0;
    rows.forEach(function (r) {
      var ok = matches(r);
      r.tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var total = rows.length;
    status.textContent = shown + " of " + total + " run" + (total === 1 ? "" : "s") + " shown";
  }

  function update() {
    applySort();
    applyFilter();
    writeUrl();
  }

  readUrl();
  buildForm();
  toForm();
  makeSortable();
  applySort();
  applyFilter();
})();
