#!/usr/bin/env python3
"""The web console in a real headless browser (Debian's chromium, chromium-driver, python3-selenium).

Starts the real `mbus-sim run scenarios/heating-plant.toml --http 0`, opens the page and checks what a
user sees and what a master then reads over the PTY with `mbus-sim read`:
- the page loads with no console errors and shows the scenario's meters;
- a value edited in the page is what the master reads;
- a fault added in the page shows as injected in the traffic view after the master's read, and no
  longer once it is switched off in the page;
- the traffic view shows the master's requests in the order of the transcript, and a row's bytes on a click.

--screenshot PATH also saves a screenshot of the page (docs/console.png); the test does not by default.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request

INSTALL = ("install them with `sudo apt-get install chromium chromium-driver python3-selenium` "
           "(scripts/setup.sh does)")


def fail(message):
    print(f"browser: FAIL: {message}", flush=True)
    sys.exit(1)


def tools():
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append(f"python3-selenium (for {sys.executable})")
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not chromium:
        missing.append("chromium")
    if not driver:
        missing.append("chromium-driver (chromedriver)")
    if missing:
        fail(f"missing {', '.join(missing)}: {INSTALL}")
    return chromium, driver


class simulator:
    """The real mbus-sim, its ready line read for the PTY and the HTTP port."""

    def __init__(self, exe, scenario, cwd, http="0", *extra):
        self.log = tempfile.NamedTemporaryFile(prefix="mbus-sim-console-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([exe, "run", scenario, "--http", http, *extra], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.ready = None
        got = threading.Event()

        def drain():
            for line in self.proc.stdout:
                if self.ready is None and line.startswith("ready"):
                    self.ready = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
                    got.set()
            got.set()

        threading.Thread(target=drain, daemon=True).start()
        if not got.wait(20) or self.ready is None:
            self.stop()
            fail(f"mbus-sim printed no ready line; its log:\n{self.log_text()}")
        if "http" not in self.ready:
            self.stop()
            fail(f"the ready line names no http=HOST:PORT: {self.ready}")
        self.pty = self.ready.get("pty")
        self.base = f"http://{self.ready['http']}"

    def log_text(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if os.path.exists(self.log.name):
            os.unlink(self.log.name)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=5) as r:
            return r.read().decode()


class attached(simulator):
    def __init__(self, where):
        http, self.pty = where.split(",", 1)
        self.base = f"http://{http}"

    def stop(self):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_meter(exe, address, pty, *extra):
    r = subprocess.run([exe, "read", str(address), pty, *extra], capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True, help="the mbus-sim binary")
    ap.add_argument("--source", required=True, help="the source tree (for scenarios/)")
    ap.add_argument("--screenshot", help="also save a screenshot of the page here (PNG)")
    ap.add_argument("--show", action="store_true", help="a visible browser window instead of headless")
    ap.add_argument("--attach", metavar="HOST:PORT,PTY",
                    help="use a simulator already running the scenario instead of starting one")
    args = ap.parse_args()
    chromium, driver_path = tools()

    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    scenario = "scenarios/heating-plant.toml"
    with open(os.path.join(args.source, scenario), "rb") as f:
        expected_meters = [m["name"] for m in tomllib.load(f)["meter"]]

    started = time.monotonic()
    sim = attached(args.attach) if args.attach else simulator(args.sim, scenario, args.source)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    if not args.show:
        options.add_argument("--headless=new")
    # Root in a container has no sandbox to offer; /dev/shm is small there.
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--window-size=1400,1200")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    downloads = tempfile.mkdtemp(prefix="mbus-sim-console-downloads-")
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    step = "start"

    def wait(what, condition, seconds=10):
        try:
            # A row replaced while it was read is read again at the next poll.
            return WebDriverWait(browser, seconds, poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition())
        except TimeoutException:
            fail(f"{step}: timed out waiting for {what}")

    def traffic_rows():
        # [seq, kind, request, what, meters, marks] of every row, in the page's order.
        return browser.execute_script("""
            return [...document.querySelectorAll('#traffic tbody tr.record')].map((r) => [
                r.dataset.seq === undefined ? null : Number(r.dataset.seq), r.dataset.kind,
                r.dataset.request || '', r.querySelector('.what').textContent,
                r.querySelector('.meters').textContent, r.querySelector('.marks').textContent, !r.hidden]);""")

    def console_errors(expected=lambda e: False):
        # get_log empties the log: each call sees what came since the one before.
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and not expected(e)]
        if errors:
            fail(f"{step}: errors in the browser console: {errors}")

    try:
        step = "the page loads"
        browser.get(sim.base + "/")
        wait("12 meter rows", lambda: len(browser.find_elements(By.CSS_SELECTOR, "#meters tbody tr")) == len(expected_meters))
        shown = [r.get_attribute("data-meter") for r in browser.find_elements(By.CSS_SELECTOR, "#meters tbody tr")]
        if shown != expected_meters:
            fail(f"{step}: the page shows meters {shown}, the scenario has {expected_meters}")
        row = browser.find_element(By.CSS_SELECTOR, '#meters tr[data-meter="mc303-flat-1"]')
        if "11" not in row.text or "KAM" not in row.text:
            fail(f"{step}: mc303-flat-1's row lacks its address 11 or maker KAM: {row.text!r}")
        wait("the stream to be live", lambda: browser.find_element(By.ID, "stream-state").get_attribute("data-state") == "open")
        print(f"browser: the page shows the {len(shown)} meters of {scenario}", flush=True)

        step = "a value edited in the page"
        row.click()
        wait("mc303-flat-1's records", lambda: browser.find_elements(By.CSS_SELECTOR, '#records tr[data-index="0"]'))
        record = browser.find_element(By.CSS_SELECTOR, '#records tr[data-index="0"]')
        if record.find_element(By.CSS_SELECTOR, ".unit").text != "kWh":
            fail(f"{step}: record 0 of mc303-flat-1 is not in kWh: {record.text!r}")
        record.find_element(By.CSS_SELECTOR, "input[name=value]").send_keys("4242")
        record.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("the page to show 4242", lambda: browser.find_element(By.CSS_SELECTOR, '#records tr[data-index="0"] .value').text == "4242")
        error = browser.find_element(By.CSS_SELECTOR, '#records tr[data-index="0"] .control-error').text
        if error:
            fail(f"{step}: the page shows an error next to the value: {error}")
        rc, out = read_meter(args.sim, 11, sim.pty)
        energy = re.search(r"^\s*Energy = (\S+) kWh$", out, re.M)
        if rc != 0 or not energy or energy.group(1) != "4242":
            fail(f"{step}: the master read (exit {rc}) {energy.group(0).strip() if energy else 'no energy'}, not 4242:\n{out}")
        print("browser: a value set in the page is what `mbus-sim read` gets: Energy = 4242 kWh", flush=True)

        step = "the browser console"
        console_errors()

        step = "a bad value"
        bad = browser.find_element(By.CSS_SELECTOR, '#records tr[data-index="0"]')
        bad.find_element(By.CSS_SELECTOR, "input[name=value]").send_keys("12.5.6")
        bad.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        reason = wait("an error next to the value",
                      lambda: browser.find_element(By.CSS_SELECTOR, '#records tr[data-index="0"] .control-error').text)
        print(f"browser: a bad value is refused next to the control: {reason}", flush=True)
        # Chromium logs the refused request itself as an error: that one, and only that one, is expected.
        console_errors(lambda e: "/records/0" in e["message"] and "400" in e["message"])

        step = "a fault added in the page"
        wait("the fault kinds", lambda: "no_answer" in [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#fault-kind option")])
        form = browser.find_element(By.ID, "add-fault-form")
        Select(form.find_element(By.NAME, "kind")).select_by_value("no_answer")
        Select(form.find_element(By.NAME, "meter")).select_by_value("sharky-boiler")
        form.find_element(By.NAME, "name").send_keys("console-silence")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("the fault in the list", lambda: browser.find_elements(By.CSS_SELECTOR, '#faults tr[data-fault="console-silence"]'))
        form_error = form.find_element(By.CSS_SELECTOR, ".control-error").text
        if form_error:
            fail(f"{step}: the form shows an error: {form_error}")
        rc, out = read_meter(args.sim, 23, sim.pty, "--retries", "0")
        if rc == 0:
            fail(f"{step}: the master read sharky-boiler although its answers are dropped:\n{out}")
        wait("an injected mark naming the fault",
             lambda: any("console-silence" in r[5] and "sharky-boiler" in r[4] for r in traffic_rows()))
        print("browser: the fault added in the page shows as injected after the master's read", flush=True)

        step = "the fault switched off in the page"
        box = browser.find_element(By.CSS_SELECTOR, '#faults tr[data-fault="console-silence"] input.fault-active')
        box.click()
        wait("the API to report the fault inactive",
             lambda: not next(f for f in json.loads(sim.get("/api/v1/buses/heating-plant/faults")) if f["name"] == "console-silence")["active"])
        injected_before = sum(1 for r in traffic_rows() if "console-silence" in r[5])
        rc, out = read_meter(args.sim, 23, sim.pty, "--retries", "0")
        if rc != 0:
            fail(f"{step}: the master could not read sharky-boiler with the fault off (exit {rc}):\n{out}")
        wait("sharky-boiler's reply", lambda: any(r[1] == "reply" and "sharky-boiler" in r[4] for r in traffic_rows()))
        injected_after = sum(1 for r in traffic_rows() if "console-silence" in r[5])
        if injected_after != injected_before:
            fail(f"{step}: {injected_after - injected_before} more injections after the fault was switched off")
        print("browser: switched off in the page, the fault injects nothing more and the master reads", flush=True)

        step = "the traffic in order"
        lines = [json.loads(l) for l in sim.get("/api/v1/buses/heating-plant/transcript?since=0").splitlines() if l.strip()]
        # The page sees what came after it connected: from its first record on, it has them all.
        first = min(r[0] for r in traffic_rows() if r[0] is not None)
        expected = [(l["seq"], l["request"], l["summary"]) for l in lines if l["kind"] == "request" and l["seq"] >= first]
        wait("every request of the transcript", lambda: len([r for r in traffic_rows() if r[1] == "request"]) >= len(expected))
        seen = [(r[0], r[2], r[3]) for r in traffic_rows() if r[1] == "request"]
        if seen[:len(expected)] != expected:
            fail(f"{step}: the page shows the requests\n{seen}\nthe transcript has\n{expected}")
        summaries = [s for _, _, s in seen]
        first_11 = next((i for i, s in enumerate(summaries) if "REQ_UD2" in s and "a=11" in s), None)
        first_23 = next((i for i, s in enumerate(summaries) if "REQ_UD2" in s and "a=23" in s), None)
        if first_11 is None or first_23 is None or first_11 > first_23:
            fail(f"{step}: REQ_UD2 to 11 then to 23 expected, the page shows {summaries}")
        print(f"browser: the traffic view shows the master's {len(seen)} requests in the transcript's order", flush=True)

        step = "the bytes of a row"
        reply = next(l for l in lines if l["kind"] == "reply" and "mc303-flat-1" in l["meters"])
        row = browser.find_element(By.CSS_SELECTOR, f'#traffic tr.record[data-seq="{reply["seq"]}"]')
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)  # not under the sticky header
        row.click()
        hex_text = wait("the hex row", lambda: browser.execute_script(
            "const n = arguments[0].nextElementSibling; return n && n.classList.contains('hex-row') ? n.textContent : ''", row))
        if hex_text.replace(" ", "").lower() != reply["hex"].lower():
            fail(f"{step}: the page shows {hex_text!r}, the transcript has {reply['hex']}")

        step = "the meter filter"
        Select(browser.find_element(By.ID, "filter-meter")).select_by_value("sharky-boiler")
        visible = [r for r in traffic_rows() if r[6] and r[1] in ("request", "reply", "silence")]
        if not visible or any("sharky-boiler" not in r[4] for r in visible):
            fail(f"{step}: filtered on sharky-boiler the page shows {visible}")
        Select(browser.find_element(By.ID, "filter-meter")).select_by_value("")

        step = "a collision marked"
        # The twins share an identification number: both answer its select, and their E5s garble.
        rc, out = read_meter(args.sim, "71234599", sim.pty, "--retries", "0")
        if rc == 0:
            fail(f"{step}: the master read 71234599 although two meters answer it:\n{out}")
        wait("a reply marked collision from both twins",
             lambda: any(r[1] == "reply" and "collision" in r[5] and "twin-kamstrup twin-diehl" in r[4] for r in traffic_rows()))
        Select(browser.find_element(By.ID, "filter-kind")).select_by_value("marked")
        visible = [r for r in traffic_rows() if r[6] and r[0] is not None]
        if not visible or any(not r[5] for r in visible):
            fail(f"{step}: the marked rows filter shows {visible}")
        Select(browser.find_element(By.ID, "filter-kind")).select_by_value("")
        print("browser: a collision is marked, and the marked rows filter keeps only marked rows", flush=True)

        step = "pause and clear"
        before = len(traffic_rows())
        browser.find_element(By.ID, "pause-button").click()
        rc, out = read_meter(args.sim, 13, sim.pty)
        held = wait("the page to count the records held", lambda: re.search(r"(\d+) new records", browser.find_element(By.ID, "paused-note").text))
        if len(traffic_rows()) != before:
            fail(f"{step}: rows appeared while paused")
        browser.find_element(By.ID, "pause-button").click()
        # More may have come since the note was read; none is lost.
        wait("the held records shown", lambda: len(traffic_rows()) >= before + int(held.group(1)))
        last = max(json.loads(l)["seq"] for l in sim.get("/api/v1/buses/heating-plant/transcript?since=0").splitlines() if l.strip())
        wait("the last record after resume", lambda: traffic_rows()[-1][0] == last)
        browser.find_element(By.ID, "clear-button").click()
        if traffic_rows():
            fail(f"{step}: rows left after clear")
        print(f"browser: paused, the page held {held.group(1)} records and showed them on resume; clear empties the view", flush=True)

        step = "a fault with a parameter"
        # The form's inputs come from GET /fault-kinds; delay_ms is typed "milliseconds" there.
        form = browser.find_element(By.ID, "add-fault-form")
        Select(form.find_element(By.NAME, "kind")).select_by_value("late")
        Select(form.find_element(By.NAME, "meter")).select_by_value("mc303-flat-3")
        form.find_element(By.NAME, "name").send_keys("console-late")
        wait("the delay_ms input", lambda: form.find_elements(By.NAME, "param-delay_ms"))
        form.find_element(By.NAME, "param-delay_ms").send_keys("5")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("the fault in the list", lambda: browser.find_elements(By.CSS_SELECTOR, '#faults tr[data-fault="console-late"]'))
        rc, out = read_meter(args.sim, 13, sim.pty)
        if rc != 0:
            fail(f"{step}: a 5 ms delay kept the master from reading mc303-flat-3 (exit {rc}):\n{out}")
        wait("an injected mark naming the late fault", lambda: any("console-late" in r[5] for r in traffic_rows()))
        browser.find_element(By.CSS_SELECTOR, '#faults tr[data-fault="console-late"] button.fault-remove').click()
        print("browser: a fault with a parameter, from the kinds' form, injects as asked", flush=True)

        step = "a fault removed in the page"
        browser.find_element(By.CSS_SELECTOR, '#faults tr[data-fault="console-silence"] button.fault-remove').click()
        wait("the fault gone from the page", lambda: not browser.find_elements(By.CSS_SELECTOR, '#faults tr[data-fault="console-silence"]'))
        if any(f["name"] == "console-silence" for f in json.loads(sim.get("/api/v1/buses/heating-plant/faults"))):
            fail(f"{step}: the API still lists the fault removed in the page")

        step = "the counters"
        def counted():
            api = json.loads(sim.get("/api/v1/buses/heating-plant/counters"))["by_kind"]["REQ_UD2"]["received"]
            shown = browser.execute_script("""
                const row = [...document.querySelectorAll('#counters table:first-child tbody tr')]
                    .find((r) => r.cells[0].textContent === 'REQ_UD2');
                return row ? Number(row.cells[1].textContent) : -1;""")
            return api > 0 and shown == api
        wait("REQ_UD2 received as the API counts it", counted)

        step = "the transcript download"
        browser.find_element(By.ID, "transcript-link").click()
        path = os.path.join(downloads, "heating-plant-transcript.jsonl")
        wait("the downloaded transcript", lambda: os.path.exists(path) and os.path.getsize(path) > 0)
        with open(path, encoding="utf-8") as f:
            got = [json.loads(l)["seq"] for l in f if l.strip()]
        if not got or got != list(range(got[0], got[0] + len(got))) or len(got) < len(lines):
            fail(f"{step}: the file holds records {got[:5]}... ({len(got)}), the transcript had {len(lines)}")
        print("browser: a fault removed in the page is gone; the counters are the API's; the transcript downloads", flush=True)

        step = "a meter added in the page"
        browser.find_element(By.CSS_SELECTOR, ".add-meter summary").click()
        form = browser.find_element(By.ID, "add-meter-form")
        for key, value in (("name", "console-extra"), ("model", "models/water-meter.toml"), ("address", "60"), ("id", "12345678")):
            form.find_element(By.NAME, key).send_keys(value)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("the new meter's row", lambda: browser.find_elements(By.CSS_SELECTOR, '#meters tr[data-meter="console-extra"]'))
        rc, out = read_meter(args.sim, 60, sim.pty)
        if rc != 0 or "id 12345678" not in out:
            fail(f"{step}: the master does not read the meter added in the page (exit {rc}):\n{out}")

        step = "a meter taken off the bus in the page"
        browser.find_element(By.CSS_SELECTOR, '#meters tr[data-meter="console-extra"]').click()
        wait("the meter's panel", lambda: browser.find_element(By.ID, "meter-title").text == "console-extra")
        state = lambda: browser.find_element(By.CSS_SELECTOR, '#meters tr[data-meter="console-extra"] td.state').text
        browser.find_element(By.ID, "presence-button").click()
        wait("the meter shown absent", lambda: state().startswith("absent"))
        rc, out = read_meter(args.sim, 60, sim.pty, "--retries", "0")
        if rc == 0:
            fail(f"{step}: the master still reads the meter taken off the bus:\n{out}")
        browser.find_element(By.ID, "presence-button").click()
        wait("the meter shown present", lambda: state() in ("present", "selected"))
        rc, out = read_meter(args.sim, 60, sim.pty)
        if rc != 0:
            fail(f"{step}: the master cannot read the meter put back (exit {rc}):\n{out}")
        browser.find_element(By.ID, "power-cycle-button").click()
        wait("the power cycle in the traffic", lambda: any(r[1] == "event" and "console-extra" in r[3] and "power" in r[3] for r in traffic_rows()))
        if browser.find_element(By.ID, "meter-error").text:
            fail(f"{step}: {browser.find_element(By.ID, 'meter-error').text}")
        print("browser: a meter added in the page is read by the master, off the bus it is not, back it is; power-cycled", flush=True)

        step = "a tablet's width"
        # Portrait tablet: one column, nothing wider than the screen.
        browser.set_window_size(800, 1100)
        layout = lambda: browser.execute_script("""
            const box = (s) => document.querySelector(s).getBoundingClientRect();
            return {one_column: box('.meter-panel').top >= box('.meters-panel').bottom,
                    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};""")
        wait("one column", lambda: layout()["one_column"])
        if layout()["overflow"] > 0:
            fail(f"{step}: the page is {layout()['overflow']} px wider than the window")
        browser.set_window_size(1400, 1200)
        wait("two columns again", lambda: not layout()["one_column"])

        step = "the browser console"
        console_errors()

        if args.screenshot:
            browser.find_element(By.CSS_SELECTOR, '#meters tr[data-meter="sharky-boiler"]').click()
            time.sleep(1.5)
            browser.execute_script("document.getElementById('traffic-scroll').scrollTop = 1e9; window.scrollTo(0, 0)")
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(1400, min(max(height, 900), 2200))
            time.sleep(0.5)
            browser.save_screenshot(args.screenshot)
            print(f"browser: screenshot in {args.screenshot}", flush=True)

        step = "a token, two buses, and the stream back after a restart"
        # A second simulator on a port of our own, with a token: the page gets it once in its URL and
        # must send it to the API (a header) and to the stream (the query string).
        # It serves two buses: the page offers a selector.
        port = free_port()
        water = "scenarios/water-meters.toml"
        with open(os.path.join(args.source, water), "rb") as f:
            water_meters = [m["name"] for m in tomllib.load(f)["meter"]]
        second = simulator(args.sim, scenario, args.source, f"127.0.0.1:{port}", water, "--http-token", "s3cret")
        try:
            browser.get(f"http://127.0.0.1:{port}/?token=s3cret")
            wait("the meters with the token", lambda: len(browser.find_elements(By.CSS_SELECTOR, "#meters tbody tr")) == len(expected_meters))
            wait("the stream with the token", lambda: browser.find_element(By.ID, "stream-state").get_attribute("data-state") == "open")
            if "token" in browser.current_url:
                fail(f"{step}: the token stays in the address bar: {browser.current_url}")
            meter_names = lambda: browser.execute_script(
                "return [...document.querySelectorAll('#meters tbody tr')].map((r) => r.dataset.meter)")
            buses = Select(browser.find_element(By.ID, "bus-select"))
            buses.select_by_value("water")
            wait("the water bus's meters", lambda: meter_names() == water_meters)
            buses.select_by_value("heating-plant")
            wait("the heating plant's meters again", lambda: meter_names() == expected_meters)
            wait("the heating plant's stream", lambda: browser.find_element(By.ID, "stream-state").get_attribute("data-state") == "open")
            second.stop()
            wait("the page to see the stream drop", lambda: browser.find_element(By.ID, "stream-state").get_attribute("data-state") == "closed")
            # Restarted with room for one waiting record per stream client: a master's exchanges come
            # faster than that, and the server drops records and says how many.
            second = simulator(args.sim, scenario, args.source, f"127.0.0.1:{port}", water, "--http-token", "s3cret",
                               "--http-stream-queue", "1")
            wait("the stream back", lambda: browser.find_element(By.ID, "stream-state").get_attribute("data-state") == "open", 15)
            dropped = lambda: [r[3] for r in traffic_rows() if r[1] == "dropped"]
            for _ in range(5):
                rc, out = read_meter(args.sim, 12, second.pty)
                if rc != 0:
                    fail(f"{step}: the master could not read mc303-flat-2 from the restarted simulator:\n{out}")
                wait("the restarted simulator's traffic", lambda: any("a=12" in r[3] for r in traffic_rows()))
                time.sleep(0.3)
                if dropped():
                    break
            if not dropped() or not all(re.fullmatch(r"dropped \d+ records: .*", d) for d in dropped()):
                fail(f"{step}: no 'dropped N records' row although the server had room for one record: {dropped()}")
            console_errors(lambda e: "stream" in e["message"] or "ERR_CONNECTION_REFUSED" in e["message"])
        finally:
            second.stop()
        print("browser: with a token the page reads the API and the stream, switches buses, reconnects after a restart, "
              "and says when the server dropped records", flush=True)
    finally:
        browser.quit()
        sim.stop()
        shutil.rmtree(downloads, ignore_errors=True)
    print(f"browser: console passed in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
