"""The real app in a real browser: Debian's chromium driven by Playwright (no `playwright install`).

Asks by keyboard, sees the answer and its source cards, turns on the debug view, uploads a document
with a fact found nowhere else and sees it cited, checks that markup in questions and documents
stays text, and that the page works at phone width (390 px). Both themes are measured: the
highlighted quote, the markers [n] and the card's links reach a contrast of 4.5:1, computed from
the page's computed styles. A marker scrolls to its card, a card opens its whole document; the
chat says what it answers from, its examples are above the fold, and no label covers a scrolled
chat. Screenshots go to tests/artifacts/; with UPDATE_DOCS_SCREENSHOTS=1 the screenshots in docs/
(both themes at 1280×800 and 390×844) are refreshed too.
A missing browser is a failure, not a skip: install it with `apt-get install chromium`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_server import ROOT, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
UNIQUE_FACT = (
    "# Zapoteca Drone Alliance\n\n"
    "The Zapoteca Drone Alliance is a cluster of drone makers based in Tlaxcala. "
    "The Zapoteca Drone Alliance was founded in 2023 by 27 drone companies.\n"
)
EVIL_DOC = '# <img src=x onerror="window.__xss=1"> Evil <b>title</b>\n\nThe Evil cluster is fake.\n'


def _shot(page: Any, name: str, *, docs: str | None = None) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if docs and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        shutil.copy(path, ROOT / "docs" / docs)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No browser at {CHROMIUM}: install it with `apt-get install chromium`.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `.venv/bin/pip install playwright`.")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(tmp_path_factory.mktemp("ui_browser")) as url:
        yield url


def _open(browser: Any, url: str, width: int = 1280, height: int = 900) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def _ask(page: Any, question: str) -> Any:
    """Type the question, press Enter, return the locator of the new finished answer."""
    before = page.locator("#chat .qa-answer:not(.qa-streaming)").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#chat .qa-answer:not(.qa-streaming)').length > {before}"
    )
    return page.locator("#chat .qa-answer:not(.qa-streaming)").nth(before)


def test_ask_see_answer_with_source_cards_and_debug(browser: Any, app_url: str) -> None:
    page = _open(browser, app_url, height=1000)
    first = _ask(page, "When did Bombardier arrive in Querétaro?")
    assert first.locator(".qa-source").count() >= 1
    answer = _ask(page, "Which international firms followed it?")
    assert "Searched for" in answer.locator(".qa-query").inner_text()  # the rewritten follow-up
    cards = answer.locator(".qa-source")
    assert cards.count() >= 1
    assert cards.first.locator(".qa-source-title").inner_text().strip()
    assert cards.first.locator("blockquote.qa-passage mark").count() == 1  # quote in its passage
    _shot(page, "chat", docs="screenshot-chat.png")
    page.locator("#developer").get_by_text("Developer").first.click()
    page.locator("#debug input[type=checkbox]").check()
    page.wait_for_selector("#chat .qa-debug")
    page.locator("#chat .qa-debug summary").last.click()
    table = page.locator("#chat .qa-debug table").last
    assert table.locator("tbody tr").count() >= 1
    assert "ms" in page.locator("#chat .qa-timings").last.inner_text()
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.locator("#chat .qa-debug").last.evaluate("e => e.scrollIntoView({block: 'end'})")
    _shot(page, "debug", docs="screenshot-debug.png")
    page.close()


def test_upload_a_document_then_it_is_cited(browser: Any, app_url: str, tmp_path: Path) -> None:
    page = _open(browser, app_url)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#documents table")
    upload = tmp_path / "zapoteca-drones.txt"
    upload.write_text(UNIQUE_FACT)
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.wait_for_selector("#upload-status .qa-status-ok", timeout=300_000)
    assert "zapoteca-drones.txt" in page.locator("#upload-status").inner_text()
    page.wait_for_function(
        "document.querySelector('#documents').innerText.includes('zapoteca-drones.txt')"
    )
    page.wait_for_timeout(1000)  # let the components' loading fade finish before the picture
    _shot(page, "documents", docs="screenshot-documents.png")
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "In which year was the Zapoteca Drone Alliance founded?")
    docs = answer.locator(".qa-source-doc").all_inner_texts()
    assert "zapoteca-drones.txt" in docs, answer.inner_html()
    page.close()


def test_markup_in_questions_and_documents_stays_text(
    browser: Any, app_url: str, tmp_path: Path
) -> None:
    page = _open(browser, app_url)
    page.get_by_role("tab", name="Documents").click()
    evil = tmp_path / "evil.md"
    evil.write_text(EVIL_DOC)
    page.locator("#upload input[type=file]").set_input_files(str(evil))
    page.wait_for_selector("#upload-status .qa-status-ok", timeout=300_000)
    page.wait_for_function("document.querySelector('#documents').innerText.includes('evil.md')")
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, 'What is the Evil cluster? <img src=x onerror="window.__xss=2"> **b**')
    assert answer.count() == 1
    question = page.locator("#chat .qa-question").last.inner_text()
    assert '<img src=x onerror="window.__xss=2">' in question and "**b**" in question
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img, #documents img, #chat script").count() == 0
    page.close()


def test_phone_width_and_keyboard_only(browser: Any, app_url: str) -> None:
    page = _open(browser, app_url, width=390, height=844)
    focused = page.evaluate("document.activeElement.closest('#question') !== null")
    assert focused, "the question box should have the focus on load"
    page.keyboard.type("Which states have aerospace clusters?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat .qa-answer:not(.qa-streaming) .qa-text")
    page.locator("#question textarea").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#ask') !== null"), "Tab → Ask button"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 390px"
    _shot(page, "phone")
    page.close()


# Contrast (WCAG 2.1 relative luminance) of an element's text against what is painted behind it:
# the backgrounds of its ancestors, composited from the nearest opaque one.
CONTRAST_JS = """
(el) => {
  const rgba = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) throw new Error("unexpected colour " + c);
    const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let bg = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) {
    bg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
  }
  const fg = rgba(getComputedStyle(el).color);
  const text = [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const lum = (c) => c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [hi, lo] = [lum(text), lum(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
"""
READABLE = [".qa-passage mark", ".qa-ref", ".qa-source-n", ".qa-open", ".qa-source-meta"]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_quotes_markers_and_links_are_readable_in_both_themes(
    browser: Any, app_url: str, theme: str
) -> None:
    page = _open(browser, f"{app_url}?__theme={theme}", height=800)
    assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    answer = _ask(page, "When did Bombardier arrive in Querétaro?")
    for selector in READABLE:
        element = answer.locator(selector).first
        assert element.count(), f"no {selector} in the answer"
        ratio = element.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{selector} has a contrast of {ratio:.2f}:1 in the {theme} theme"
    summary = page.locator("#chat .qa-whole summary")
    if summary.count():
        assert summary.first.evaluate(CONTRAST_JS) >= 4.5, "'Whole passage' is hard to read"
    page.close()


def test_a_marker_shows_its_card_and_the_card_opens_the_whole_document(
    browser: Any, app_url: str
) -> None:
    page = _open(browser, app_url, height=800)
    answer = _ask(page, "How many members does the Guanajuato IT cluster have?")
    ref = answer.locator(".qa-text .qa-ref").first
    n = ref.inner_text().strip("[] ")
    page.wait_for_timeout(700)  # the chat's own scroll to the new answer ends first
    ref.click()
    card = answer.locator(f".qa-source.qa-n-{n}")
    page.wait_for_function("(el) => el.classList.contains('qa-target')", arg=card.element_handle())
    page.wait_for_timeout(300)
    box, chat = card.bounding_box(), page.locator("#chat").bounding_box()
    assert box and chat and chat["y"] <= box["y"] + 5 and box["y"] < chat["y"] + chat["height"]
    quote = " ".join(card.locator(".qa-passage mark").first.inner_text().split())
    doc = card.locator(".qa-source-doc").inner_text().strip()
    card.locator(".qa-open").click()
    page.wait_for_selector("#viewer .qa-doc mark")
    assert doc in page.locator("#viewer .qa-doc-title").inner_text()
    marked = " ".join(page.locator("#viewer .qa-doc mark").inner_text().split())
    assert marked == quote
    assert page.locator("#original").is_visible()
    with page.expect_download() as download:
        page.locator("#original").click()
    assert download.value.suggested_filename == doc
    page.close()


def test_the_chat_says_what_it_answers_from_with_examples_above_the_fold(
    browser: Any, app_url: str
) -> None:
    page = _open(browser, app_url, width=1280, height=800)
    coverage = page.locator("#coverage .qa-coverage")
    assert re.search(r"from \d+ documents? dated \d{4}", coverage.inner_text())
    titles = coverage.locator(".qa-titles").get_attribute("title") or ""
    assert titles.count("•") >= 2, titles
    examples = page.locator("#chat button.example")
    if not examples.count():
        examples = page.locator("#chat .examples button")
    assert examples.count() >= 4
    for i in range(examples.count()):
        box = examples.nth(i).bounding_box()
        assert box and box["y"] + box["height"] <= 800, f"example {i} is below the fold"
    assert "<script>" not in page.locator("#chat").inner_text()  # probes are for tests only
    before = page.locator("#chat .qa-answer:not(.qa-streaming)").count()
    examples.first.click()
    page.wait_for_function(
        f"document.querySelectorAll('#chat .qa-answer:not(.qa-streaming)').length > {before}"
    )
    page.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_no_label_covers_the_first_line_of_a_scrolled_chat(
    browser: Any, app_url: str, width: int, height: int
) -> None:
    page = _open(browser, app_url, width=width, height=height)
    _ask(page, "Which aerospace clusters are in Querétaro and Chihuahua?")
    _ask(page, "When did Bombardier arrive in Querétaro?")
    labels = page.locator("#chat [data-testid='block-label'], #chat label")
    visible = [labels.nth(i) for i in range(labels.count()) if labels.nth(i).is_visible()]
    assert not visible, "a label floats over the chat"
    chat = page.locator("#chat").bounding_box()
    assert chat
    # what is painted at the top of the chat, under where the label used to float, is the chat
    hit = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); "
        "return e ? e.closest('#chat') !== null && !e.closest('label') : false; }",
        [chat["x"] + 60, chat["y"] + 12],
    )
    assert hit
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_both_themes_at_desktop_and_phone_size(
    browser: Any, app_url: str, theme: str
) -> None:
    for width, height in ((1280, 800), (390, 844)):
        page = _open(browser, f"{app_url}?__theme={theme}", width=width, height=height)
        page.wait_for_timeout(500)
        _shot(page, f"{theme}-{width}x{height}-start",
              docs=f"screenshot-{theme}-{width}x{height}-start.png")  # fmt: skip
        _ask(page, "How many members does the Guanajuato IT cluster have?")
        page.locator("#chat .qa-source").first.evaluate("e => e.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(500)
        _shot(page, f"{theme}-{width}x{height}", docs=f"screenshot-{theme}-{width}x{height}.png")
        page.close()
