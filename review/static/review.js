// noticeflow review: links values to their passages, turns a text selection into evidence, and
// gives every common action a key (the help overlay, rendered by the server from one list, names
// them). No framework, no build step. Offsets are code points into the canonical text (Python str).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
function cpLen(s) { return Array.from(s).length; }

// ------------------------------------------------------------------ passages and values

function segs(path) {
  return $$("#text [data-ev]").filter(el => el.dataset.ev.split(" ").includes(path));
}

function valSegs(path) {
  return $$("#text [data-val]").filter(el => el.dataset.val.split(" ").some(v => v === path || v.startsWith(path + ".") || v.startsWith(path + "[")));
}

function clearLit() {
  $$(".lit").forEach(el => el.classList.remove("lit"));
  $$(".vlit").forEach(el => el.classList.remove("vlit"));
}

// A value's passage scrolls into view and lights up, the value itself brighter inside it.
function showPassage(path) {
  clearLit();
  const found = segs(path);
  found.forEach(el => el.classList.add("lit"));
  valSegs(path).forEach(el => el.classList.add("vlit"));
  if (found.length) scrollTextTo(found[0]);
  const target = $(`.unit[data-unit="${CSS.escape(path)}"]`);
  if (target) target.classList.add("lit");
}

function scrollTextTo(el) {
  const pane = $("#textpane");
  if (!pane) return;
  const top = el.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
  pane.scrollTop = Math.max(0, top - pane.clientHeight / 2);
}

// Click a highlight: the unit it belongs to (the innermost span) becomes the current one.
function showField(path) {
  const units = allUnits();
  let i = units.findIndex(u => u.dataset.unit === path);
  if (i < 0) i = units.findIndex(u => path.startsWith(u.dataset.unit + "."));
  if (i >= 0) setCur(i, true);
}

// ------------------------------------------------------------------ selection -> add form

function offsetOf(node, offset) {
  const text = $("#text");
  if (node.nodeType === Node.TEXT_NODE) {
    const seg = node.parentElement.closest("[data-s]");
    return parseInt(seg.dataset.s, 10) + cpLen(node.data.slice(0, offset));
  }
  if (node === text) {
    const kids = text.children;
    if (offset >= kids.length) return totalLen();
    return parseInt(kids[offset].dataset.s, 10);
  }
  const seg = node.closest && node.closest("[data-s]");
  if (seg) return parseInt(seg.dataset.s, 10) + (offset > 0 ? cpLen(seg.textContent) : 0);
  return null;
}

function totalLen() {
  const kids = $("#text").children;
  const last = kids[kids.length - 1];
  return last ? parseInt(last.dataset.s, 10) + cpLen(last.textContent) : 0;
}

function onSelect() {
  const sel = window.getSelection();
  const text = $("#text"), form = $("#addform");
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed || !form) return;
  const r = sel.getRangeAt(0);
  if (!text.contains(r.startContainer) || !text.contains(r.endContainer)) return;
  const start = offsetOf(r.startContainer, r.startOffset), end = offsetOf(r.endContainer, r.endOffset);
  if (start === null || end === null || end <= start) return;
  const quote = sel.toString();
  $("#add-start").value = start;
  $("#add-end").value = end;
  $("#add-quote-value").value = quote;
  $("#add-quote").textContent = `[${start}, ${end}) ${quote}`;
  form.hidden = false;
  chooseSection();
  form.scrollIntoView({ block: "nearest" });
}

function chooseSection() {
  const form = $("#addform");
  const chosen = $("#add-section").value, quote = $("#add-quote-value").value;
  $$("fieldset.addfields", form).forEach(fs => {
    const on = fs.dataset.section === chosen;
    fs.disabled = !on;
    fs.hidden = !on;
    if (on) $$("[data-from-quote]", fs).forEach((inp, i) => { if (i === 0 && !inp.value) inp.value = quote; });
  });
}

// ------------------------------------------------------------------ the current value

let cur = -1;
let restoring = false;
function allUnits() { return $$("#formpane .unit"); }

