#!/usr/bin/python3
"""plan_exact.py: "round plan --exact" and "total_score" through the real
binary. On the shipped example roster and a generated one of 400 members:
the JSON's total_score is the sum of its groups' scores; --exact says the
plan is proven optimal (text and JSON) and is never below the plain plan
of the same seed (up to 6,000 members the plain plan is priced to the
optimum too, so they are equal); round show keeps the total of the
written plan; the help and the usage error name the option. The engine's
--exact against brute force and on the sampled path is in
tests/unit/test_pairing.c.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
NOW = "2027-03-01T08:00:00Z"

failures = []
tmp = tempfile.mkdtemp(prefix="ct-exact-")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def run(*args, cwd):
    env = dict(os.environ)
    env["COFFEETRIAL_CONFIG"] = ""
    env["COFFEETRIAL_TEST_NOW"] = NOW
    return subprocess.run([BIN] + list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240)


def ok(*args, cwd):
    r = run(*args, cwd=cwd)
    check(r.returncode == 0, "coffeetrial %s: exit %d\n%s%s"
          % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def plan_json(cwd, *extra):
    r = ok("round", "plan", "--seed", "7", "--format", "json", *extra, cwd=cwd)
    try:
        return json.loads(r.stdout)
    except ValueError:
        check(False, "round plan %s: not JSON: %r" % (" ".join(extra), r.stdout[:200]))
        return None


def network(name, roster):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    ok("roster", "import", roster, cwd=d)
    plain = plan_json(d, "--dry-run")
    exact = plan_json(d, "--dry-run", "--exact")
    if plain is None or exact is None:
        return
    for what, p in (("plain", plain), ("exact", exact)):
        check(isinstance(p.get("total_score"), (int, float)), "%s %s: total_score" % (name, what))
        total = sum(g["score"] for g in p["groups"])
        check(abs(total - p["total_score"]) <= 0.005 * len(p["groups"]) + 0.01,
              "%s %s: total_score %s is the sum of the groups' scores %.2f"
              % (name, what, p["total_score"], total))
    check("optimal" not in plain, "%s: a plan without --exact says nothing of optimality" % name)
    check(exact.get("optimal") is True, "%s: --exact proves the optimum" % name)
    check(exact["total_score"] >= plain["total_score"] - 0.01,
          "%s: --exact %.2f below the plan %.2f" % (name, exact["total_score"],
                                                    plain["total_score"]))
    check(abs(exact["total_score"] - plain["total_score"]) <= 0.01,
          "%s: under 6,000 members the plan is the optimum (%.2f vs %.2f)"
          % (name, plain["total_score"], exact["total_score"]))
    grouped = sorted(m for g in exact["groups"] for m in g["members"])
    check(len(grouped) == len(set(grouped)), "%s: --exact groups everyone once" % name)
    text = ok("round", "plan", "--seed", "7", "--dry-run", "--exact", cwd=d).stdout
    check("proven optimal over every allowed pair" in text, "%s: text says proven optimal" % name)
    # A written --exact plan: round show reports the same total.
    ok("round", "plan", "--seed", "7", "--exact", cwd=d)
    shown = json.loads(ok("round", "show", "1", "--format", "json", cwd=d).stdout)
    check(abs(shown["total_score"] - exact["total_score"]) <= 0.01,
          "%s: round show total_score %.2f, planned %.2f"
          % (name, shown["total_score"], exact["total_score"]))


network("example", os.path.join(SRC, "conf", "roster.example.csv"))
gen = os.path.join(tmp, "r400.csv")
subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests", "bench", "gen_roster.py"), "400",
                "--seed", "3", "-o", gen], check=True)
network("generated", gen)

d = os.path.join(tmp, "help")
os.mkdir(d)
h = run("round", "plan", "--help", cwd=d)
check("--exact" in h.stdout + h.stderr, "round plan --help lists --exact")
bad = run("round", "plan", "--exact=yes", cwd=d)
check(bad.returncode == 64, "--exact takes no value (exit %d)" % bad.returncode)

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
