"""Real-browser tests: Debian's chromium, headless, driven by Selenium through chromium-driver.

An association logs in on a phone-sized window, reads its plan, confirms a receipt and declares
next week; the coordinator uploads a week with an error and sees it located, then runs and
publishes a week (with the real background worker). The server is uvicorn on the loopback.
Skips cleanly without chromium, chromium-driver or selenium. Set ``AIDE_ALIM_SHOTS`` to a folder
to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ACCOUNTS, PASSWORD, TINY, WEEK

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or shutil.which("chromium-driver")
if not (CHROMIUM and DRIVER):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PHONE = (390, 844)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any, tiny_week: Any) -> Iterator[str]:
    """The portal on uvicorn (loopback, a free port) over a SQLite history with the tiny week."""
    import uvicorn

    from aide_alim.db import open_database
    from aide_alim.history import publish_week
    from aide_alim.portal import auth, create_app

    folder = tmp_path_factory.mktemp("browser")
    db = open_database(f"sqlite:///{folder / 'history.sqlite'}")
    scenario, allocation, plan = tiny_week
    publish_week(db, scenario, allocation, plan)
    with db.transaction() as conn:
        for login, (role, association) in ACCOUNTS.items():
            auth.add_user(conn, login, role, association=association, password=PASSWORD,
                          name=f"Compte {login}")  # fmt: skip
    port = _free_port()
    app = create_app(db, folder / "data")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://localhost:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    db.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", f"--window-size={PHONE[0]},{PHONE[1]}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_window_size(*PHONE)
    yield driver
    driver.quit()


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("AIDE_ALIM_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(PHONE[0], max(PHONE[1], min(int(height) + 120, 4000)))
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        driver.set_window_size(*PHONE)


def _gone(element: Any) -> bool:
    """``element``'s page has been replaced. Chromedriver sometimes answers "Node with given id
    does not belong to the document" instead of a stale-element error while the page is being
    swapped: that is the page going too."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        return "does not belong to the document" in str(exc)
    return False


def _go(driver: Any, by: str, value: str) -> None:
    """Click what leads to a new page, and wait for it (a click returns before the load)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, value).click()
    WebDriverWait(driver, 60).until(lambda _d: _gone(old))
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _login(driver: Any, server: str, login: str) -> None:
    driver.get(f"{server}/connexion")
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    _go(driver, By.CSS_SELECTOR, "form.card button[type=submit]")
    try:
        WebDriverWait(driver, 30).until(lambda d: "/connexion" not in d.current_url)
    except Exception:
        pytest.fail("login refused: " + driver.find_element(By.TAG_NAME, "main").text)


def _fits_the_phone(driver: Any) -> None:
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE[0] + 1, f"the page is {width}px wide on a {PHONE[0]}px phone"


def test_association_reads_confirms_and_declares(server: str, browser: Any) -> None:
    browser.get(f"{server}/connexion")
    _shot(browser, "01-connexion")
    _login(browser, server, "a1")
    assert browser.current_url.endswith("/asso/A1/")
    _fits_the_phone(browser)
    _shot(browser, "02-association-accueil")
    _go(browser, By.LINK_TEXT, f"Semaine {WEEK}")
    assert "Votre plan" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, ".handover")
    _fits_the_phone(browser)
    _shot(browser, "03-association-plan")
    kg = browser.find_element(By.NAME, "kg_0")
    kg.clear()
    kg.send_keys("7,5")
    browser.find_element(By.CSS_SELECTOR, "select[name=status_0] option[value=abime]").click()
    browser.find_element(By.NAME, "reason_0").send_keys("deux cartons écrasés")
    _go(browser, By.CSS_SELECTOR, "#reception button[type=submit]")
    status = browser.find_element(By.CSS_SELECTOR, "p.ok[role=status]")
    assert "réception est enregistrée" in status.text
    assert "abîmé : deux cartons écrasés" in browser.page_source
    _shot(browser, "04-association-reception-enregistree")
    _go(browser, By.LINK_TEXT, "Déclarer")
    people = browser.find_element(By.NAME, "beneficiaries")
    people.clear()
    people.send_keys("125")
    browser.find_element(By.CSS_SELECTOR, "input[name=closed_days][value=wed]").click()
    _fits_the_phone(browser)
    _shot(browser, "05-association-declaration")
    _go(browser, By.CSS_SELECTOR, "form.card button[type=submit]")
    assert "déclaration est enregistrée" in browser.find_element(By.CSS_SELECTOR, "p.ok").text


def test_coordinator_sees_an_error_located_then_runs_and_publishes(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from aide_alim.scenario import load_scenario
    from aide_alim.scenario.write import write_workbook

    bad = tmp_path / "bad"
    bad.mkdir()
    for path in TINY.iterdir():
        if path.suffix in (".csv", ".toml"):
            (bad / path.name).write_bytes(path.read_bytes())
    lots = (bad / "lots.csv").read_text(encoding="utf-8").replace(",80,5,", ",-80,5,")
    (bad / "lots.csv").write_text(lots, encoding="utf-8")
    _login(browser, server, "coord")
    browser.get(f"{server}/coord/import")
    files = "\n".join(str(p) for p in sorted(bad.iterdir()))
    browser.find_element(By.NAME, "files").send_keys(files)
    _go(browser, By.CSS_SELECTOR, "form.card button[type=submit]")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#problems td")]
    assert cells[:3] == ["lots.csv", "4", "kg"], cells
    _shot(browser, "06-coordination-erreur-localisee")

    book = write_workbook(load_scenario(TINY).replace(week="2020-W42"), tmp_path / "s42.xlsx")
    browser.find_element(By.NAME, "files").send_keys(str(book))
    _go(browser, By.CSS_SELECTOR, "form.card button[type=submit]")
    assert "fichiers valides" in browser.find_element(By.TAG_NAME, "h1").text
    _shot(browser, "07-coordination-semaine-verifiee")
    _go(browser, By.XPATH, "//button[contains(., 'Calculer')]")
    WebDriverWait(browser, 120).until(ec.text_to_be_present_in_element((By.ID, "state"), "Terminé"))
    assert "Comparaison des règles" in browser.page_source
    _shot(browser, "08-coordination-calcul-termine")
    _go(browser, By.XPATH, "//button[contains(., 'Publier ce plan')]")
    WebDriverWait(browser, 120).until(ec.text_to_be_present_in_element((By.ID, "state"), "Terminé"))
    assert "Semaine 2020-W42 publiée" in browser.page_source
    _go(browser, By.LINK_TEXT, "Suivre la semaine 2020-W42")
    assert browser.find_elements(By.CSS_SELECTOR, "#follow tr")
    _shot(browser, "09-coordination-suivi")