function setCur(i, fromText) {
  const units = allUnits();
  if (!units.length) return;
  cur = Math.max(0, Math.min(units.length - 1, i));
  units.forEach(u => u.classList.remove("cur"));
  const u = units[cur];
  u.classList.add("cur");
  u.scrollIntoView({ block: "nearest" });
  if (!fromText && u.dataset.evTarget) showPassage(u.dataset.evTarget);
  else if (fromText) { clearLit(); segs(u.dataset.unit).forEach(el => el.classList.add("lit")); valSegs(u.dataset.unit).forEach(el => el.classList.add("vlit")); u.classList.add("lit"); }
}

// Digit N: the first value of the N-th section of the record that has any.
function jumpSection(n) {
  const cards = $$("#formpane .card").filter(c => $(".unit", c));
  const card = cards[n - 1];
  if (card) setCur(allUnits().indexOf($(".unit", card)));
}

function curUnit() { const units = allUnits(); return units[cur] || null; }

function submit(form) { if (form) { remember(); form.requestSubmit(); } }

// The field `e` edits: the first typed value (a fee's amount, not its kind), else the first choice.
function firstInput(u) {
  const usable = el => !el.disabled && el.offsetParent !== null;
  return $$(".save-form input:not([type=hidden]):not([type=checkbox]):not(.reason), .save-form textarea", u).find(usable)
    || $$(".save-form select, .save-form input[type=checkbox]", u).find(usable);
}

// Where the reader was, kept across the save's reload (the text pane does not jump to the top).
function remember() {
  const head = $("#nhead");
  if (!head) return;
  const u = curUnit();
  sessionStorage.setItem("nf-view", JSON.stringify({
    key: head.dataset.key, text: $("#textpane") ? $("#textpane").scrollTop : 0,
    win: window.scrollY, unit: u ? u.dataset.unit : null,
  }));
}

function restore() {
  const head = $("#nhead");
  if (!head) return;
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem("nf-view") || "null"); } catch (e) { saved = null; }
  sessionStorage.removeItem("nf-view");
  const hash = decodeURIComponent(location.hash.slice(1));
  const units = allUnits();
  const want = (saved && saved.key === head.dataset.key && saved.unit) || hash;
  const error = $(".fld.typed");
  let i = error ? units.indexOf(error.closest(".unit")) : -1;
  if (i < 0 && want) i = units.findIndex(u => u.dataset.unit === want);
  if (i < 0 && hash) i = units.findIndex(u => u.dataset.unit.startsWith(hash));
  if (i >= 0) {
    cur = i;
    units[i].classList.add("cur");
  }
  if (saved && saved.key === head.dataset.key) {
    if ($("#textpane")) $("#textpane").scrollTop = saved.text;
    window.scrollTo(0, saved.win);
  } else if (i >= 0) {
    units[i].scrollIntoView({ block: "center" });
  }
  if (error) {
    const inp = $("input, select, textarea", error);
    restoring = true;  // the reader's place wins over the field's passage
    if (inp) inp.focus({ preventScroll: true });
    restoring = false;
  }
}

// ------------------------------------------------------------------ list page

let row = -1;
function rows() { return $$("#notices tr.nrow"); }
function setRow(i) {
  const rs = rows();
  if (!rs.length) return;
  row = Math.max(0, Math.min(rs.length - 1, i));
  rs.forEach(r => r.classList.remove("cur"));
  rs[row].classList.add("cur");
  rs[row].scrollIntoView({ block: "nearest" });
}

// ------------------------------------------------------------------ keys

function go(sel) { const a = $(sel); if (a) { location.href = a.href; return true; } return false; }

