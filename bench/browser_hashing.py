"""Browser hashing benchmark: agreement of the in-browser PDQ with Python, and its speed.

Run: ``.venv/bin/python bench/browser_hashing.py`` (needs Debian's Chromium:
``scripts/install-chromium.sh``). Prints the results and writes
``docs/benchmarks/browser_hashing.md``.

The real service is started on a free local port and the survivor page
``/survivor/hash`` is opened in headless Chromium. For each of Meta's PDQ
reference photos the page's own PDQ (decoded by the browser) is compared with
the server's (Pillow decode + ``pdqhash``, the C++ reference) and with Meta's
published hash. Timings are taken in the page with ``performance.now()``
around ``pdqFromBlob`` (decode + PDQ) and ``md5Hex``, median of repeats, on
the main thread; the page itself runs the same code in a worker. Two
synthetic large photos (12 and 24 megapixels, a reference photo scaled up)
show phone-size cost; the 24-megapixel one is above the 16.7-megapixel
canvas limit and is hashed scaled down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from PIL import Image

from perisai.analysers.image.hashes import hamming, hash_image
from perisai.api.app import create_app
from perisai.config import Settings
from perisai.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PERISAI_SHARED_DIR", REPO.parent / "shared"))
REFERENCE = SHARED / "datasets" / "pdq-reference"
OUT = REPO / "docs" / "benchmarks" / "browser_hashing.md"
CHROMIUM = Path(os.environ.get("PERISAI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPEATS = 3

TIME_IN_PAGE = """async (repeats) => {
    const { pdqFromBlob } = await import("/static/js/pdq.js");
    const { md5Hex } = await import("/static/js/md5.js");
    const out = [];
    for (const file of document.getElementById("pictures").files) {
        const pdqTimes = [], md5Times = [];
        let result = null;
        for (let r = 0; r < repeats; r++) {
            let start = performance.now();
            result = await pdqFromBlob(file);
            pdqTimes.push(performance.now() - start);
            const bytes = new Uint8Array(await file.arrayBuffer());
            start = performance.now();
            md5Hex(bytes);
            md5Times.push(performance.now() - start);
        }
        out.push({ name: file.name, pdqTimes, md5Times, ...result });
    }
    return out;
}"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def start_server(data_dir: Path) -> tuple[str, uvicorn.Server, threading.Thread, Runtime]:
    runtime = Runtime(
        Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'perisai.db'}")
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread, runtime


def synthetic_large_photos(folder: Path) -> list[Path]:
    source = REFERENCE / "images/reg-test-input/dih/bridge-1-original.jpg"
    paths = []
    with Image.open(source) as image:
        for width, height in [(4032, 3024), (6000, 4000)]:
            path = folder / f"synthetic-{width}x{height}.jpg"
            image.convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(
                path, quality=90
            )
            paths.append(path)
    return paths


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: run scripts/install-chromium.sh first")
    expected = {
        Path(row.split("\t")[0]).name: row.split("\t")
        for row in (REFERENCE / "expected.tsv").read_text().splitlines()[1:]
    }
    photos = [REFERENCE / fields[0] for fields in expected.values()]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        large = synthetic_large_photos(folder)
        url, server, thread, runtime = start_server(folder)
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                page.set_default_timeout(600_000)
                page.goto(f"{url}/survivor/hash")
                version = browser.version
                page.set_input_files("#pictures", photos + large)
                page.wait_for_selector("#hash-form[data-state='ready']")
                measured: list[dict[str, Any]] = page.evaluate(TIME_IN_PAGE, REPEATS)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            runtime.close()

        rows = []
        for result in measured:
            path = next(p for p in photos + large if p.name == result["name"])
            data = path.read_bytes()
            start = time.perf_counter()
            python = hash_image(data)
            python_ms = (time.perf_counter() - start) * 1000
            assert hashlib.md5(data).hexdigest() == python.md5
            meta = expected.get(result["name"])
            rows.append(
                {
                    "name": result["name"],
                    "size": f"{result['width']}x{result['height']}",
                    "bits_python": hamming(result["hash"], python.pdq),
                    "bits_meta": hamming(result["hash"], meta[1]) if meta else None,
                    "quality": f"{result['quality']} / {python.quality}",
                    "scaled": result["scaledDown"],
                    "pdq_ms": statistics.median(result["pdqTimes"]),
                    "md5_ms": statistics.median(result["md5Times"]),
                    "python_ms": python_ms,
                }
            )

    header = (
        "| photo | size | JS vs Python (bits) | JS vs Meta's published (bits) | quality JS / Python "
        "| scaled down | JS decode+PDQ ms | JS MD5 ms | Python decode+hashes ms |"
    )
    lines = [header, "|" + "---|" * 9]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['size']} | {row['bits_python']} | "
            f"{'' if row['bits_meta'] is None else row['bits_meta']} | {row['quality']} | "
            f"{'yes' if row['scaled'] else 'no'} | {row['pdq_ms']:.0f} | {row['md5_ms']:.1f} | "
            f"{row['python_ms']:.0f} |"
        )
    reference_rows = [r for r in rows if r["bits_meta"] is not None]
    summary = (
        f"Reference photos: JS vs Python PDQ distance max "
        f"{max(r['bits_python'] for r in reference_rows)} bits, "
        f"{sum(r['bits_python'] == 0 for r in reference_rows)} of {len(reference_rows)} identical."
    )
    table = "\n".join(lines)
    print(table)
    print(summary)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "# Browser hashing: agreement and speed\n\n"
        f"- command: `.venv/bin/python bench/browser_hashing.py`\n"
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}\n"
        f"- machine: 2 cores, {cpu_model()}; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        f"- browser: Debian Chromium {version}, headless, driven by Playwright\n"
        f"- JS timings: median of {REPEATS} runs in the page (main thread); "
        "Python: one run of `hash_image` (Pillow decode, PDQ with 8 dihedral hashes, MD5, SHA-256)\n\n"
        f"{summary}\n\n{table}\n\n"
        "The synthetic photos are a reference photo scaled up, JPEG quality 90. The 24-megapixel "
        "one is above the 16.7-megapixel canvas limit of phone browsers and is hashed from a "
        "scaled-down copy: its distance to the full-size Python hash shows what that costs.\n"
    )
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
