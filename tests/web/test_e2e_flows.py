"""End-to-end flows of issue 6 in headless Chromium against the real service.

The service (tests/web/conftest.py ``e2e_service``) runs on a free 127.0.0.1
port with its own SQLite data dir and one API key per console role. Every
picture is benign: a PDQ reference photo of a bridge, scikit-image's cat and
coffee photos, and a drawn shape standing in for child-abuse content.

(a) a survivor reports with the keyboard only, adding fingerprints made on the
    device; the reported item is hidden at once; the status page shows the case;
(b) fast-tracked takedown: an image and a re-encoded, resized near-copy are
    seeded; reporting the first (with on-device fingerprints) makes both
    inaccessible at once, and a moderator's removal in the console deletes both;
(c) uploading the image again, or a re-encoded copy, is blocked at upload;
(d) the uploader appeals; the deciding moderator cannot decide the appeal in
    the console, a second moderator overturns it and the content is back;
(e) an anonymous child-safety report goes to the child-safety queue; the
    console shows no media for it, and the CyberTip package view holds none;
(f) afterwards the ledger verifies and holds the case events of every flow.

The console is also checked with axe-core while a case is open.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from skimage import data as skdata

from perisai.analysers.image.hashes import hamming, hash_image

pytestmark = pytest.mark.browser

SHARED = Path(os.environ.get("PERISAI_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
BRIDGE = (
    SHARED
    / "datasets"
    / "pdq-reference"
    / "images"
    / "reg-test-input"
    / "dih"
    / "bridge-1-original.jpg"
)
CASE_NUMBER = re.compile(r"^PRS-[A-Z0-9]{4}-[A-Z0-9]{4}$")
BLOCKING = {"serious", "critical"}

#: Case numbers made by the flows, for the ledger check (f).
CASES_MADE: list[str] = []


class Service(Protocol):
    """The ``e2e_service`` fixture (tests/web/conftest.py)."""

    url: str
    keys: dict[str, str]
    received: list[Any]
    runtime: Any


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    """The public endpoints allow 30 requests a minute per address and every test
    request comes from 127.0.0.1: each flow starts with a clear count."""
    from perisai.api.routes import reports

    hits = getattr(getattr(reports, "limiter", None), "_hits", None)
    if isinstance(hits, dict):
        hits.clear()


# --- pictures (all benign) ---


def jpeg(pixels: np.ndarray, quality: int = 92) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def near_copy(original: bytes, scale: float = 0.8, quality: int = 60) -> bytes:
    """Resized and re-encoded: a different file that PDQ still matches."""
    image = Image.open(io.BytesIO(original)).convert("RGB")
    size = (int(image.width * scale), int(image.height * scale))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.BILINEAR).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def drawn_shapes() -> bytes:
    """A drawn picture (circle, square, stripes) standing in for reported content."""
    image = Image.new("RGB", (480, 360), (235, 240, 250))
    draw = ImageDraw.Draw(image)
    for x in range(0, 480, 40):
        draw.rectangle((x, 0, x + 18, 360), fill=(200, 215, 235))
    draw.ellipse((60, 60, 240, 240), fill=(220, 90, 60), outline=(40, 40, 40), width=6)
    draw.rectangle((270, 120, 430, 300), fill=(60, 130, 200), outline=(40, 40, 40), width=6)
    draw.polygon([(100, 330), (200, 260), (300, 330)], fill=(90, 170, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- the demo platform and the API ---


def upload(
    service: Service, content: bytes, account: str, name: str = "photo.jpg"
) -> dict[str, Any]:
    response = httpx.post(
        f"{service.url}/demo/items",
        files={"image": (name, content, "image/jpeg" if name.endswith(".jpg") else "image/png")},
        data={"account": account},
        timeout=120,
    )
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


def item_status(service: Service, item_id: str) -> int:
    return httpx.get(f"{service.url}/demo/items/{item_id}", timeout=30).status_code


def api(service: Service, method: str, path: str, key: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {service.keys[key]}"} if key else {}
    response = httpx.request(method, f"{service.url}{path}", headers=headers, timeout=60, **kwargs)
    assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


# --- the browser ---


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    context = chromium.new_context(service_workers="block")
    context.set_default_timeout(60_000)
    yield context
    context.close()


def focused(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(
        """() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            return {id: e.id, tag: e.tagName, type: e.type || null,
                    outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0};
        }"""
    )
    return info


def tab_to(page: Page, element_id: str, max_steps: int = 80) -> None:
    """Presses Tab until ``element_id`` has focus; every stop must show a focus ring."""
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] not in ("BODY", "HTML"):
            assert now["outline"] != "none" and now["outlineWidth"] >= 2, (
                f"no visible focus on {now}"
            )
        if now["id"] == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def type_here(page: Page, text: str) -> None:
    page.keyboard.type(text)


def choose_file_with_keyboard(page: Page, path: Path) -> None:
    """Opens the focused file input with Space (Enter as a second try) and picks ``path``."""
    for key in ("Space", "Enter", "Space"):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError("the file input did not open a file chooser from the keyboard")


def open_report(page: Page, service: Service, lang: str = "en") -> None:
    page.goto(f"{service.url}/report?lang={lang}")
    page.wait_for_selector("#report-form[data-ready]", state="attached")


def receipt(page: Page) -> tuple[str, str]:
    page.wait_for_selector("#receipt:not([hidden])")
    case_number = page.locator("#receipt-case-number").inner_text().strip()
    pin = page.locator("#receipt-pin").inner_text().strip()
    assert CASE_NUMBER.match(case_number), case_number
    assert re.fullmatch(r"\d{8}", pin), pin
    CASES_MADE.append(case_number)
    return case_number, pin


def report_posts(service: Service) -> list[dict[str, Any]]:
    return [
        json.loads(r.body)
        for r in service.received
        if r.method == "POST" and r.path == "/v1/reports"
    ]


def console_sign_in(page: Page, service: Service, key: str) -> None:
    page.goto(f"{service.url}/console")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.locator("#api-key").fill(service.keys[key])
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#workspace:not([hidden])")


def console_open_case(page: Page, queue: str, case_number: str) -> None:
    page.locator(f"#tab-{queue}").click()
    button = page.locator(f'.queue-item[data-case-number="{case_number}"]')
    button.wait_for()
    button.click()
    wait_for_case(page, case_number)


def wait_for_case(page: Page, case_number: str) -> None:
    # Not busy: the case may already be on screen from before, in its earlier state.
    page.wait_for_selector(f'#case[data-case-number="{case_number}"]:not([aria-busy="true"])')


# --- (a) survivor report, keyboard only, with on-device fingerprints ---


def test_a_survivor_reports_with_the_keyboard_only(
    context: BrowserContext, e2e_service: Service
) -> None:
    if not BRIDGE.exists():
        pytest.skip(f"PDQ reference photo missing: {BRIDGE}")
    photo = BRIDGE.read_bytes()
    item = upload(e2e_service, photo, "uploader-a")
    assert item_status(e2e_service, item["item_id"]) == 200

    page = context.new_page()
    open_report(page, e2e_service)
    before = len(report_posts(e2e_service))

    tab_to(page, "submit")  # walks the whole form once: every stop has a focus ring
    page.keyboard.press("Enter")  # empty form: the summary takes focus
    assert focused(page)["id"] == "error-summary"
    assert page.locator("#error-summary-list a").count() >= 6
    page.keyboard.press("Tab")  # first link in the summary
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "reason-intimate"

    page.keyboard.press("ArrowDown")  # radio group: arrow keys move and select
    assert page.locator("#reason-deepfake").is_checked()
    page.keyboard.press("ArrowUp")
    assert page.locator("#reason-intimate").is_checked()
    tab_to(page, "role-depicted")
    page.keyboard.press("Space")
    assert page.locator("#role-depicted").is_checked()
    assert page.locator("#signature-field").is_visible()
    tab_to(page, "content-urls")
    type_here(page, item["url"])
    tab_to(page, "explanation")
    type_here(page, "This is a private photo of me that was posted without my consent.")
    tab_to(page, "country")
    page.keyboard.type("Malaysia")  # type-ahead in a select
    assert page.locator("#country").input_value() == "MY"
    tab_to(page, "name")
    type_here(page, "Nur Aisyah")
    tab_to(page, "email")
    type_here(page, "nur.aisyah@example.org")
    tab_to(page, "signature")
    type_here(page, "Nur Aisyah binti Rahman")
    tab_to(page, "pictures")
    choose_file_with_keyboard(page, BRIDGE)
    page.wait_for_selector("#hashes-status[data-state=done]")
    tab_to(page, "good-faith")
    page.keyboard.press("Space")
    tab_to(page, "submit")
    page.keyboard.press("Enter")

    case_number, pin = receipt(page)
    assert focused(page)["id"] == "receipt-title"
    assert page.locator("#receipt-next li").count() >= 2
    assert page.locator("#receipt-deadlines li").count() >= 1
    assert page.locator("#receipt-support li").count() >= 1  # Malaysia has listed services

    # What the browser sent: the notice, and fingerprints only (no picture bytes).
    posts = report_posts(e2e_service)[before:]
    assert len(posts) == 1
    sent = posts[0]
    assert sent["reason"] == "intimate_image_of_me"
    assert sent["reporter_role"] == "depicted_person"
    assert sent["content_urls"] == [item["url"]]
    assert sent["signature"] == "Nur Aisyah binti Rahman"
    assert sent["good_faith"] is True and sent["country"] == "MY" and sent["language"] == "en"
    by_type = {h["signal_type"]: h for h in sent["hashes"]}
    assert by_type["md5"]["value"] == hashlib.md5(photo).hexdigest()
    server_pdq = hash_image(photo).pdq
    assert hamming(by_type["pdq"]["value"], server_pdq) <= 16
    raw = json.dumps(sent)
    assert len(raw) < 4096 and "base64" not in raw

    # Fast-track: reported by the person depicted, so hidden at once.
    assert item_status(e2e_service, item["item_id"]) == 404

    # The status page, by keyboard too.
    page.goto(f"{e2e_service.url}/report/status")
    page.wait_for_selector("#status-form[data-ready]", state="attached")
    tab_to(page, "case-number")
    type_here(page, case_number.lower())  # case-insensitive
    tab_to(page, "pin")
    type_here(page, pin)
    page.keyboard.press("Enter")
    page.wait_for_selector("#status-result:not([hidden])")
    assert focused(page)["id"] == "status-heading"
    assert page.locator("#status-value").get_attribute("data-status") == "received"
    timeline = page.locator("#timeline").inner_text()
    assert "Received" in timeline and "Image hidden" in timeline
    assert page.locator("#withdraw-block").is_visible()
    assert not page.locator("#appeal-block").is_visible()

    # Withdrawing (confirm step, keyboard) purges the fingerprints sent with the report.
    tab_to(page, "withdraw")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "withdraw-no"  # the safe choice has focus
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "withdraw-yes"
    page.keyboard.press("Enter")
    page.wait_for_selector("#status-value[data-status=withdrawn]")
    assert "2 fingerprints were deleted" in page.locator("#action-result").inner_text()
    assert not page.locator("#withdraw-block").is_visible()


# --- (b) fast-tracked takedown of an image and its near-copy; (c) re-upload blocked ---


def test_b_c_takedown_of_image_and_near_copy_then_reupload_blocked(
    context: BrowserContext, e2e_service: Service, tmp_path: Path
) -> None:
    original = jpeg(skdata.chelsea())
    copy = near_copy(original)
    assert original != copy
    first = upload(e2e_service, original, "uploader-b")
    second = upload(e2e_service, copy, "reposter-b")
    for item in (first, second):
        assert item_status(e2e_service, item["item_id"]) == 200

    picture = tmp_path / "chelsea.jpg"
    picture.write_bytes(original)
    page = context.new_page()
    open_report(page, e2e_service, lang="ms")
    page.locator("#reason-deepfake").check()
    page.locator("#role-depicted").check()
    page.locator("#content-urls").fill(first["url"])
    page.locator("#explanation").fill("Gambar ini diubah supaya kelihatan seksual tanpa izin saya.")
    page.locator("#country").select_option("GB")
    page.locator("#name").fill("Siti")
    page.locator("#email").fill("siti@example.org")
    page.locator("#signature").fill("Siti Hajar")
    page.locator("#pictures").set_input_files(str(picture))
    page.wait_for_selector("#hashes-status[data-state=done]")
    page.locator("#good-faith").check()
    page.locator("#submit").click()
    case_number, _ = receipt(page)
    assert page.locator("html").get_attribute("lang") == "ms"
    assert "disembunyikan" in page.locator("#receipt-next").inner_text()  # fast-tracked, in Malay

    # Both the reported image and its near-copy are inaccessible at once.
    assert item_status(e2e_service, first["item_id"]) == 404
    assert item_status(e2e_service, second["item_id"]) == 404

    # A moderator removes them in the console: both are gone for good.
    console = context.new_page()
    console_sign_in(console, e2e_service, "moderator")
    console_open_case(console, "open", case_number)
    items_text = console.locator("#case-items").inner_text()
    assert first["item_id"] in items_text and second["item_id"] in items_text
    image = console.locator("#case-items img").first
    image.wait_for()
    assert "blur" in image.evaluate("e => getComputedStyle(e).filter")
    assert "grayscale" in image.evaluate("e => getComputedStyle(e).filter")
    reveal = console.locator("#case-items button.reveal").first
    reveal.click()  # one item at a time
    assert reveal.get_attribute("aria-pressed") == "true"
    assert image.evaluate("e => getComputedStyle(e).filter") == "none"
    assert console.locator("#case-items figure.revealed").count() == 1
    reveal.click()
    assert "blur" in image.evaluate("e => getComputedStyle(e).filter")
    console.locator("#decision-action").select_option("remove")
    console.locator("#decision-category").select_option("sexualised_real_person")
    console.locator("#decision-reason").fill("Sexualised edit of a real person, reported by her.")
    console.locator("#decision-submit").click()
    console.wait_for_selector("#case-result:has-text('Recorded: remove')")
    assert console.locator("#case").get_attribute("data-status") == "decided"
    assert item_status(e2e_service, first["item_id"]) == 410
    assert item_status(e2e_service, second["item_id"]) == 410

    # (c) Re-uploads are blocked at upload: the same file, and another re-encoding.
    for content in (original, near_copy(original, scale=0.9, quality=75)):
        response = httpx.post(
            f"{e2e_service.url}/demo/items",
            files={"image": ("again.jpg", content, "image/jpeg")},
            data={"account": "reposter-c"},
            timeout=120,
        )
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("upload-blocked")


# --- (d) appeal decided by a different moderator restores the content ---


def test_d_appeal_decided_by_another_moderator_restores_content(
    context: BrowserContext, e2e_service: Service, axe_source: str, chromium: Browser
) -> None:
    item = upload(e2e_service, jpeg(skdata.coffee()), "uploader-d")
    created = httpx.post(
        f"{e2e_service.url}/v1/reports",
        json={
            "reason": "other",
            "reporter_role": "third_party",
            "content_urls": [item["item_id"]],
            "explanation": "I think this photo was posted without permission.",
            "name": "Reporter D",
            "email": "reporter.d@example.org",
            "good_faith": True,
            "language": "en",
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    case_number = created.json()["case_number"]
    pin = created.json()["pin"]
    CASES_MADE.append(case_number)
    assert (
        item_status(e2e_service, item["item_id"]) == 200
    )  # a third party's "other": not fast-tracked

    # Moderator 1 removes it in the console, using the keyboard shortcuts.
    page = context.new_page()
    console_sign_in(page, e2e_service, "moderator")
    page.locator("#tab-open").click()
    page.locator(f'.queue-item[data-case-number="{case_number}"]').wait_for()
    position = page.locator(".queue-item").evaluate_all(
        f"(all) => all.findIndex(b => b.dataset.caseNumber === '{case_number}')"
    )
    page.locator("#queue-title").click()  # focus out of any field
    for _ in range(position + 1):
        page.keyboard.press("j")
    wait_for_case(page, case_number)
    page.locator("#case-items img").first.wait_for()
    page.keyboard.press("r")
    assert page.locator("#case-items figure.revealed").count() >= 1
    page.keyboard.press("r")
    assert page.locator("#case-items figure.revealed").count() == 0
    page.keyboard.press("d")
    assert focused(page)["id"] == "decision-action"
    page.locator("#decision-action").select_option("remove")
    page.locator("#decision-category").select_option("sexualised_real_person")
    page.locator("#decision-reason").fill("Removed after review.")
    page.locator("#decision-submit").click()
    page.wait_for_selector("#case-result:has-text('Recorded: remove')")
    assert item_status(e2e_service, item["item_id"]) == 410
    page.keyboard.press("n")
    assert focused(page)["id"] == "note-text"
    page.keyboard.type("Uploader may appeal; photo looks like stock imagery.")
    page.locator("#note-submit").click()
    page.wait_for_selector("#case-notes li")

    # The uploader appeals (notice of the removal names the item).
    api(
        e2e_service,
        "POST",
        "/v1/appeals",
        json={
            "item_id": item["item_id"],
            "account": "uploader-d",
            "explanation": "This is my own photo of my coffee.",
        },
    )

    # Moderator 1 may not decide the appeal of their own decision.
    console_open_case(page, "appeals", case_number)
    assert page.locator("#appeal-block").is_visible()
    assert page.locator("#appeal-submit").is_disabled()

    # The console with a case open (appeal pending, media blurred): no serious or
    # critical accessibility problems.
    checked = chromium.new_context(bypass_csp=True, service_workers="block")
    try:
        view = checked.new_page()
        console_sign_in(view, e2e_service, "moderator2")
        console_open_case(view, "appeals", case_number)
        view.locator("#case-items img").first.wait_for()
        view.add_script_tag(content=axe_source)
        found = view.evaluate(
            "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        assert [v for v in found if v["impact"] in BLOCKING] == []
    finally:
        checked.close()

    # Moderator 2 overturns it in the console: the content is back.
    other = chromium.new_context(service_workers="block")
    try:
        second = other.new_page()
        console_sign_in(second, e2e_service, "moderator2")
        console_open_case(second, "appeals", case_number)
        assert "my coffee" in second.locator("#appeal-text").inner_text()
        assert second.locator("#appeal-submit").is_enabled()
        second.locator("#appeal-overturned").check()
        second.locator("#appeal-reason").fill("A photo of a coffee cup; no policy applies.")
        second.locator("#appeal-submit").click()
        second.wait_for_selector("#case-result:has-text('Appeal overturned')")
        assert item_status(e2e_service, item["item_id"]) == 200
        assert "appeal_decided" in second.locator("#case-history").inner_text()
    finally:
        other.close()

    # The reporter sees the outcome on the status page, in Indonesian, and may appeal it.
    status = context.new_page()
    status.goto(f"{e2e_service.url}/report/status?lang=id")
    status.wait_for_selector("#status-form[data-ready]", state="attached")
    status.locator("#case-number").fill(case_number)
    status.locator("#pin").fill(pin)
    status.locator("#check").click()
    status.wait_for_selector("#status-result:not([hidden])")
    assert status.locator("#outcome").inner_text() == "Gambar dipulihkan"
    assert status.locator("#appeal-block").is_visible()
    status.locator("#appeal-submit").click()  # empty: asks for a reason first
    assert status.locator("#appeal-error").is_visible()
    status.locator("#appeal-explanation").fill("Saya tetap yakin foto ini melanggar aturan.")
    status.locator("#appeal-submit").click()
    status.wait_for_selector("#status-value[data-status=appealed]")
    assert "Banding Anda sudah kami terima" in status.locator("#action-result").inner_text()


# --- (e) anonymous child-safety report: child-safety queue, CyberTip package without media ---


def test_e_anonymous_child_safety_report_and_cybertip_package(
    context: BrowserContext, e2e_service: Service
) -> None:
    shapes = drawn_shapes()
    item = upload(e2e_service, shapes, "uploader-e", name="shapes.png")
    page = context.new_page()
    open_report(page, e2e_service)
    page.locator("#reason-csam").check()
    # Anonymous: contact is optional and no signature is asked for.
    assert page.locator("#name").get_attribute("aria-required") == "false"
    assert not page.locator("#signature-field").is_visible()
    assert "anonymous" in page.locator("#contact-hint").inner_text()
    # No fingerprints from the device for this reason, and a warning not to copy the image.
    assert page.locator("#csam-note").is_visible()
    assert not page.locator("#hashes-group").is_visible()
    page.locator("#role-third").check()
    page.locator("#content-urls").fill(item["url"])
    page.locator("#explanation").fill("This appears to show a child. Reported for review.")
    page.locator("#good-faith").check()
    page.locator("#submit").click()
    case_number, _ = receipt(page)
    sent = report_posts(e2e_service)[-1]
    assert sent["name"] is None and sent["email"] is None and sent["signature"] is None
    assert item_status(e2e_service, item["item_id"]) == 404  # inaccessible at once

    media_requests: list[str] = []
    console = context.new_page()
    console.on("request", lambda r: media_requests.append(r.url) if "/media/" in r.url else None)
    console_sign_in(console, e2e_service, "moderator")
    console_open_case(console, "child_safety", case_number)
    assert console.locator("#case-badges").inner_text().count("Child safety") == 1
    assert console.locator("#case img").count() == 0
    assert "not shown for child-safety" in console.locator("#case-items").inner_text()
    console.locator("#cybertip-button").click()
    package_box = console.locator("#cybertip-package")
    package_box.wait_for()
    package = json.loads(package_box.inner_text())
    assert package["case_number"] == case_number
    assert package["reporter"]["anonymous"] is True
    assert [f["item_id"] for f in package["files"]] == [item["item_id"]]
    assert package["files"][0]["hashes"]["md5"] == hashlib.md5(shapes).hexdigest()
    text = package_box.inner_text()
    assert "base64" not in text and not re.search(r"[A-Za-z0-9+/]{200,}", text)
    assert console.locator("#case img, #cybertip-block img").count() == 0
    assert media_requests == []

    # A triage key sees the case but cannot decide or open the package.
    triage = context.new_page()
    console_sign_in(triage, e2e_service, "triage")
    console_open_case(triage, "child_safety", case_number)
    assert not triage.locator("#cybertip-block").is_visible()
    options = triage.locator("#decision-action option:not([disabled])").evaluate_all(
        "(all) => all.map(o => o.value)"
    )
    assert sorted(options) == ["escalate_child_safety", "hide"]


# --- (f) the ledger verifies and holds the case events ---


def test_f_ledger_verifies_and_holds_the_case_events(e2e_service: Service) -> None:
    if not CASES_MADE:
        pytest.skip("run with the flows above: no cases were made")
    verified = api(e2e_service, "GET", "/v1/ledger/verify", key="auditor")
    assert verified["ok"] is True, verified["problems"]
    assert verified["problems"] == []
    # The same check through the runtime (what `perisai ledger verify` runs).
    report = e2e_service.runtime.ledger.verify()
    assert report.ok and report.entries_checked >= verified["entries_checked"]
    export = httpx.get(
        f"{e2e_service.url}/v1/ledger/export",
        headers={"Authorization": f"Bearer {e2e_service.keys['auditor']}"},
        timeout=60,
    )
    assert export.status_code == 200
    entries = [json.loads(line) for line in export.text.splitlines() if line.strip()]
    kinds_by_case: dict[str, set[str]] = {}
    for entry in entries:
        text = json.dumps(entry)
        for case_number in CASES_MADE:
            if case_number in text:
                kinds_by_case.setdefault(case_number, set()).add(str(entry.get("kind", "")))
    for case_number in CASES_MADE:
        kinds = kinds_by_case.get(case_number, set())
        assert "case.received" in kinds, (case_number, kinds)
    all_kinds = set().union(*kinds_by_case.values())
    for kind in ("case.hidden", "case.removed", "case.appeal_filed", "case.appeal_decided"):
        if kind != "case.appeal_filed" or len(CASES_MADE) >= 3:
            assert kind in all_kinds, (kind, sorted(all_kinds))
