// noticeflow review: links values to their passages and turns a text selection into evidence.
// No framework, no build step. Offsets are code points into the canonical text (Python str).
"use strict";

function cpLen(s) { return Array.from(s).length; }

function segs(path) {
  return Array.from(document.querySelectorAll("#text [data-ev]"))
    .filter(el => el.dataset.ev.split(" ").includes(path));
}

function clearLit() {
  document.querySelectorAll(".lit").forEach(el => el.classList.remove("lit"));
}

// Click a value: its passage scrolls into view and lights up.
function showPassage(path) {
  clearLit();
  const found = segs(path);
  found.forEach(el => el.classList.add("lit"));
  if (found.length) found[0].scrollIntoView({ block: "center", behavior: "instant" });
  const target = document.querySelector(`[data-path="${CSS.escape(path)}"], [data-ev-target="${CSS.escape(path)}"]`);
  if (target) target.classList.add("lit");
}

// Click a highlight: the field it belongs to (the innermost span) is shown.
function showField(path) {
  clearLit();
  segs(path).forEach(el => el.classList.add("lit"));
  const target = document.querySelector(`.element[data-path="${CSS.escape(path)}"]`)
    || document.querySelector(`[data-ev-target="${CSS.escape(path)}"]`);
  if (target) {
    target.classList.add("lit");
    target.scrollIntoView({ block: "center", behavior: "instant" });
  }
}

// Position in the canonical text of a DOM point inside #text.
function offsetOf(node, offset) {
  const text = document.getElementById("text");
  if (node.nodeType === Node.TEXT_NODE) {
    const seg = node.parentElement.closest("[data-s]");
    return parseInt(seg.dataset.s, 10) + cpLen(node.data.slice(0, offset));
  }
  if (node === text) {
    const kids = text.children;
    if (offset >= kids.length) return parseInt(text.dataset.len || "0", 10) || totalLen();
    return parseInt(kids[offset].dataset.s, 10);
  }
  const seg = node.closest && node.closest("[data-s]");
  if (seg) return parseInt(seg.dataset.s, 10) + (offset > 0 ? cpLen(seg.textContent) : 0);
  return null;
}

function totalLen() {
  const kids = document.getElementById("text").children;
  const last = kids[kids.length - 1];
  return last ? parseInt(last.dataset.s, 10) + cpLen(last.textContent) : 0;
}

function onSelect() {
  const sel = window.getSelection();
  const text = document.getElementById("text");
  const form = document.getElementById("addform");
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed || !form) return;
  const r = sel.getRangeAt(0);
  if (!text.contains(r.startContainer) || !text.contains(r.endContainer)) return;
  const start = offsetOf(r.startContainer, r.startOffset);
  const end = offsetOf(r.endContainer, r.endOffset);
  if (start === null || end === null || end <= start) return;
  const quote = sel.toString();
  document.getElementById("add-start").value = start;
  document.getElementById("add-end").value = end;
  document.getElementById("add-quote-value").value = quote;
  document.getElementById("add-quote").textContent = `[${start}, ${end}) ${quote}`;
  form.hidden = false;
  chooseSection();
  form.scrollIntoView({ block: "nearest" });
}

function chooseSection() {
  const form = document.getElementById("addform");
  const chosen = document.getElementById("add-section").value;
  const quote = document.getElementById("add-quote-value").value;
  form.querySelectorAll("fieldset.addfields").forEach(fs => {
    const on = fs.dataset.section === chosen;
    fs.disabled = !on;
    fs.hidden = !on;
    if (on) fs.querySelectorAll("[data-from-quote]").forEach((inp, i) => { if (i === 0 && !inp.value) inp.value = quote; });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const text = document.getElementById("text");
  if (!text) return;
  text.addEventListener("click", ev => {
    const seg = ev.target.closest("[data-ev]");
    if (!seg || !window.getSelection().isCollapsed) return;
    const paths = seg.dataset.ev.split(" ");
    showField(paths[paths.length - 1]);  // innermost (shortest) span last
  });
  text.addEventListener("mouseup", onSelect);
  text.addEventListener("keyup", onSelect);
  document.querySelectorAll("button.locate").forEach(b =>
    b.addEventListener("click", () => showPassage(b.dataset.evTarget)));
  document.querySelectorAll(".element[data-ev-target] input, .element[data-ev-target] select, .element[data-ev-target] textarea, .row[data-ev-target] input")
    .forEach(inp => inp.addEventListener("focus", () => {
      const holder = inp.closest("[data-ev-target]");
      if (holder) showPassage(holder.dataset.evTarget);
    }));
  document.getElementById("add-section").addEventListener("change", chooseSection);
  document.getElementById("add-cancel").addEventListener("click", () => {
    document.getElementById("addform").hidden = true;
  });
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash) {
    const el = document.getElementById(hash) || document.querySelector(`[data-path="${CSS.escape(hash)}"]`);
    if (el) el.scrollIntoView({ block: "start", behavior: "instant" });
  }
});