const ACTIONS = {
  "next": () => $("#notices") ? setRow(row + 1) : setCur(cur + 1),
  "prev": () => $("#notices") ? setRow(row - 1) : setCur(cur - 1),
  "next-flag": () => {
    const units = allUnits();
    const j = units.findIndex((u, k) => k > cur && u.classList.contains("flagged"));
    if (j >= 0) setCur(j);
  },
  "edit": () => { const u = curUnit(); const inp = u && firstInput(u); if (inp) { inp.focus(); if (inp.select) inp.select(); } },
  "save": () => { const u = curUnit(); if (u) submit($(".save-form", u)); },
  "accept": () => { const u = curUnit(); if (u) submit($(".accept-form", u)); },
  "accept-all": () => submit($("#accept-all")),
  "delete": () => { const u = curUnit(); if (u) submit($(".delete-form", u)); },
  "undo": () => { const u = curUnit(); if (u) submit($(".undo-form", u)); },
  "passage": () => { const u = curUnit(); if (u && u.dataset.evTarget) showPassage(u.dataset.evTarget); },
  "reviewed": () => submit($("#reviewed-next-form")),
  "next-unreviewed": () => go("#next-link") || go("#list-next") || (location.href = "/next"),
  "search": () => { const s = $("#search"); if (s) { s.focus(); s.select(); } },
  "open": () => { const r = rows()[row]; if (r) location.href = $("a", r).href; },
  "next-page": () => go("#next-page"),
  "prev-page": () => go("#prev-page"),
  "help": () => { $("#help").hidden = !$("#help").hidden; },
  "leave": () => {
    if (!$("#help").hidden) { $("#help").hidden = true; return; }
    if ($("#addform") && !$("#addform").hidden) { $("#addform").hidden = true; return; }
    if (document.activeElement) document.activeElement.blur();
  },
};

function keymap() {
  const map = {};
  $$("#help tr[data-key]").forEach(tr => { map[tr.dataset.key] = tr.dataset.action; });
  return map;
}

function onKey(ev) {
  const map = keymap();
  const t = ev.target;
  const typing = t && (t.matches("input, textarea, select") || t.isContentEditable);
  if (ev.key === "Escape") { ACTIONS.leave(); ev.preventDefault(); return; }
  if (typing) {
    const form = t.closest("form");
    // Enter saves from a select too (an input submits by itself); Ctrl+Enter from a textarea.
    if (ev.key === "Enter" && form && (t.tagName === "SELECT" || ev.ctrlKey || ev.metaKey || t.type === "checkbox")) {
      ev.preventDefault();
      submit(form);
    } else if (ev.key === "Enter" && form && t.tagName === "INPUT") {
      remember();
    }
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  let action = map[ev.key];
  if (ev.key === "Enter") action = $("#notices") ? "open" : "edit";
  if (/^[1-9]$/.test(ev.key) && map["1-9"]) { ev.preventDefault(); jumpSection(parseInt(ev.key, 10)); return; }
  if (!action || !ACTIONS[action]) return;
  ev.preventDefault();
  ACTIONS[action]();
}

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("keydown", onKey);
  $("#help-button").addEventListener("click", ACTIONS.help);
  $$("form").forEach(f => f.addEventListener("submit", remember));
  const text = $("#text");
  if (!text) return;
  text.addEventListener("click", ev => {
    const seg = ev.target.closest("[data-ev]");
    if (!seg || !window.getSelection().isCollapsed) return;
    const paths = seg.dataset.ev.split(" ");
    showField(paths[paths.length - 1]);  // innermost (shortest) span last
  });
  text.addEventListener("mouseup", onSelect);
  text.addEventListener("keyup", onSelect);
  $$("button.locate").forEach(b => b.addEventListener("click", () => showPassage(b.dataset.evTarget)));
  $$(".unit").forEach(u => ["input", "change"].forEach(t => u.addEventListener(t, () => u.classList.add("dirty"))));
  $$(".unit").forEach(u => u.addEventListener("focusin", () => {
    const i = allUnits().indexOf(u);
    if (i !== cur) { allUnits().forEach(x => x.classList.remove("cur")); cur = i; u.classList.add("cur"); }
    if (u.dataset.evTarget && !restoring) showPassage(u.dataset.evTarget);
  }));
  $$(".flag[data-flag=region_conflict]").forEach(f => f.addEventListener("click", () => {
    const c = $$("#text .conflict");
    c.forEach(el => el.classList.add("vlit"));
    if (c.length) scrollTextTo(c[0]);
  }));
  $("#add-section").addEventListener("change", chooseSection);
  $("#add-cancel").addEventListener("click", () => { $("#addform").hidden = true; });
  restore();
});
