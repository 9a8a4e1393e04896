#!/usr/bin/python3
"""check_layers.py SRC BUILD: the walls between lib/'s layers hold.

docs/hacking.md ("Layers") draws them: lib/core is pure, lib/store is the
only code that speaks SQL, lib/net the only code that speaks curl, lib/web
the only code that speaks libmicrohttpd, and the programs in daemon/ sit on
lib/service (coffeetriald also on lib/web). This test holds the tree to that
in two ways:

 1. The build: for one source file of each layer, the compiler is run with
    that file's own flags (from BUILD/compile_commands.json) on a probe
    that includes <sqlite3.h>, then <curl/curl.h>, then <microhttpd.h>. The
    probe must compile in lib/store (SQLite), lib/net (curl) and lib/web
    (libmicrohttpd) only; in
    every other layer the fence headers of fence/ must stop it.
 2. The text: no SQL, no sqlite3 name and no database spelling of a state
    outside lib/store; no curl outside lib/net, no libmicrohttpd outside
    lib/web; ct_now() read only by the
    programs (and defined in lib/core/clock.c); no ct_store_db, and the
    SQLite handle (ct_store_sqlite) used by lib/store alone.

Every finding is printed as FILE:LINE: what; the exit status is 1 if any.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SRC = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])

LAYERS = {
    "lib/core": {"sqlite": False, "curl": False, "mhd": False},
    "lib/store": {"sqlite": True, "curl": False, "mhd": False},
    "lib/net": {"sqlite": False, "curl": True, "mhd": False},
    "lib/service": {"sqlite": False, "curl": False, "mhd": False},
    "lib/web": {"sqlite": False, "curl": False, "mhd": True},
    "daemon": {"sqlite": False, "curl": False, "mhd": False},
}

problems = []


def problem(path, line, what):
    problems.append("%s:%d: %s" % (os.path.relpath(path, SRC), line, what))


def layer_of(path):
    rel = os.path.relpath(path, SRC)
    for layer in LAYERS:
        if rel.startswith(layer + "/"):
            return layer
    return None


def probe_compile(entry, header, tmp):
    """Compile a probe including header with entry's flags; True if it builds."""
    probe = os.path.join(tmp, "probe.c")
    with open(probe, "w") as f:
        f.write("#include <%s>\nint ct_probe(void);\nint ct_probe(void) { return 0; }\n" % header)
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c" or os.path.abspath(os.path.join(entry["directory"], a)) == entry["file"]:
            continue
        out.append(a)
    out += ["-fsyntax-only", probe]
    r = subprocess.run(out, cwd=entry["directory"], capture_output=True, text=True)
    return r.returncode == 0


def check_build():
    with open(os.path.join(BUILD, "compile_commands.json")) as f:
        entries = json.load(f)
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            path = os.path.abspath(os.path.join(entry["directory"], entry["file"]))
            entry["file"] = path
            layer = layer_of(path)
            if layer is None or layer in seen:
                continue
            seen.add(layer)
            for lib, header in (("sqlite", "sqlite3.h"), ("curl", "curl/curl.h"),
                                ("mhd", "microhttpd.h")):
                builds = probe_compile(entry, header, tmp)
                if builds != LAYERS[layer][lib]:
                    problem(path, 1, "#include <%s> %s in %s with this file's flags" %
                            (header, "builds" if builds else "fails", layer))
    for layer in LAYERS:
        if layer not in seen:
            problems.append("%s: no file of this layer in compile_commands.json" % layer)


SQL = re.compile(r'"[^"\n]*\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|'
                 r'CREATE\s+(TABLE|INDEX)|BEGIN\s+IMMEDIATE|PRAGMA\s)')
STATE_SQL = re.compile(r"'(planned|sent|cancelled|replaced|queued|sending|dead|active|paused|"
                       r"left|erased|request|cancel|notice)'")
STATE_CMP = re.compile(r'str(case)?cmp\([^;]*"(planned|sent|cancelled|replaced|queued|sending|'
                       r'dead|active|paused|left|erased)"')


def strip_comments(text):
    """text with every comment blanked out (newlines kept, so lines still count)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_text():
    for top in ("lib", "daemon"):
        for root, _, files in os.walk(os.path.join(SRC, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, SRC)
                if rel.startswith("fence/"):
                    continue
                layer = layer_of(path)
                with open(path, encoding="utf-8") as f:
                    lines = strip_comments(f.read()).split("\n")
                for n, text in enumerate(lines, 1):
                    if layer != "lib/store":
                        if "sqlite3" in text:
                            problem(path, n, "names sqlite3 outside lib/store")
                        if SQL.search(text):
                            problem(path, n, "SQL outside lib/store")
                        if STATE_SQL.search(text):
                            problem(path, n, "a state spelled as SQL text outside lib/store")
                        if STATE_CMP.search(text):
                            problem(path, n, "a state compared as a string; use the enum")
                    if layer != "lib/net" and "curl/curl.h" in text:
                        problem(path, n, "includes curl outside lib/net")
                    if layer != "lib/web" and "microhttpd.h" in text:
                        problem(path, n, "includes libmicrohttpd outside lib/web")
                    if "ct_store_db" in text:
                        problem(path, n, "ct_store_db() handed out the SQLite handle; it is gone")
                    if layer != "lib/store" and "ct_store_sqlite" in text:
                        problem(path, n, "the SQLite handle outside lib/store")
                    if (re.search(r"\bct_now\s*\(\s*\)", text) and top == "lib" and
                            rel not in ("lib/core/clock.c", "lib/core/clock.h")):
                        problem(path, n, "reads the clock; take `now` as an argument")
                    if ("ct_clock_set" in text and top == "lib" and
                            rel not in ("lib/core/clock.c", "lib/core/clock.h")):
                        problem(path, n, "moves the clock; pass `now` down instead")


check_build()
check_text()
for p in problems:
    print(p)
print("layers: %d problem%s" % (len(problems), "" if len(problems) == 1 else "s"))
sys.exit(1 if problems else 0)
