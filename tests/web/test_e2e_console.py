"""The moderator console's own behaviour in headless Chromium: sign-in (key in
session storage only), roles, queue order and deadline markers, tabs and
keyboard shortcuts. The case flows through the real service are in
test_e2e_flows.py; the queue-order test replaces one queue answer (Playwright
routing) to show cases whose clocks are breached or nearly due without
waiting hours for real clocks to run out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

pytestmark = pytest.mark.browser


class Service(Protocol):
    url: str
    keys: dict[str, str]


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    context = chromium.new_context(service_workers="block")
    context.set_default_timeout(30_000)
    yield context
    context.close()


def sign_in(page: Page, service: Service, key: str) -> None:
    page.goto(f"{service.url}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.locator("#api-key").fill(service.keys[key])
    page.locator("#api-key").press("Enter")
    page.wait_for_selector("#workspace:not([hidden])")


def test_key_lives_in_session_storage_only(context: BrowserContext, e2e_service: Service) -> None:
    page = context.new_page()
    sign_in(page, e2e_service, "moderator")
    storage = page.evaluate(
        "() => ({session: {...sessionStorage}, local: {...localStorage}, cookie: document.cookie})"
    )
    assert list(storage["session"].values()) == [e2e_service.keys["moderator"]]
    assert storage["local"] == {} and storage["cookie"] == ""
    assert e2e_service.keys["moderator"] not in page.url
    # A reload in the same tab stays signed in; a new tab (new context) does not.
    page.reload()
    page.wait_for_selector("#workspace:not([hidden])")
    page.locator("#sign-out").click()
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("() => sessionStorage.length") == 0


def test_bad_key_and_client_key_are_refused(context: BrowserContext, e2e_service: Service) -> None:
    page = context.new_page()
    page.goto(f"{e2e_service.url}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.locator("#api-key").fill("psk_nothing_here")
    page.locator("#api-key").press("Enter")
    page.wait_for_selector("#login-error:has-text('not valid')")
    assert page.locator("#api-key").get_attribute("aria-invalid") == "true"
    page.locator("#api-key").fill(e2e_service.keys["client"])
    page.locator("#api-key").press("Enter")
    page.wait_for_selector("#login-error:has-text('cannot use the console')")
    assert page.locator("#workspace").is_hidden()


def test_roles_see_only_what_they_may_do(context: BrowserContext, e2e_service: Service) -> None:
    page = context.new_page()
    allowed = "(all) => all.filter(o => !o.disabled).map(o => o.value)"
    sign_in(page, e2e_service, "triage")
    assert page.locator("#decision-action option").evaluate_all(allowed) == [
        "hide",
        "escalate_child_safety",
    ]
    assert page.locator("#decision-category").is_disabled()  # the policy needs a moderator key
    page.locator("#sign-out").click()
    page.wait_for_selector("#login:not([hidden])")
    sign_in(page, e2e_service, "moderator")
    assert page.locator("#decision-action option").evaluate_all(allowed) == [
        "remove",
        "restore",
        "dismiss",
        "hide",
        "escalate_child_safety",
    ]
    categories = page.locator("#decision-category option").evaluate_all(
        "(all) => all.map(o => o.value)"
    )
    assert "sexualised_real_person" in categories and "minor_sexualisation" in categories
    page.locator("#sign-out").click()
    page.wait_for_selector("#login:not([hidden])")
    sign_in(page, e2e_service, "auditor")
    assert page.locator("#decision-block").is_hidden() and page.locator("#note-form").is_hidden()


def test_queue_sorted_by_severity_then_deadline_with_markers(
    context: BrowserContext, e2e_service: Service
) -> None:
    now = datetime.now(UTC)

    def case(number: str, severity: str, hours: float, **flags: bool) -> dict[str, object]:
        return {
            "case_number": number,
            "reason": "intimate_image_of_me",
            "status": "received",
            "severity": severity,
            "next_deadline_at": (now + timedelta(hours=hours)).isoformat(),
            "due_soon": flags.get("due_soon", False),
            "breached": flags.get("breached", False),
            "clocks": {},
        }

    answer = {
        "queue": "breached",
        "cases": [
            case("PRS-HIGH-LATE", "high", 30),
            case("PRS-CRIT-LATE", "critical", 20),
            case("PRS-CRIT-SOON", "critical", 1, due_soon=True),
            case("PRS-CRIT-GONE", "critical", -2, breached=True),
        ],
    }

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    page = context.new_page()
    page.route("**/v1/cases?queue=breached*", fulfil)
    sign_in(page, e2e_service, "moderator")
    page.locator("#tab-open").focus()
    page.keyboard.press("End")  # tabs: arrows, Home and End move between queues
    page.wait_for_selector(".queue-item")
    assert page.locator("#tab-breached").get_attribute("aria-selected") == "true"
    order = page.locator(".queue-item").evaluate_all("(all) => all.map(b => b.dataset.caseNumber)")
    assert order == ["PRS-CRIT-GONE", "PRS-CRIT-SOON", "PRS-CRIT-LATE", "PRS-HIGH-LATE"]
    items = page.locator(".queue-item")
    assert items.nth(0).locator(".marker.breached").inner_text() == "Breached"
    assert items.nth(1).locator(".marker.due-soon").inner_text() == "Due soon"
    assert items.nth(2).locator(".marker").count() == 0
    page.keyboard.press("ArrowLeft")
    assert page.locator("#tab-appeals").get_attribute("aria-selected") == "true"


def test_help_dialog_opens_with_question_mark(
    context: BrowserContext, e2e_service: Service
) -> None:
    page = context.new_page()
    sign_in(page, e2e_service, "moderator")
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.locator("#help-dialog")
    assert dialog.is_visible()
    assert "next / previous case" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    # Typing in a field never triggers a shortcut.
    page.locator("#sign-out").click()
    page.wait_for_selector("#login:not([hidden])")
    page.locator("#api-key").focus()
    page.keyboard.type("?jk")
    assert dialog.is_hidden()
    assert page.locator("#api-key").input_value() == "?jk"
