/* tracesite leaderboard: sorting and filtering over every run of a board, as progressive enhancement.
 *
 * Without this script a board is a set of plain pages in rank order (index.html, page/2.html, …,
 * linked by a pager; ranked runs first, then the "Not ranked" ones), each row with the id
 * "run-<run id>". With it:
 *
 * - every column header becomes a sort button (aria-sort on the header cell), and a filter form is
 *   added above the table (organisation, model or agent, date range, verified only, open weights only);
 * - once a sort or a filter is set (or the reader starts using the form), the script reads the
 *   board's rows.json (one same-origin request, path in data-view on .board-runs; every run of the
 *   board in page order, display text formatted by the build) and shows the matching runs of all
 *   pages, per_page at a time with a pager of its own, drawing their rows itself; ranked and unranked
 *   runs stay in their own tables. With nothing set, the page shows its own rows and its own pager,
 *   as without JavaScript, and nothing is requested;
 * - the state is kept in the query string (history.replaceState: sort, dir, org, model, from, to,
 *   verified, open, and page, the page of the results) and restored on load, then written back as
 *   shown (a page past the last one becomes the last one, a page that is not a whole number above 0
 *   the first; values not understood are dropped); a live region says how many runs match and which
 *   are shown;
 * - a link to a board's #run-<id> whose row is on another page of the board goes to that page
 *   (rows.json says which).
 *
 * When rows.json cannot be read, sorting and filtering work on the rows of this page, from their data
 * attributes (data-rank, data-score, data-cost, data-tokens, data-date, data-org, data-model,
 * data-agent, data-verified, data-open-weights) and, for other columns, their cell text.
 *
 * Rules (the site's CSP and docs/security.md): no inline handlers, no eval, no innerHTML (text goes
 * through textContent and createElement), no request but rows.json from the same origin, no
 * third-party code.
 */
