#!/usr/bin/env python3
"""Drives the iot-hub web console in headless Chromium (Debian's chromium + chromedriver,
python3-selenium) through one admin's session; see console_browser_test.cc.

The admin token comes from the environment (IOTHUB_CONSOLE_TOKEN), never from argv or a
URL. Each step leaves a screenshot in --artifacts. Exit 0 when every step passed.
"""
import argparse
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT_S = 15


class Console:
    def __init__(self, args):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,1000", "--no-first-run",
                     f"--user-data-dir={args.profile}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.url = args.url
        self.artifacts = args.artifacts
        self.step = 0

    def shot(self, name):
        self.step += 1
        path = os.path.join(self.artifacts, f"{self.step:02d}-{name}.png")
        self.driver.save_screenshot(path)
        print(f"[browser] step {self.step}: {name} ({path})", flush=True)

    def wait(self, condition, what, timeout=WAIT_S):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(condition)
        except TimeoutException:
            self.shot("FAILED-" + what.replace(" ", "-"))
            raise AssertionError(f"timed out waiting for {what}")

    def element(self, css, what=None):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), what or css)

    def text_in(self, css, text, what):
        return self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), what)

    def go(self, hash_route):
        self.driver.get(self.url + hash_route)

    def log_errors(self):
        try:
            for entry in self.driver.get_log("browser"):
                print(f"[browser console] {entry['level']}: {entry['message']}", flush=True)
        except Exception:  # not every driver keeps the log
            pass


def sign_in(c, token):
    c.go("")
    c.element("#token").send_keys(token)
    c.shot("sign-in")
    c.element("#signin").click()
    c.element("#count-devices", "the overview")
    c.text_in("#caller", "admin", "the signed-in admin")
    if token in c.driver.current_url:
        raise AssertionError("the token is in the URL")
    c.shot("overview")


def device_online(c, device):
    c.go("#/devices")
    search = c.element("#device-search")
    search.send_keys(device)
    row = f'tr[data-device="{device}"]'
    c.text_in(f"{row} .state", "online", "the device online in the list")
    c.shot("device-online")
    # The list is redrawn every few seconds: open the device by its link's address.
    c.go(f"#/device/{device}")
    c.text_in("#device-presence", "online", "the device page saying online")


def send_rpc(c):
    Select(c.element("#method")).select_by_value("getDeviceState")
    c.element("#send").click()
    c.text_in("#reply", '"result"', "the getDeviceState reply")
    c.text_in("#rpc-latency", " ms", "the latency")
    c.shot("rpc-reply")
    print(f"[browser] {c.element('#rpc-latency').text}", flush=True)


def deny_rule_explained(c, device, owner):
    topic = f"users/{owner}/devices/{device}/telemetry"
    c.go("#/rules")
    c.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#rules table, #rules .message"),
           "the rules list")
    Select(c.element("#rule-effect")).select_by_value("deny")
    Select(c.element("#rule-who")).select_by_value("device")
    Select(c.element("#rule-action")).select_by_value("publish")
    c.element("#rule-topic").send_keys(topic)
    c.element("#rule-description").send_keys("browser test: no telemetry")
    c.element("#rule-save").click()
    c.text_in("#rules-note", "Rule added", "the rule added")
    row = c.wait(EC.presence_of_element_located(
        (By.XPATH, f"//div[@id='rules']//tr[td[text()='{topic}']]")), "the new rule in the list")
    rule_id = row.get_attribute("data-rule")
    c.shot("rule-added")
    Select(c.element("#explain-kind")).select_by_value("deviceId")
    c.element("#explain-subject").send_keys(device)
    Select(c.element("#explain-action")).select_by_value("publish")
    c.element("#explain-topic").send_keys(topic)
    c.element("#explain-run").click()
    c.text_in("#explain-decision", "DENY", "the explain decision")
    decision = c.element("#explain-decision").text
    if rule_id not in decision:
        raise AssertionError(f"explain does not name rule {rule_id}: {decision}")
    c.shot("explain-names-rule")


def revoke(c, device):
    c.go(f"#/device/{device}")
    c.element("#revoke").click()
    c.element("#revoke-confirm").click()
    c.text_in("#revoke-result", "revoked", "the revocation")
    c.text_in("#device-presence", "offline", "the device offline")
    c.text_in("#device-status", "revoked", "the device revoked")
    c.shot("device-revoked-offline")
    c.go("#/overview")
    c.element("#count-online")
    c.text_in("#count-online .n", "0", "nobody online in the overview")
    c.shot("overview-after-revoke")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--profile", required=True)
    args = parser.parse_args()
    token = os.environ.get("IOTHUB_CONSOLE_TOKEN", "")
    if not token:
        print("IOTHUB_CONSOLE_TOKEN is not set", file=sys.stderr)
        return 2
    started = time.monotonic()
    c = Console(args)
    try:
        sign_in(c, token)
        device_online(c, args.device)
        send_rpc(c)
        deny_rule_explained(c, args.device, args.owner)
        revoke(c, args.device)
    except AssertionError as failure:
        c.log_errors()
        print(f"[browser] FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        c.driver.quit()
    print(f"[browser] all steps passed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
