"""Accessibility of the issue-6 pages in headless Chromium, checked with axe-core.

Every page must have zero serious or critical axe violations: the report form
in each of its five languages (blank and with its error summary showing), the
status page, the moderator console and the on-device hashing page. The report
form is also rendered at a phone's size (375x812) and saved under /tmp for a
person to look at; the test checks that nothing is wider than the screen.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

LANGUAGES = {
    "en": ("en", "Report an image"),
    "ms": ("ms", "Laporkan imej"),
    "id": ("id", "Laporkan gambar"),
    "zh": ("zh-Hans", "举报图片"),
    "ta": ("ta", "படத்தைப் புகாரளிக்கவும்"),
}
BLOCKING = {"serious", "critical"}


class Served(Protocol):
    url: str


@pytest.fixture
def axe_context(chromium: Browser) -> Iterator[BrowserContext]:
    """A context that lets the test inject axe-core despite the pages' strict CSP."""
    context = chromium.new_context(bypass_csp=True, service_workers="block")
    context.set_default_timeout(30_000)
    yield context
    context.close()


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Runs axe-core on the page; returns serious and critical violations, summarised."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in BLOCKING]


def open_ready(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    page.wait_for_selector(ready, state="attached")


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_report_form_has_no_serious_violations_in_each_language(
    axe_context: BrowserContext, live_server: Served, axe_source: str, code: str
) -> None:
    page = axe_context.new_page()
    open_ready(page, f"{live_server.url}/report?lang={code}", "#report-form[data-ready]")
    html_lang, title = LANGUAGES[code]
    assert page.evaluate("() => document.documentElement.lang") == html_lang
    assert page.locator("h1").inner_text() == title
    pressed = page.locator("#language-switcher button[aria-pressed=true]")
    assert pressed.get_attribute("data-lang") == code
    assert axe_violations(page, axe_source) == []

    # With every error showing (summary, inline messages, aria-invalid).
    page.locator("#submit").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary-list li").count() >= 6
    assert axe_violations(page, axe_source) == []


def test_status_page_has_no_serious_violations(
    axe_context: BrowserContext, live_server: Served, axe_source: str
) -> None:
    page = axe_context.new_page()
    open_ready(page, f"{live_server.url}/report/status", "#status-form[data-ready]")
    assert axe_violations(page, axe_source) == []
    page.locator("#check").click()
    assert page.locator("#case-number-error").is_visible()
    assert axe_violations(page, axe_source) == []


def test_console_login_has_no_serious_violations(
    axe_context: BrowserContext, live_server: Served, axe_source: str
) -> None:
    page = axe_context.new_page()
    open_ready(page, f"{live_server.url}/console", "body[data-ready]")
    assert axe_violations(page, axe_source) == []
    page.locator("#api-key").fill("psk_not_a_key")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#login-error:not([hidden])")
    assert axe_violations(page, axe_source) == []


def test_survivor_hash_page_has_no_serious_violations(
    axe_context: BrowserContext, live_server: Served, axe_source: str
) -> None:
    page = axe_context.new_page()
    open_ready(page, f"{live_server.url}/survivor/hash", "#hash-form[data-state]")
    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize("code", ["en", "ta"])
def test_report_form_fits_a_phone_screen(chromium: Browser, live_server: Served, code: str) -> None:
    """375x812 (a small phone): no sideways scrolling; screenshot kept in /tmp for review."""
    context = chromium.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    try:
        page = context.new_page()
        open_ready(page, f"{live_server.url}/report?lang={code}", "#report-form[data-ready]")
        page.locator("#reason-csam").check()
        widest = page.evaluate("() => document.documentElement.scrollWidth")
        assert widest <= 375, f"the page is {widest}px wide on a 375px screen"
        # Touch targets: the radio rows and the submit button are at least 44px tall.
        for selector in ["#reason-group .choice", "#submit"]:
            box = page.locator(selector).first.bounding_box()
            assert box is not None and box["height"] >= 44, selector
        shots = Path(tempfile.gettempdir()) / "perisai-screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / f"report-mobile-{code}.png"), full_page=True)
    finally:
        context.close()