(function () {
  "use strict";

  var NUMERIC = { rank: true, group: true, score: true, "95-interval": true, "without-infra": true, tasks: true,
                  trials: true, cost: true, tokens: true, failures: true, verified: true };
  var DATA_KEYS = { rank: "rank", score: "score", cost: "cost", tokens: "tokens", date: "date", org: "org",
                    model: "model", agent: "agent", verified: "verified", open: "open-weights" };
  // Header text -> sort key, for headers without data-sort="…".
  var HEADER_KEYS = { "#": "rank", "rank": "rank", "agent": "agent", "model": "model", "organisation": "org",
                      "organization": "org", "date": "date", "submitted": "date", "score": "score", "cost": "cost",
                      "tokens": "tokens", "checks": "verified" };
  var FIRST_DIR = { score: "desc", date: "desc", verified: "desc" };
  var DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  var PAGE_RE = /^[1-9]\d*$/;
  var NUM_RE = /^[-+]?\$?\s*-?\d[\d,]*(\.\d+)?\s*%?/;
  var SAFE_PATH = /^[A-Za-z0-9._~%-][A-Za-z0-9._~%\/-]*(#[A-Za-z0-9._~%-]*)?$/;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var FAILURE_CLASSES = ["model", "code", "infrastructure"];
  var EMPTY = { sort: "", dir: "asc", org: "", model: "", from: "", to: "", verified: false, open: false, page: 1 };

  var box = document.querySelector(".board-runs");
  if (!box || !window.URLSearchParams) { return; }
  var rankedTable = box.querySelector("table.board:not(.unranked)");
  var unrankedTable = box.querySelector("table.board.unranked");
  var model = rankedTable || unrankedTable;
  if (!model || !model.tHead || !model.tHead.rows.length) { return; }

  function slice(list) { return Array.prototype.slice.call(list); }
  function posInt(s) { var n = parseInt(s, 10); return n > 0 ? n : 0; }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  function el(tag, props, text) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) { e.setAttribute(k, props[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  var perPage = posInt(box.getAttribute("data-per-page"));
  var thisPage = posInt(box.getAttribute("data-page")) || 1;
  var pageCount = posInt(box.getAttribute("data-pages")) || 1;
  var boardTotal = posInt(box.getAttribute("data-total"));
  var root = box.getAttribute("data-root") || "";

  // ------------------------------------------------------------ tables

  // Both tables exist from here on (the one this page lacks is made, hidden), so that results of
  // any page can be shown: ranked runs in the ranked table, the others under "Not ranked".
  function emptyCopy(table) {
    var t = table.cloneNode(false);
    t.appendChild(table.tHead.cloneNode(true));
    t.appendChild(document.createElement("tbody"));
    return t;
  }

  var unrankedPart = unrankedTable && (unrankedTable.closest(".board-unranked") || unrankedTable);
  var rankedPart = rankedTable && (rankedTable.closest(".table-wrap") || rankedTable);
  var madeRanked = !rankedTable, madeUnranked = !unrankedTable;
  if (!rankedTable) {
    rankedTable = emptyCopy(model);
    rankedTable.classList.remove("unranked");
    rankedPart = el("div", { "class": "table-wrap" });
    rankedPart.appendChild(rankedTable);
    box.insertBefore(rankedPart, unrankedPart);
  }
  if (!unrankedTable) {
    unrankedTable = emptyCopy(model);
    unrankedTable.classList.add("unranked");
    var caption = unrankedTable.querySelector("caption");
    if (caption) { unrankedTable.removeChild(caption); }
    unrankedPart = el("section", { "class": "board-unranked" });
    unrankedPart.appendChild(el("h2", { id: "not-ranked" }, "Not ranked"));
    unrankedPart.appendChild(el("p", {}, "These runs have check errors or no score, so they are not ranked."));
    var wrap = el("div", { "class": "table-wrap" });
    wrap.appendChild(unrankedTable);
    unrankedPart.appendChild(wrap);
    box.appendChild(unrankedPart);
  }
  rankedPart.hidden = madeRanked;
  unrankedPart.hidden = madeUnranked;
  var tables = [rankedTable, unrankedTable];
  var pageRows = tables.map(function (t) { return slice(t.tBodies[0].rows); }); // this page's rows, as built
  var staticPager = document.querySelector("nav.board-pager");
  var range = box.querySelector(".board-range");

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "col";
  }

  function headerKey(th) {
    if (th.dataset.sort) { return th.dataset.sort; }
    var text = (th.textContent || "").trim().toLowerCase();
    return HEADER_KEYS[text] || slug(text);
  }

  var columns = slice(model.tHead.rows[0].cells).map(headerKey); // sort key of each column
  var known = {};
  columns.forEach(function (k) { known[k] = true; });

  // ------------------------------------------------------------ records

  // A record is one run: {id, ranked, index (page order), v (values by key), tr (its row, once made), data}.
  function localRecords() {
    var out = [];
    pageRows.forEach(function (rows, t) {
      rows.forEach(function (tr) {
        var v = {};
        Object.keys(DATA_KEYS).forEach(function (k) {
          if (tr.hasAttribute("data-" + DATA_KEYS[k])) { v[k] = tr.getAttribute("data-" + DATA_KEYS[k]); }
        });
        out.push({ id: tr.id.replace(/^run-/, ""), ranked: t === 0, index: out.length, v: v, tr: tr, data: null });
      });
    });
    return out;
  }

  function remoteRecord(d, i) {
    var failures = 0;
    FAILURE_CLASSES.forEach(function (c) { failures += (d.failures && +d.failures[c]) || 0; });
    var ranked = typeof d.rank === "number";
    return {
      id: String(d.id), ranked: ranked, index: i, tr: null, data: d,
      v: { rank: ranked ? d.rank : null, group: d.group, agent: d.agent, model: d.model, org: d.org, date: d.date,
           score: d.score, "95-interval": d.ci ? d.ci[0] : null, "without-infra": d.excl, tasks: d.tasks,
           trials: d.trials, cost: d.cost, tokens: d.tokens, failures: failures, verified: d.verified ? "1" : "0",
           open: d.open_weights === true ? "1" : (d.open_weights === false ? "0" : "") }
    };
  }

  var records = localRecords();
  var remote = false;     // records are every run of the board (rows.json), not only this page's
  var requested = false;  // rows.json was asked for (once; on failure this page's rows are used)
  var pending = false;    // rows.json is being read

  // The sort value of a record for a key: {missing: bool, num: number | undefined, str: string}.
  function value(rec, key) {
    var raw;
    if (has(rec.v, key)) {
      raw = rec.v[key];
      if (raw === null || raw === undefined || raw === "") { return { missing: true }; }
      if (NUMERIC[key]) {
        var n = typeof raw === "number" ? raw : parseFloat(raw);
        return isNaN(n) ? { missing: true } : { num: n, str: String(raw) };
      }
      return { str: String(raw) };
    }
    var col = columns.indexOf(key);
    var cell = col < 0 || !rec.tr ? null : rec.tr.cells[col];
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

  function sorted(list) {
    var keyed = list.map(function (r) { return { r: r, v: state.sort ? value(r, state.sort) : null }; });
    keyed.sort(function (a, b) {
      var c = state.sort ? compare(a.v, b.v, state.dir) : 0;
      return c || a.r.index - b.r.index; // stable: ties keep the ranked order
    });
    return keyed.map(function (k) { return k.r; });
  }

  // ------------------------------------------------------------ state

  var state = Object.assign({}, EMPTY);

  function active() {
    return !!(state.sort || state.org || state.model || state.from || state.to || state.verified || state.open);
  }

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
    state.open = q.get("open") === "1";
    state.page = PAGE_RE.test(q.get("page") || "") ? parseInt(q.get("page"), 10) : 1; // render() keeps it in range
  }

  function query(page) {
    var q = new URLSearchParams(window.location.search);
    ["sort", "dir", "org", "model", "from", "to", "verified", "open", "page"].forEach(function (k) { q.delete(k); });
    if (state.sort) { q.set("sort", state.sort); q.set("dir", state.dir); }
    if (state.org) { q.set("org", state.org); }
    if (state.model) { q.set("model", state.model); }
    if (state.from) { q.set("from", state.from); }
    if (state.to) { q.set("to", state.to); }
    if (state.verified) { q.set("verified", "1"); }
    if (state.open) { q.set("open", "1"); }
    if (active() && page > 1) { q.set("page", String(page)); }
    var s = q.toString();
    return s ? "?" + s : "";
  }

  function writeUrl() {
    var url = window.location.pathname + query(state.page) + window.location.hash;
    try {
      window.history.replaceState(window.history.state, "", url);
    } catch (e) { /* some browsers refuse on file: URLs; the page still works */ }
  }

  // ------------------------------------------------------------ rows drawn from rows.json

  function text(s) { return document.createTextNode(s); }

  function cell(tr, cls, content) {
    var td = el("td", cls ? { "class": cls } : {});
    if (content) { td.textContent = content; }
    tr.appendChild(td);
    return td;
  }

  function runLink(path, props, content) {
    if (typeof path !== "string" || !SAFE_PATH.test(path)) { return el("span", {}, content); }
    props.href = root + path;
    return el("a", props, content);
  }

  function whisker(d) {
    var svg = document.createElementNS(SVG_NS, "svg");
    var lo = (d.ci[0] * 100).toFixed(2), hi = (d.ci[1] * 100).toFixed(2);
    [["class", "whisker"], ["viewBox", "0 0 100 12"], ["width", "100"], ["height", "12"], ["aria-hidden", "true"],
     ["focusable", "false"]].forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("class", "wh-ci");
    path.setAttribute("d", "M" + lo + " 6H" + hi + "M" + lo + " 2V10M" + hi + " 2V10");
    svg.appendChild(path);
    if (typeof d.score === "number") {
      var dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("class", "wh-pt");
      dot.setAttribute("cx", (d.score * 100).toFixed(2));
      dot.setAttribute("cy", "6");
      dot.setAttribute("r", "2.5");
      svg.appendChild(dot);
    }
    return svg;
  }

  function sub(td, content, props) {
    var p = props || {};
    p["class"] = p["class"] ? "sub " + p["class"] : "sub";
    td.appendChild(el("small", p, content));
  }

  function str(v) { return v === null || v === undefined ? "" : String(v); }

  // The row of a run as leaderboard.html writes it (same cells, classes, links and text).
  function buildRow(rec) {
    var d = rec.data, v = rec.v, td;
    var tr = el("tr", { id: "run-" + d.id, "data-rank": str(v.rank), "data-score": str(d.score),
                        "data-cost": str(d.cost), "data-tokens": str(d.tokens), "data-date": str(d.date),
                        "data-org": str(d.org), "data-model": str(d.model), "data-agent": str(d.agent),
                        "data-verified": v.verified, "data-open-weights": v.open });
    td = cell(tr, null, v.rank === null ? "—" : String(v.rank));
    if (v.rank !== null && d.rank_error) {
      td.appendChild(text(" "));
      td.appendChild(el("span", { "class": "badge bad", title: "ranked although checks found errors" }, "!"));
    }
    cell(tr, "hide-sm", d.group ? String(d.group) : "—");
    td = cell(tr, null, str(d.agent));
    if (d.unregistered) {
      td.appendChild(text(" "));
      td.appendChild(el("span", { "class": "badge bad", title: "not in registry/agents.yaml" }, "unregistered"));
    }
    cell(tr, null, d.model || "—");
    cell(tr, "hide-sm", d.org || "—");
    cell(tr, "hide-sm", str(d.submitted));
    td = cell(tr, "num");
    td.appendChild(runLink(d.url, { "class": "score", title: "score basis: " + str(d.score_basis) }, str(d.score_text)));
    if (d.claimed) { sub(td, "claimed " + d.claimed, { "class": "diff", title: "declared by the submitter" }); }
    td = cell(tr, "hide-sm");
    if (d.ci && d.ci_text) {
      td.appendChild(whisker(d));
      td.appendChild(text("\n"));
      td.appendChild(el("small", { "class": "ci", title: "95% interval (" + str(d.ci_method) + ")" },
                        "[" + d.ci_text[0] + ", " + d.ci_text[1] + "]"));
    }
    cell(tr, "num hide-sm", str(d.excl_text));
    cell(tr, "num", str(d.tasks));
    td = cell(tr, "num hide-sm", d.trials ? String(d.trials) : "—");
    (d.pass_hat || []).forEach(function (p) { sub(td, "pass^" + p[0] + " " + p[1]); });
    td = cell(tr, "num hide-sm", str(d.cost_text));
    if (typeof d.cost_tasks === "number") { sub(td, "on " + d.cost_tasks + " tasks"); }
    td = cell(tr, "num hide-sm", str(d.tokens_text));
    if (typeof d.token_tasks === "number") { sub(td, "on " + d.token_tasks + " tasks"); }
    td = cell(tr, "hide-sm");
    FAILURE_CLASSES.forEach(function (c) {
      var n = d.failures && d.failures[c];
      if (n) {
        td.appendChild(el("span", { "class": "fc fc-" + c, title: c + " failures" }, c.charAt(0).toUpperCase() + "\u00a0" + n));
        td.appendChild(text(" "));
      }
    });
    td = cell(tr);
    var st = d.status || {};
    td.appendChild(runLink(d.url + "#checks", { "class": "badge " + str(st["class"]), title: str(st.title) }, str(st.text)));
    if (d.signed) {
      td.appendChild(text(" "));
      td.appendChild(el("span", { "class": "badge good", title: str(d.signed) }, "signed"));
    }
    var devs = d.deviations || [];
    if (devs.length) {
      sub(td, devs.length + " deviation" + (devs.length !== 1 ? "s" : ""), { "class": "diff", title: devs.join("; ") });
    }
    return tr;
  }

  function rowOf(rec) {
    if (!rec.tr) { rec.tr = buildRow(rec); }
    return rec.tr;
  }

  // ------------------------------------------------------------ showing

  var status, jsPager, controls = {};

  function fill(table, recs) {
    var body = table.tBodies[0];
    clear(body);
    recs.forEach(function (r) { body.appendChild(rowOf(r)); });
  }

  function matches(rec) {
    var v = rec.v;
    if (state.org && (v.org || "") !== state.org) { return false; }
    if (state.model) {
      var hay = ((v.model || "") + " " + (v.agent || "")).toLowerCase();
      if (hay.indexOf(state.model.toLowerCase()) < 0) { return false; }
    }
    var date = v.date || "";
    if ((state.from || state.to) && !DATE_RE.test(date)) { return false; }
    if (state.from && date < state.from) { return false; }
    if (state.to && date > state.to) { return false; }
    if (state.verified && v.verified !== "1") { return false; }
    if (state.open && v.open !== "1") { return false; }
    return true;
  }

  function say(matched, total, first, last, whole) {
    var s = matched + " of " + total + " run" + (total === 1 ? "" : "s");
    if (!remote && !whole && pageCount > 1) { s += " on this page"; }
    if (first <= 1 && last >= matched) { return s + " shown"; }
    return s + " match, " + first + "–" + last + " shown";
  }

  function markHeaders() {
    tables.forEach(function (table) {
      slice(table.tHead.rows[0].cells).forEach(function (th, i) {
        if (state.sort && columns[i] === state.sort) {
          th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
        } else {
          th.removeAttribute("aria-sort");
        }
      });
    });
  }

  // Nothing set: the page as built, with its own rows and pager.
  function showPage() {
    tables.forEach(function (t, i) {
      var body = t.tBodies[0];
      clear(body);
      pageRows[i].forEach(function (tr) { body.appendChild(tr); });
    });
    rankedPart.hidden = madeRanked;
    unrankedPart.hidden = madeUnranked;
    if (staticPager) { staticPager.hidden = false; }
    if (range) { range.hidden = false; }
    jsPager.hidden = true;
    var n = pageRows[0].length + pageRows[1].length;
    var total = remote ? records.length : boardTotal;
    if (total && perPage) {
      var first = (thisPage - 1) * perPage + 1;
      status.textContent = say(total, total, first, first + n - 1, true);
    } else {
      status.textContent = say(n, n, 1, n);
    }
  }

  function render() {
    markHeaders();
    if (!active()) { showPage(); return; }
    ensureData();
    if (pending) { status.textContent = "Reading every run of the board…"; return; }
    var ranked = sorted(records.filter(function (r) { return r.ranked && matches(r); }));
    var unranked = sorted(records.filter(function (r) { return !r.ranked && matches(r); }));
    var all = ranked.concat(unranked);
    var per = remote && perPage ? perPage : Math.max(all.length, 1);
    var pages = Math.max(1, Math.ceil(all.length / per));
    if (state.page > pages) { state.page = pages; }
    var start = (state.page - 1) * per;
    var shown = all.slice(start, start + per);
    var shownRanked = shown.filter(function (r) { return r.ranked; });
    var shownUnranked = shown.filter(function (r) { return !r.ranked; });
    fill(rankedTable, shownRanked);
    fill(unrankedTable, shownUnranked);
    rankedPart.hidden = !shownRanked.length && shown.length > 0; // an empty ranked table says "no match"
    unrankedPart.hidden = !shownUnranked.length;
    if (staticPager) { staticPager.hidden = true; }
    if (range) { range.hidden = true; }
    drawPager(pages);
    status.textContent = say(all.length, records.length, shown.length ? start + 1 : 0, start + shown.length);
  }

  function update() {
    render();
    writeUrl();
  }

  // The pages of the results: links to this page's URL with ?page=N, followed here without a reload.
  function pagerLink(n, label, rel) {
    var a = el("a", { href: query(n) }, label);
    if (rel) { a.setAttribute("rel", rel); }
    if (n === state.page && !rel) { a.setAttribute("aria-current", "page"); }
    a.addEventListener("click", function (ev) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) { return; }
      ev.preventDefault();
      state.page = n;
      update();
      box.scrollIntoView();
    });
    return a;
  }

  function drawPager(pages) {
    clear(jsPager);
    jsPager.hidden = pages <= 1;
    if (pages <= 1) { return; }
    var p = state.page;
    if (p > 1) { jsPager.appendChild(pagerLink(p - 1, "← Previous", "prev")); jsPager.appendChild(text(" ")); }
    var keep = [], n;
    for (n = 1; n <= pages; n++) {
      if (n === 1 || n === pages || Math.abs(n - p) <= 2) { keep.push(n); }
    }
    keep.forEach(function (k, i) {
      if (i > 0 && k - keep[i - 1] === 2) {
        jsPager.appendChild(pagerLink(k - 1, String(k - 1)));
        jsPager.appendChild(text(" "));
      } else if (i > 0 && k - keep[i - 1] > 2) {
        jsPager.appendChild(el("span", { "class": "gap" }, "…"));
        jsPager.appendChild(text(" "));
      }
      jsPager.appendChild(pagerLink(k, String(k)));
      jsPager.appendChild(text(" "));
    });
    if (p < pages) { jsPager.appendChild(pagerLink(p + 1, "Next →", "next")); }
  }

  // ------------------------------------------------------------ sorting and filtering controls

  function makeSortable() {
    tables.forEach(function (table) {
      slice(table.tHead.rows[0].cells).forEach(function (th, i) {
        var key = columns[i];
        var button = el("button", { type: "button", "class": "sort" });
        while (th.firstChild) { button.appendChild(th.firstChild); }
        th.appendChild(button);
        button.addEventListener("click", function () {
          if (state.sort === key) {
            state.dir = state.dir === "asc" ? "desc" : "asc";
          } else {
            state.sort = key;
            state.dir = FIRST_DIR[key] || "asc";
          }
          state.page = 1;
          update();
        });
      });
    });
  }

  function labelled(label, input, cls) {
    var l = el("label", cls ? { "class": cls } : {});
    if (cls === "check") {
      l.appendChild(input);
      l.appendChild(text(" " + label));
    } else {
      l.appendChild(text(label));
      l.appendChild(input);
    }
    return l;
  }

  var hasOpenWeights = false;

  // Organisation choices and the open-weights filter follow the records (this page's, then every run's).
  function fitChoices() {
    var orgs = [];
    records.forEach(function (r) {
      var o = r.v.org || "";
      if (o && orgs.indexOf(o) < 0) { orgs.push(o); }
    });
    orgs.sort(collator ? collator.compare : undefined);
    if (state.org && orgs.indexOf(state.org) < 0) {
      if (pending) { orgs.push(state.org); } else { state.org = ""; } // it may be on another page: wait for rows.json
    }
    clear(controls.org);
    controls.org.appendChild(el("option", { value: "" }, "All organisations"));
    orgs.forEach(function (o) {
      var opt = el("option", {}, o);
      opt.value = o;
      controls.org.appendChild(opt);
    });
    controls.orgLabel.hidden = !orgs.length;
    hasOpenWeights = box.getAttribute("data-open-weights") === "1" ||
      records.some(function (r) { return r.v.open === "1" || r.v.open === "0"; });
    if (!hasOpenWeights && !pending) { state.open = false; }
    controls.openLabel.hidden = !hasOpenWeights;
  }

  function buildForm() {
    var form = el("form", { "class": "board-filters", "role": "search", "aria-label": "Filter runs", "novalidate": "" });
    controls.org = el("select", { name: "org" });
    controls.orgLabel = labelled("Organisation", controls.org);
    form.appendChild(controls.orgLabel);
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
    controls.openLabel = labelled("open weights only", controls.open, "check");
    form.appendChild(controls.openLabel);
    var reset = el("button", { type: "button", "class": "reset" }, "Reset");
    form.appendChild(reset);

    form.addEventListener("submit", function (ev) { ev.preventDefault(); }); // nothing to submit (CSP form-action 'none')
    // Reading every run starts when a reader turns to the form (so that its choices are all there);
    // events made up by scripts (isTrusted false) ask for nothing.
    ["focusin", "pointerdown"].forEach(function (type) {
      form.addEventListener(type, function (ev) { if (ev.isTrusted) { ensureData(); } });
    });
    form.addEventListener("input", fromForm);
    form.addEventListener("change", fromForm);
    reset.addEventListener("click", function () {
      state = Object.assign({}, EMPTY);
      toForm();
      update();
    });

    status = el("p", { "class": "board-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    box.insertBefore(status, box.firstChild);
    box.insertBefore(form, status);
    jsPager = el("nav", { "class": "pager board-pager board-js-pager", "aria-label": "Pages of the results" });
    jsPager.hidden = true;
    box.appendChild(jsPager);
    fitChoices();
  }

  function toForm() {
    controls.org.value = state.org;
    controls.model.value = state.model;
    controls.from.value = state.from;
    controls.to.value = state.to;
    controls.verified.checked = state.verified;
    controls.open.checked = state.open;
  }

  // "change" follows "input" for the same edit (on blur, say when a pager link is pressed): only a
  // real change of the filters goes back to the first page of the results and draws them again.
  function fromForm() {
    var next = {
      org: controls.org.value,
      model: controls.model.value.slice(0, 200),
      from: DATE_RE.test(controls.from.value) ? controls.from.value : "",
      to: DATE_RE.test(controls.to.value) ? controls.to.value : "",
      verified: controls.verified.checked,
      open: hasOpenWeights && controls.open.checked
    };
    var changed = Object.keys(next).some(function (k) { return next[k] !== state[k]; });
    if (!changed) { return; }
    Object.assign(state, next);
    state.page = 1;
    update();
  }

  // ------------------------------------------------------------ every run: rows.json

  function pageHref(n) {
    return n === 1 ? box.getAttribute("data-first-page") : box.getAttribute("data-page-base") + n + ".html";
  }

  function hashElsewhere() {
    var hash = window.location.hash;
    if (hash.indexOf("#run-") !== 0) { return false; }
    try { return !document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return false; }
  }

  // A link to #run-<id> of a run whose row is on another page of the board goes to that page.
  function followHash() {
    var hash = window.location.hash;
    if (!remote || active() || hash.indexOf("#run-") !== 0 || !perPage) { return; }
    var id;
    try { id = decodeURIComponent(hash.slice(5)); } catch (e) { return; }
    if (document.getElementById("run-" + id)) { return; }
    for (var i = 0; i < records.length; i++) {
      if (records[i].id === id) {
        var n = Math.floor(i / perPage) + 1;
        var href = n !== thisPage && n <= pageCount ? pageHref(n) : null;
        if (href) { window.location.replace(href + hash); }
        return;
      }
    }
  }

  function ensureData() {
    if (!requested) {
      requested = true;
      load();
    }
  }

  function load() {
    var src = box.getAttribute("data-view");
    if (!src || !window.fetch || !window.URL) { return; }
    var url;
    try { url = new URL(src, window.location.href); } catch (e) { return; }
    if (url.origin !== window.location.origin) { return; } // same origin only (and the CSP's connect-src)
    pending = true;
    box.setAttribute("aria-busy", "true");
    window.fetch(url.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("rows.json: HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data || !Array.isArray(data.runs)) { throw new Error("rows.json: no runs"); }
      perPage = posInt(data.per_page) || perPage;
      records = data.runs.filter(function (d) { return d && typeof d.id === "string"; }).map(remoteRecord);
      remote = true;
    }).catch(function () {
      remote = false; // this page's rows only
    }).then(function () {
      pending = false;
      box.removeAttribute("aria-busy");
      fitChoices();
      controls.org.value = state.org; // the choices were made again; the other controls are as typed
      controls.open.checked = state.open;
      update(); // the page asked for is known to exist only now
      followHash();
    });
  }

  readUrl();
  if (active() || hashElsewhere()) { ensureData(); } // first: while it is on its way, choices this page lacks are kept
  buildForm();
  toForm();
  makeSortable();
  update(); // the URL names what is shown, not what was asked for (?page=99, ?page=abc)
})();
