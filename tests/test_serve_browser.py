"""``outageradar serve`` in a real headless browser: Debian's chromium + chromium-driver through Selenium.

The app runs under uvicorn in a thread on a free port of 127.0.0.1, on the demo database of ``test_serve.py``. The
tests load ``/`` and the injected outage's service page, check what is shown (the service is in status incident, the
incident's regions are listed, the map has its dots), check from the browser's own performance log that no request
left 127.0.0.1, and take a screenshot (a non-empty PNG).

They skip with the reason when chromium, chromedriver or selenium is missing, unless ``OUTAGERADAR_REQUIRE_BROWSER=1``
(``.ci/run`` sets it and installs ``chromium chromium-driver``), in which case they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time

import pytest

from tests.test_serve import demo_db

CHROMIUM = os.environ.get("OUTAGERADAR_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OUTAGERADAR_CHROMEDRIVER", "/usr/bin/chromedriver")


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} is absent (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def _require_browser() -> None:
    reason = _browser_missing()
    if reason:
        if os.environ.get("OUTAGERADAR_REQUIRE_BROWSER"):
            pytest.fail(reason + " and OUTAGERADAR_REQUIRE_BROWSER is set")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_browser()
    import uvicorn

    from outageradar.serve.app import create_app
    from outageradar.store import open_store

    demo = demo_db(tmp_path_factory)
    store = open_store(demo["url"], read_only=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", demo
    srv.should_exit = True
    thread.join(10)
    store.dispose()


@pytest.fixture(scope="module")
def driver(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which(CHROMIUM) or CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1800",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which(CHROMEDRIVER) or CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(30)
    yield d
    d.quit()


def _at(demo) -> str:
    return "?at=" + demo["during"].replace("+00:00", "Z")


def _requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _local(url: str, base: str) -> bool:
    return url.startswith(base + "/") or url == base or url.startswith(("data:", "about:", "chrome-error:"))


def test_index_in_chromium(server, driver):
    from selenium.webdriver.common.by import By

    base, demo = server
    driver.get_log("performance")  # drop what came before
    driver.get(base + "/" + _at(demo))
    row = driver.find_element(By.CSS_SELECTOR, f'tr.service-row[data-service="{demo["service"]}"]')
    assert row.get_attribute("data-status") == "incident"
    assert row.find_element(By.CSS_SELECTOR, ".status").text.strip() == "incident"
    assert row.find_elements(By.CSS_SELECTOR, "svg.spark polyline")
    urls = _requested_urls(driver)
    assert urls and all(_local(u, base) for u in urls), urls
    entries = driver.execute_script("return performance.getEntries().map(e => e.name)")
    assert all(_local(u, base) or not u.startswith(("http:", "https:", "ws:", "wss:")) for u in entries), entries


def test_service_page_in_chromium(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    base, demo = server
    driver.get_log("performance")
    driver.get(base + "/service/Xbox%20Live" + _at(demo))
    assert driver.find_element(By.ID, "service-status").text.strip() == "incident"
    strong = driver.find_element(By.CSS_SELECTOR, '.incident[data-confidence="strong"]')
    shown = {td.text.strip() for td in strong.find_elements(By.CSS_SELECTOR, "td.region")}
    assert set(demo["regions"]) <= shown
    assert "minutes before the status page" in strong.find_element(By.CSS_SELECTOR, ".lead").text
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.map circle.region-dot")) >= 3
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.map path")) > 100
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.incident-span")
    assert driver.execute_script("return typeof window.pwned") == "undefined"  # the hostile post did not run
    urls = _requested_urls(driver)
    assert urls and all(_local(u, base) for u in urls), urls
    shot = tmp_path / "service.png"
    assert driver.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    keep = os.environ.get("OUTAGERADAR_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, os.path.join(keep, "service.png"))


def test_phone_width_fits(server, driver):
    base, demo = server
    driver.set_window_size(420, 900)
    try:
        driver.get(base + "/service/Xbox%20Live" + _at(demo))
        width = driver.execute_script("return document.documentElement.scrollWidth")
        inner = driver.execute_script("return window.innerWidth")
        assert width <= inner + 1
    finally:
        driver.set_window_size(1100, 1800)
