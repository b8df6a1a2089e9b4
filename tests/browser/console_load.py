#!/usr/bin/env python3
"""How the web console keeps up with a busy bus: a figure, never an assertion.

Runs the real `mbus-sim run scenarios/heating-plant.toml --http 0 --tcp 127.0.0.1:0`, a master on TCP
sending REQ_UD2 to two meters as fast as the answers come for --seconds, once with no page and once
with the console open in headless chromium, --runs times in turn (the reference in the same run), and
prints the bus's rate each time, the ratio, and how long after the load the page showed the last record.
"""

import argparse
import socket
import subprocess
import time
import urllib.request

# REQ_UD2 to addresses 11 and 12 (C=5B/7B: FCB toggled), each 10 C A CS 16.
REQUESTS = [bytes([0x10, 0x5B, 0x0B, 0x66, 0x16]), bytes([0x10, 0x7B, 0x0C, 0x87, 0x16])]


def one_run(args, with_page):
    sim = subprocess.Popen([args.sim, "run", "scenarios/heating-plant.toml", "--http", "0", "--tcp", "127.0.0.1:0",
                            "--quiet"], cwd=args.source, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = dict(f.split("=", 1) for f in sim.stdout.readline().split()[1:] if "=" in f)
        base = f"http://{ready['http']}"
        browser = None
        if with_page:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
            options = webdriver.ChromeOptions()
            options.binary_location = "/usr/bin/chromium"
            for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
                options.add_argument(a)
            browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            browser.get(base + "/")
            time.sleep(2)
            browser.execute_script("document.querySelector('#meters tbody tr').click()")
        host, port = ready["tcp"].rsplit(":", 1)
        master = socket.create_connection((host, int(port)))
        n = 0
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            master.sendall(REQUESTS[n % 2])
            answer = b""
            while len(answer) < 2 or len(answer) < answer[1] + 6:  # a long frame: L + 6 bytes
                answer += master.recv(4096)
            n += 1
        elapsed = time.monotonic() - start
        with urllib.request.urlopen(base + "/api/v1/buses/heating-plant/transcript?since=0") as r:
            records = len(r.read().splitlines())
        line = f"{'page' if with_page else 'none'}: {n / elapsed:6.1f} REQ_UD2/s, {records} records"
        if browser:
            last_seq = "const r = [...document.querySelectorAll('#traffic tbody tr.record[data-seq]')].pop(); return r ? Number(r.dataset.seq) : -1"
            while browser.execute_script(last_seq) < records - 1 and time.monotonic() - start < elapsed + 60:
                time.sleep(0.02)
            behind = time.monotonic() - start - elapsed
            dropped = browser.execute_script("return document.querySelectorAll('#traffic tr.kind-dropped').length")
            line += f", the page showed the last record {behind:.2f} s after the load, {dropped} dropped messages"
            browser.quit()
        return n / elapsed, line
    finally:
        sim.terminate()
        sim.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for _ in range(args.runs):
        none, a = one_run(args, False)
        page, b = one_run(args, True)
        print(a)
        print(b)
        print(f"ratio page/none: {page / none:.2f}", flush=True)


if __name__ == "__main__":
    main()
