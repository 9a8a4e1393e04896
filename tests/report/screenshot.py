#!/usr/bin/python3
"""screenshot.py: the picture of an HTML report kept in docs/, small.

Renders HTML with headless Chromium (as render_html.py does) at 1200 pixels
wide and reduces it to a 256-colour palette PNG, a third of the size with
no visible difference for flat charts and text.

    /usr/bin/python3 tests/report/screenshot.py report.html docs/report.png --height 2950
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngio import read_png, write_palette_png  # noqa: E402
from render_html import render  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("html")
    ap.add_argument("png")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=2950)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ct-shot.")
    try:
        full = os.path.join(work, "full.png")
        render(os.path.abspath(args.html), full, work, args.width, args.height)
        width, height, rows = read_png(full)
        if width is None:
            sys.exit("screenshot.py: chromium wrote an unexpected PNG")
        write_palette_png(args.png, rows)
        print("%s: %dx%d, %d bytes" % (args.png, width, height, os.path.getsize(args.png)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
