"""The web UI in a real browser: the system's headless Chromium, driven by Selenium."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from minispark import SparkConf, SparkContext

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
APP_NAME = "<script>window.pwned = true</script>demo"
PAGES = ["/jobs/", "/stages/", "/storage/", "/environment/", "/executors/",
         "/jobs/job/?id=1", "/stages/stage/?id=1&attempt=0", "/storage/rdd/?id={rdd}"]


def open_browser(profile: str) -> webdriver.Chrome:
    """Headless Chromium with a fresh profile and nothing that calls home."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="minispark-chromium-")
    driver = open_browser(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _count(driver: webdriver.Chrome, element_id: str) -> int:
    return int(driver.find_element(By.ID, element_id).text)


def _visit_sql_tab(browser: webdriver.Chrome, sc: SparkContext, tmp_path: Path) -> None:
    """The SQL tab lists a finished DataFrame query; its page draws the plan and metrics."""
    from minispark.sql import SparkSession

    assert len(SparkSession(sc).range(50).filter("id % 5 = 0").collect()) == 10
    sc._status.queue.flush()
    browser.get(sc.uiWebUrl + "/SQL/")
    assert _count(browser, "completed-queries-count") == 1
    browser.find_element(By.CSS_SELECTOR, "#completed-queries .sql-row a").click()
    browser.save_screenshot(str(tmp_path / "sql-query.png"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#plan-graph .dag-node")) >= 2
    rows = browser.find_elements(By.CSS_SELECTOR, "#operator-metrics .operator-row")
    assert any(r.text.split()[1:3] == ["Filter", "10"] for r in rows)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_every_page_while_a_job_runs(browser, tmp_path):
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    conf = SparkConf().set("spark.ui.port", "0")
    sc = SparkContext("local[2]", APP_NAME, conf=conf)
    running = threading.Thread()
    try:
        cached = sc.parallelize(range(20), 4).setName("numbers<i>").cache()
        assert cached.count() == 20
        pairs = cached.map(lambda x: (x % 3, x))
        assert sorted(pairs.reduceByKey(lambda a, b: a + b).collect()) == [
            (k, sum(x for x in range(20) if x % 3 == k)) for k in range(3)]
        marker = str(tmp_path / "release")

        def wait_for_release(x):
            while not os.path.exists(marker):
                time.sleep(0.05)
            return x

        running = threading.Thread(
            target=lambda: sc.parallelize(range(4), 4).map(wait_for_release).collect())
        running.start()
        deadline = time.time() + 30
        while not sc._status.store.jobs("RUNNING") and time.time() < deadline:
            time.sleep(0.05)
        base = sc.uiWebUrl
        for i, page in enumerate(PAGES):
            browser.get(base + page.format(rdd=cached.id()))
            browser.save_screenshot(str(tmp_path / f"page{i}.png"))
            assert browser.execute_script("return window.pwned === undefined"), page
            assert "<script>" in browser.find_element(By.ID, "app-name").text, page
            if page == "/jobs/":
                assert _count(browser, "active-jobs-count") == 1
                assert _count(browser, "completed-jobs-count") == 2
                assert len(browser.find_elements(By.CSS_SELECTOR, "#timeline rect")) == 3
            if page == "/stages/":
                assert _count(browser, "active-stages-count") == 1
                assert _count(browser, "completed-stages-count") == 3
            if page.startswith("/stages/stage/"):
                assert len(browser.find_elements(By.CSS_SELECTOR, "#dag .dag-node")) >= 2
                assert len(browser.find_elements(By.CSS_SELECTOR, "#tasks .task-row")) == 4
            if page == "/storage/":
                assert _count(browser, "rdd-count") == 1
            if page == "/executors/":
                assert _count(browser, "active-executors-count") == 3  # driver + 2
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        assert len(list(tmp_path.glob("page*.png"))) == len(PAGES)
        open(tmp_path / "release", "w").close()
        running.join()
        _visit_sql_tab(browser, sc, tmp_path)
    finally:
        open(tmp_path / "release", "w").close()
        if running.ident is not None:
            running.join(30)
        sc.stop()
