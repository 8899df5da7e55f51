"""The page around the Gradio components: the look of answers in both themes, and the clicks.

Job: ``CSS`` styles answers, source cards, the document view and the layout, with colours set
for the light and the dark theme (Gradio puts ``.dark`` on ``body`` for ``?__theme=dark`` or a
dark system setting); every text colour is paired with its background so that both pass 4.5:1
(WCAG AA), which ``tests/test_ui_browser.py`` measures in the page. The colours are variables set
on ``:root`` and on ``.dark`` only: Gradio prefixes every selector of custom CSS with its container,
so a variable set again on ``.qa-answer`` would win over the dark one. ``JS`` runs once on load:
clicking (or Enter on) a marker [n] scrolls to its source card and marks it; "Open document" on a
card asks the app for the whole document through the hidden ``#open-go`` button.

Not its job: the HTML of answers (``export``) or the components (``ui.py``).
"""

from __future__ import annotations

CSS = """
:root { --qa-accent: #1d4ed8; --qa-mark-bg: #fde68a; --qa-mark-fg: #1f2937;
  --qa-muted: #4b5563; --qa-line: #d1d5db; --qa-pointer-bg: #f3f4f6; --qa-ok: #166534;
  --qa-bad: #b91c1c; --qa-cited: #eff6ff; --qa-target: #dbeafe; }
.dark { --qa-accent: #93c5fd; --qa-mark-bg: #713f12;
  --qa-mark-fg: #fef3c7; --qa-muted: #d1d5db; --qa-line: #4b5563; --qa-pointer-bg: #1f2937;
  --qa-ok: #86efac; --qa-bad: #fca5a5; --qa-cited: #1e3a8a; --qa-target: #1e3a8a; }
.qa-answer { line-height: 1.5; overflow-wrap: anywhere; }
.qa-question { white-space: pre-wrap; overflow-wrap: anywhere; }
.qa-abstained { border-left: 4px solid #9ca3af; padding-left: .6em; color: var(--qa-muted); }
.qa-badge { display: inline-block; font-weight: 600; font-size: .85em; padding: .1em .5em;
  border-radius: .4em; background: #e5e7eb; color: #374151; margin-bottom: .3em; }
.qa-warning { background: #fef3c7; color: #78350f; border-radius: .4em; padding: .25em .5em;
  margin: .2em 0; font-size: .9em; }
.qa-error .qa-warning { background: #fee2e2; color: #7f1d1d; }
.qa-query { font-size: .85em; color: var(--qa-muted); margin-bottom: .3em; }
.qa-unverified { text-decoration: underline wavy #d97706; }
.qa-flag { color: #b45309; font-size: .85em; font-weight: 600; }
.dark .qa-flag { color: #fcd34d; }
.qa-ref { color: var(--qa-accent); font-weight: 600; cursor: pointer; }
.qa-ref:hover, .qa-ref:focus { text-decoration: underline; outline: none; }
.qa-sources-label { font-weight: 600; margin-top: .6em; font-size: .9em; }
.qa-sources { list-style: none; padding-left: 0; margin: .2em 0; }
.qa-source { border: 1px solid var(--qa-line); border-radius: .5em; padding: .35em .6em;
  margin: .3em 0; transition: background-color .4s; }
.qa-source.qa-target { background: var(--qa-target); }
.qa-source.qa-pointer { background: var(--qa-pointer-bg); }
.qa-source summary, .qa-debug summary { cursor: pointer; font-size: .85em; color: var(--qa-muted); }
.qa-source-n { font-weight: 700; color: var(--qa-accent); }
.qa-source-title { font-weight: 600; }
.qa-source-meta, .qa-source-doc, .qa-timings { font-size: .8em; color: var(--qa-muted); }
.qa-open { color: var(--qa-accent); font-size: .8em; font-weight: 600; cursor: pointer;
  margin-left: .5em; white-space: nowrap; }
.qa-open:hover, .qa-open:focus { text-decoration: underline; outline: none; }
.qa-passage { margin: .4em 0; padding-left: .6em; border-left: 3px solid var(--qa-line);
  font-size: .9em; white-space: normal; }
.qa-passage mark, .qa-doc mark { background: var(--qa-mark-bg); color: var(--qa-mark-fg); }
.qa-pointer .qa-passage { font-style: italic; }
.qa-debug { margin-top: .5em; font-size: .8em; }
.qa-debug table { display: block; overflow-x: auto; max-width: 100%; border-collapse: collapse; }
.qa-debug td, .qa-debug th { padding: .1em .4em; border-bottom: 1px solid var(--qa-line); }
.qa-debug th, .qa-debug td:nth-child(-n+4) { white-space: nowrap; text-align: right; }
.qa-debug th:nth-child(n+5) { text-align: left; }
.qa-debug tr.qa-cited { background: var(--qa-cited); }
.qa-status-error { color: var(--qa-bad); }
.qa-status-ok { color: var(--qa-ok); }
.qa-doc { line-height: 1.55; overflow-wrap: anywhere; }
.qa-doc-title { font-weight: 700; margin-bottom: .4em; }
.qa-page { font-weight: 600; color: var(--qa-muted); margin: .8em 0 .2em; }
.qa-coverage { font-size: .9em; color: var(--qa-muted); margin: 0; }
.qa-coverage .qa-titles { text-decoration: underline dotted; cursor: help; }
.qa-hidden { display: none !important; }
#documents .virtual-table-viewport * { font-family: var(--font) !important; }
@media (max-width: 480px) { #title h2 { font-size: 1.25rem; } .qa-source { padding: .3em .4em; } }
"""

JS = """
() => {
  const flash = (card) => {
    card.scrollIntoView({ block: "nearest" });
    card.classList.add("qa-target");
    setTimeout(() => card.classList.remove("qa-target"), 2500);
  };
  const follow = (target) => {
    const tag = (el, prefix) => [...el.classList].find((c) => c.startsWith(prefix)) || "";
    const ref = target.closest(".qa-ref");
    if (ref) {
      const answer = ref.closest(".qa-answer");
      const n = tag(ref, "qa-n-");
      const card = answer && n && answer.querySelector(`.qa-source.${n}`);
      if (card) flash(card);
      return true;
    }
    const open = target.closest(".qa-open");
    if (open) {
      const card = open.closest(".qa-source");
      const mark = card.querySelector(".qa-passage mark");
      const doc = card.querySelector(".qa-source-doc");
      window.__qaOpen = JSON.stringify({
        doc: doc ? doc.textContent.trim() : "", page: tag(card, "qa-page-").slice(8),
        quote: mark ? mark.textContent : "",
      });
      const go = document.querySelector("#open-go");
      if (go) go.click();
      return true;
    }
    return false;
  };
  document.addEventListener("click", (event) => {
    if (follow(event.target)) event.preventDefault();
  }, true);
  document.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && follow(event.target)) {
      event.preventDefault();
    }
  }, true);
}
"""

# After the Source tab shows a document: bring its highlighted quote into view.
SHOW_QUOTE = """
() => setTimeout(() => {
  const mark = document.querySelector("#viewer mark");
  if (mark) mark.scrollIntoView({ block: "center" });
}, 100)
"""
