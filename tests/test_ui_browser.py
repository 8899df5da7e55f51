"""The real app in a real browser: Debian's chromium driven by Playwright (no `playwright install`).

Asks by keyboard, sees the answer and its source cards, turns on the debug view, uploads a document
with a fact found nowhere else and sees it cited, checks that markup in questions and documents
stays text, and that the page works at phone width (390 px). Screenshots go to tests/artifacts/;
with UPDATE_DOCS_SCREENSHOTS=1 the README screenshots in docs/ are refreshed too.
A missing browser is a failure, not a skip: install it with `apt-get install chromium`.
"""

from __future__ import annotations

import os
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
    page.locator("#settings").get_by_text("Settings").first.click()
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
