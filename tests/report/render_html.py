#!/usr/bin/python3
"""render_html.py: the HTML report as a browser sees it.

Builds a year of history on the example roster, writes the HTML report and
checks that it is one well-formed, self-contained page (balanced tags, every
SVG chart parses as XML, no script, nothing fetched). Then renders it with
headless Chromium (Debian's chromium, background networking off) to a PNG
and checks that the picture has the expected size, is not blank, and shows
the charts' colours. With --keep PATH the PNG is kept (docs/report.png).

Environment: CT_BIN (coffeetrial), CT_SRC (source tree).
"""

import html.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngio import read_png  # noqa: E402

WIDTH, HEIGHT = 1200, 2000
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
# Okabe-Ito colours the bar charts fill large areas with.
CHART_COLOURS = {(0x00, 0x72, 0xB2): "blue (participation bars)",
                 (0x00, 0x9E, 0x73): "green (met)",
                 (0xD5, 0x5E, 0x00): "vermillion (did not meet)"}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Balance(html.parser.HTMLParser):
    """Checks that every element is closed in order; collects what loads things."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action") or (
                    value and re.search(r"url\(|https?:", value) and
                    value != "http://www.w3.org/2000/svg"):
                self.problems.append("%s %s=%r loads something" % (tag, name, value))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append("</%s> at line %d closes %s" % (
                tag, self.getpos()[0], self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()


def check_page(text):
    if not text.startswith("<!DOCTYPE html>"):
        fail("no doctype")
    p = Balance()
    p.feed(text)
    p.close()
    if p.stack:
        p.problems.append("unclosed: %s" % p.stack)
    if p.problems:
        fail("HTML not well-formed or not self-contained:\n  " + "\n  ".join(p.problems[:10]))
    for bad in ("script", "iframe", "object", "embed", "img", "link"):
        if bad in p.tags:
            fail("the page has a <%s> element" % bad)
    if re.search(r"@import|url\(", text):
        fail("the CSS loads something")
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    if len(svgs) < 5:
        fail("expected at least 5 charts, found %d" % len(svgs))
    for i, svg in enumerate(svgs):
        try:
            ET.fromstring(svg)
        except ET.ParseError as e:
            fail("chart %d is not well-formed XML: %s" % (i + 1, e))
    return len(svgs)


def render(page, png, workdir, width=WIDTH, height=HEIGHT):
    chromium = shutil.which("chromium")
    if chromium is None:
        fail("chromium is not installed (scripts/deps.sh test installs it)")
    profile = tempfile.mkdtemp(dir=workdir)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-default-apps", "--disable-extensions",
           "--user-data-dir=" + profile, "--hide-scrollbars",
           "--window-size=%d,%d" % (width, height), "--screenshot=" + png,
           "file://" + page]
    env = dict(os.environ, HOME=workdir)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        fail("chromium did not finish within 120 s")
    if proc.returncode != 0 or not os.path.exists(png):
        fail("chromium failed (exit %d):\n%s" % (proc.returncode, out.decode(errors="replace")[-2000:]))


def main():
    keep = None
    if len(sys.argv) == 3 and sys.argv[1] == "--keep":
        keep = sys.argv[2]
    ct, src = os.environ["CT_BIN"], os.environ["CT_SRC"]
    work = tempfile.mkdtemp(prefix="ct-html.")
    try:
        env = dict(os.environ)
        env.pop("COFFEETRIAL_CONFIG", None)
        db = os.path.join(work, "coffeetrial.db")

        def run(*args):
            r = subprocess.run([ct] + list(args), cwd=work, env=env, capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                fail("coffeetrial %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr))
            return r

        run("roster", "import", os.path.join(src, "conf", "roster.example.csv"))
        subprocess.run([sys.executable, os.path.join(src, "tests", "report", "make_history.py"),
                        db, "--rounds", "12", "--seed", "11", "--planned-last"], check=True)
        page = os.path.join(work, "report.html")
        run("report", "--format", "html", "--out", page)
        text = open(page, encoding="utf-8").read()
        charts = check_page(text)

        png = os.path.join(work, "report.png")
        render(page, png, work)
        width, height, rows = read_png(png, step=4)
        if width is None:
            fail("%s is not an 8-bit RGB(A) PNG" % png)
        if (width, height) != (WIDTH, HEIGHT):
            fail("screenshot is %dx%d, want %dx%d" % (width, height, WIDTH, HEIGHT))
        counts = {}
        for row in rows:
            for px in row:
                counts[px] = counts.get(px, 0) + 1
        total = sum(counts.values())
        background = max(counts.values())
        if len(counts) < 50:
            fail("only %d distinct colours: the page looks blank" % len(counts))
        if background > 0.9 * total:
            fail("%.0f%% of the page is one colour: nothing rendered" % (100.0 * background / total))
        missing = [name for rgb, name in CHART_COLOURS.items()
                   if counts.get(rgb, 0) < 200]
        if missing:
            fail("the charts' colours are missing from the picture: " + ", ".join(missing))
        if keep:
            shutil.copyfile(png, keep)
        print("ok: %d charts, %d colours, background %.0f%%" % (
            charts, len(counts), 100.0 * background / total))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
