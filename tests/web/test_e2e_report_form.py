"""The report form's behaviour in headless Chromium: languages, the questions
that depend on earlier answers, keyboard order, and what happens when the
service cannot be reached or rejects a field.

Flows through the real service are in test_e2e_flows.py; here a few tests
replace the service's answer (Playwright routing) to reach states the real
service produces only on failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ms", "id", "zh", "ta"]


class Served(Protocol):
    url: str


@pytest.fixture
def page(chromium: Browser, live_server: Served) -> Iterator[Page]:
    context: BrowserContext = chromium.new_context(service_workers="block")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/report?lang=en")
    page.wait_for_selector("#report-form[data-ready]", state="attached")
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def test_every_language_has_every_string(page: Page) -> None:
    missing: dict[str, list[str]] = page.evaluate(
        """async () => {
            const { STRINGS, LANGUAGES } = await import('/static/js/report-i18n.js');
            const keys = Object.keys(STRINGS.en);
            const out = {};
            for (const { code } of LANGUAGES) {
                out[code] = keys.filter(k => !(k in STRINGS[code]) || !String(STRINGS[code][k]).trim());
                out[code].push(...Object.keys(STRINGS[code]).filter(k => !(k in STRINGS.en)));
            }
            return out;
        }"""
    )
    assert missing == {code: [] for code in LANGUAGES}


def test_switching_language_translates_the_page_and_keeps_answers(page: Page) -> None:
    page.locator("#explanation").fill("My words stay here.")
    page.locator("#submit").click()
    assert page.locator("#error-summary-title").inner_text() == "Please fix these problems"

    page.locator("#language-switcher button[data-lang=zh]").click()
    assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
    assert "lang=zh" in page.url
    assert page.title().startswith("举报图片")
    assert page.locator("h1").inner_text() == "举报图片"
    assert page.locator("#error-summary-title").inner_text() == "请修改以下问题"
    assert page.locator("#reason-error").inner_text() == "请选择这是什么图片。"
    assert page.locator("#submit").inner_text() == "提交举报"
    assert page.locator("#explanation").input_value() == "My words stay here."
    # Country names come from the browser, in the chosen language.
    assert page.locator("#country option[value=MY]").inner_text() == "马来西亚"
    # Each language button is named in its own language, with a lang attribute.
    tamil = page.locator("#language-switcher button[data-lang=ta]")
    assert tamil.inner_text() == "தமிழ்" and tamil.get_attribute("lang") == "ta"
    assert tamil.get_attribute("aria-pressed") == "false"
    # Links to the status page keep the language.
    assert page.locator("footer a").get_attribute("href") == "/report/status?lang=zh"


def test_questions_follow_the_reason_and_reporter(page: Page) -> None:
    signature = page.locator("#signature-field")
    assert not signature.is_visible()
    page.locator("#reason-deepfake").check()
    page.locator("#role-acting").check()
    assert signature.is_visible()  # TAKE IT DOWN: signed by the person or someone acting for them
    page.locator("#role-third").check()
    assert not signature.is_visible()
    assert page.locator("#name").get_attribute("aria-required") == "true"

    page.locator("#reason-csam").check()  # DSA Art 16(2)(c): may be anonymous
    assert page.locator("#name").get_attribute("aria-required") == "false"
    assert page.locator(".contact-marker").first.inner_text() == "(optional)"
    page.locator("#submit").click()
    fields_in_error = page.locator("#error-summary-list a").evaluate_all(
        "(links) => links.map(a => a.getAttribute('href'))"
    )
    assert "#name" not in fields_in_error and "#email" not in fields_in_error
    # A wrong email is still an error when given.
    page.locator("#email").fill("not-an-email")
    page.locator("#submit").click()
    assert page.locator("#email-error").is_visible()
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    described = page.locator("#email").get_attribute("aria-describedby") or ""
    assert "email-error" in described.split()


def test_tab_order_follows_the_page_and_has_no_trap(page: Page) -> None:
    order: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        current = page.evaluate(
            """() => {
                const e = document.activeElement;
                return e.id || e.dataset.lang ||
                    (e.tagName === 'A' ? 'A:' + e.getAttribute('href') : e.tagName);
            }"""
        )
        if order and current == order[0]:
            break
        order.append(current)
    # Tab went past the last control and came round to the first: nothing holds the focus.
    assert len(order) < 60, order
    assert [stop for stop in order if stop != "BODY"] == [
        "A:#report-form",  # skip link
        "en",
        "ms",
        "id",
        "zh",
        "ta",
        "reason-intimate",  # a radio group is one stop; arrows move inside it
        "role-depicted",
        "content-urls",
        "explanation",
        "country",
        "name",
        "email",
        "pictures",
        "A:/survivor/hash",
        "good-faith",
        "submit",
        "A:/report/status?lang=en",
    ]


def test_network_failure_keeps_the_answers(page: Page) -> None:
    page.route("**/v1/reports", lambda route: route.abort("connectionrefused"))
    fill_valid_report(page)
    page.locator("#submit").click()
    error = page.locator("#form-error")
    error.wait_for()
    assert "could not reach the service" in error.inner_text()
    assert page.locator("#explanation").input_value().startswith("A photo of me")
    assert page.locator("#submit").is_enabled()
    assert page.locator("#receipt").is_hidden()


def test_a_field_the_service_rejects_is_shown_at_that_field(page: Page) -> None:
    sent: list[dict[str, Any]] = []

    def reject(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(
            status=422,
            content_type="application/problem+json",
            body=json.dumps(
                {
                    "type": "https://perisai.dev/problems/invalid-request",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "The request is missing or has wrong: body.content_urls[0].",
                    "errors": [
                        {
                            "field": "body.content_urls[0]",
                            "message": "must be a link or item id (1-2000 characters)",
                        }
                    ],
                }
            ),
        )

    page.route("**/v1/reports", reject)
    fill_valid_report(page)
    page.locator("#submit").click()
    page.wait_for_selector("#content-urls-error:not([hidden])")
    assert "must be a link" in page.locator("#content-urls-error").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert len(sent) == 1
    body = sent[0]
    assert set(body) == {
        "reason",
        "reporter_role",
        "content_urls",
        "explanation",
        "name",
        "email",
        "country",
        "language",
        "good_faith",
        "signature",
    }  # no hashes key when no pictures were fingerprinted; nothing else is collected
    assert body["content_urls"] == ["https://example.org/post/1", "itm_0123456789abcdef"]


def fill_valid_report(page: Page) -> None:
    page.locator("#reason-intimate").check()
    page.locator("#role-depicted").check()
    page.locator("#content-urls").fill("https://example.org/post/1\n\n  itm_0123456789abcdef  \n")
    page.locator("#explanation").fill("A photo of me shared without my consent.")
    page.locator("#name").fill("Mei")
    page.locator("#email").fill("mei@example.org")
    page.locator("#signature").fill("Tan Mei")
    page.locator("#good-faith").check()
