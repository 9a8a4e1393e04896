#!/usr/bin/python3
"""daemon.browser: a member's pages in a real browser (Debian's headless
Chromium driven by chromedriver and python3-selenium) against the real
coffeetriald: open the preferences link from a spooled invitation, read
the page, change the preferences with the keyboard-reachable controls,
press the one button, see the result; then skip the round the same way.
Each page is checked at 1200 px and at a 390 px phone (DevTools device
emulation: a headless window is never narrower than 500 px) for no
sideways scrolling, and saved as a screenshot in $CT_ARTEFACTS."""

import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import Daemon, base_env, check, scratch  # noqa: E402

CLI = os.environ["CT_BIN"]
ROSTER = os.path.join(os.environ["CT_SRC"], "tests", "data", "roster-small.csv")
ART = os.environ.get("CT_ARTEFACTS") or scratch()
NOW = "2027-03-01T08:00:00Z"
os.makedirs(ART, exist_ok=True)
d = scratch()


def cli(*args):
    p = subprocess.run([CLI, "-c", os.path.join(d, "c.ini")] + list(args), cwd=d,
                       env=base_env(COFFEETRIAL_TEST_NOW=NOW), capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, "coffeetrial %s: %s" % (" ".join(args), p.stderr))


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
base = "http://127.0.0.1:%d" % port
with open(os.path.join(d, "c.ini"), "w") as f:
    f.write("[network]\nname = Riverside Coffee\n[web]\npublic_url = %s\nsecret_file = key\n"
            "listen = 127.0.0.1:%d\n" % (base, port))
cli("web", "keygen", "key")
cli("roster", "import", ROSTER)
cli("round", "plan", "--seed", "7")
cli("round", "send", "1")
cli("outbox", "flush")
eml = sorted(os.listdir(os.path.join(d, "spool")))[0]
with open(os.path.join(d, "spool", eml), "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
html = msg.get_body(("html",)).get_content()
links = dict(re.findall(r'href="(%s/([a-z]+)/[^"]+)"' % re.escape(base), html) and
             [(w, u) for u, w in re.findall(r'href="(%s/([a-z]+)/[^"]+)"' % re.escape(base), html)])
check("preferences" in links and "skip" in links, "the invitation links the pages: %s" % links)

daemon = Daemon(["-c", os.path.join(d, "c.ini")], d, COFFEETRIAL_TEST_NOW=NOW)
daemon.wait_log(r"members' pages served on")

opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1200,900", "--user-data-dir=" + os.path.join(d, "chrome")):
    opts.add_argument(a)
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
browser.set_page_load_timeout(30)


def heading(want=None, timeout=20):
    """The page's h1 once the next page is there (want, when given); survives navigation."""
    deadline = time.monotonic() + timeout
    text = None
    while time.monotonic() < deadline:
        try:
            text = browser.find_element(By.TAG_NAME, "h1").text
            if want is None or want in text:
                return text
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        time.sleep(0.1)
    return text


def shoot(name):
    """Screenshots at 1200 px and at a 390 px phone; no sideways scroll at either."""
    for width, mobile in ((1200, False), (390, True)):
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": 900, "deviceScaleFactor": 1,
                                 "mobile": mobile})
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        check(scroll <= width, "%s at %d px scrolls sideways (%d px)" % (name, width, scroll))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": max(600, min(height, 2400)),
                                 "deviceScaleFactor": 1, "mobile": mobile})
        browser.save_screenshot(os.path.join(ART, "%s-%d.png" % (name, width)))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


try:
    browser.get(links["preferences"])
    check(browser.find_element(By.TAG_NAME, "h1").text == "Your preferences",
          "the preferences page: %s" % browser.title)
    check("Riverside Coffee" in browser.title, "the title names the network: %s" % browser.title)
    check(browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "lang")
    # Every text control has a label the browser ties to it.
    for el in browser.find_elements(By.CSS_SELECTOR, "input[type=text], textarea, select"):
        labels = browser.execute_script("return arguments[0].labels.length", el)
        check(labels == 1, "control %s has a label" % el.get_attribute("name"))
    shoot("preferences")
    greeting = browser.find_element(By.ID, "greeting")
    greeting.clear()
    greeting.send_keys("Ana")
    browser.find_element(By.ID, "working_hours").send_keys("08:00-16:00")
    browser.find_element(By.CSS_SELECTOR, "input[name=days][value=TU]").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=video]").click()
    browser.find_element(By.ID, "intro").send_keys("Nurse on ward 7; happy to talk rotas & tea.")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    check(heading("are saved") == "Your preferences are saved",
          "saved: %s" % browser.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    check("Ana" in body and "08:00-16:00" in body and "rotas & tea" in body,
          "the result shows what was saved: %s" % body)
    shoot("preferences-saved")
    browser.get(links["preferences"])
    check(browser.find_element(By.ID, "greeting").get_attribute("value") == "Ana",
          "the page shows the saved name again")

    browser.get(links["skip"])
    check(browser.find_element(By.TAG_NAME, "h1").text == "Skip this round?", "the skip page")
    shoot("skip")
    button = browser.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.send_keys("\n")  # by keyboard
    check(heading("skipping") == "You are skipping this round",
          "skipped: %s" % browser.find_element(By.TAG_NAME, "body").text)
    shoot("skip-done")
    browser.get(links["pause"])
    shoot("pause")
    browser.get(links["checkin"])
    shoot("checkin")
    browser.get(links["stop"])
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    check("left the coffee trial" in heading("left the coffee trial"), "stopped")
    shoot("stop-done")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    check(heading("Welcome back") == "Welcome back", "the undo button")
finally:
    browser.quit()
for name in ("preferences", "preferences-saved", "skip", "skip-done", "pause", "checkin",
             "stop-done"):
    for width in (1200, 390):
        path = os.path.join(ART, "%s-%d.png" % (name, width))
        check(os.path.getsize(path) > 5000, "screenshot %s" % path)
print("ok: screenshots in %s" % ART)
