#!/usr/bin/python3
"""make_history.py: give a database a plausible history of sent rounds, for
report tests and screenshots while the real pairing engine is elsewhere.

The database must already hold members (coffeetrial roster import). Each
round pairs the eligible members at random, preferring a partner from an
organisation the member has not met and never repeating a pair; an odd
count makes one trio; a few members stay unpaired. Invitations are
recorded in the outbox (most delivered, a few failed), answers in
group_members.partstat, and outcomes for most groups. The last round can be
left planned. The same seed always gives the same history.

    /usr/bin/python3 make_history.py DB --rounds 12 --seed 7 [--planned-last]
"""

import argparse
import datetime
import random
import sqlite3


def month_dates(start, n):
    """The first Monday of n consecutive months from start (a date)."""
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        d = datetime.date(y, m, 1)
        while d.weekday() != 0:
            d += datetime.timedelta(days=1)
        out.append(d)
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-01-01")
    ap.add_argument("--planned-last", action="store_true")
    ap.add_argument("--accept", type=float, default=0.8)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = ON")
    members = db.execute(
        "SELECT id, organisation, frequency FROM members WHERE status = 'active' ORDER BY id"
    ).fetchall()
    org = {m[0]: m[1] for m in members}
    freq = {m[0]: m[2] for m in members}
    met_orgs = {m[0]: set() for m in members}
    grouped = set()
    dates = month_dates(datetime.date.fromisoformat(args.start), args.rounds)
    now = 1767225600  # 2026-01-01
    msg = 0

    for r, date in enumerate(dates):
        planned = args.planned_last and r == args.rounds - 1
        state = "planned" if planned else "sent"
        t = now + r * 30 * 86400
        cur = db.execute(
            "INSERT INTO rounds (date, seed, state, created_at, sent_at) VALUES (?, ?, ?, ?, ?)",
            (date.isoformat(), rng.randrange(1 << 30), state, t, None if planned else t),
        )
        round_id = cur.lastrowid
        eligible = [m for m in org if r % freq[m] == 0]
        rng.shuffle(eligible)
        # A few members find no partner (exclusions, working hours).
        unpaired = [m for m in eligible if rng.random() < 0.01]
        pool = [m for m in eligible if m not in unpaired]
        groups = []
        while len(pool) >= 2:
            a = pool.pop()
            best, best_score = None, None
            for i, b in enumerate(pool[:60]):
                if (min(a, b), max(a, b)) in grouped:
                    continue
                score = rng.random()
                if org[a] != org[b]:
                    score += 2
                if org[b] not in met_orgs[a]:
                    score += 1
                if org[a] not in met_orgs[b]:
                    score += 1
                if best_score is None or score > best_score:
                    best, best_score = i, score
            if best is None:
                unpaired.append(a)
                continue
            groups.append([a, pool.pop(best)])
        if pool:
            if groups:
                groups[-1].append(pool.pop())
            else:
                unpaired.extend(pool)
        for m in unpaired:
            db.execute(
                "INSERT INTO unpaired (round_id, member_id, reason) VALUES (?, ?, ?)",
                (round_id, m, "no eligible partner"),
            )
        for g in groups:
            cur = db.execute(
                "INSERT INTO groups (round_id, uid, state, score) VALUES (?, ?, ?, 1.0)",
                (round_id, "ct-%d-%s@example.org" % (round_id, "-".join(map(str, g))), state),
            )
            gid = cur.lastrowid
            answers = {}
            for m in g:
                if planned:
                    ps = "NEEDS-ACTION"
                else:
                    x = rng.random()
                    ps = ("ACCEPTED" if x < args.accept else
                          "DECLINED" if x < args.accept + 0.07 else
                          "TENTATIVE" if x < args.accept + 0.1 else "NEEDS-ACTION")
                answers[m] = ps
                db.execute(
                    "INSERT INTO group_members (group_id, member_id, partstat) VALUES (?, ?, ?)",
                    (gid, m, ps),
                )
                if not planned:
                    msg += 1
                    db.execute(
                        "INSERT INTO outbox (message_id, kind, group_id, member_id, recipient,"
                        " subject, method, text_body, message, state, next_attempt_at,"
                        " created_at) VALUES (?, 'request', ?, ?, 'x@example.org', 's',"
                        " 'REQUEST', 't', 'm', ?, ?, ?)",
                        ("m%d@example.org" % msg, gid, m,
                         "dead" if rng.random() < 0.02 else "sent", t, t),
                    )
            if planned:
                continue
            for i in range(len(g)):
                for j in range(i + 1, len(g)):
                    a, b = g[i], g[j]
                    grouped.add((min(a, b), max(a, b)))
                    if answers[a] != "DECLINED" and answers[b] != "DECLINED":
                        met_orgs[a].add(org[b])
                        met_orgs[b].add(org[a])
            # Organisers record most outcomes; the latest round is still open.
            if r < args.rounds - 2 and rng.random() < 0.7:
                all_yes = all(answers[m] == "ACCEPTED" for m in g)
                met = rng.random() < (0.92 if all_yes else 0.35)
                rating = rng.choice([3, 4, 4, 5, 5]) if met and rng.random() < 0.8 else None
                db.execute(
                    "INSERT INTO outcomes (group_id, met, rating, source, recorded_at)"
                    " VALUES (?, ?, ?, 'import', ?)",
                    (gid, 1 if met else 0, rating, t + 20 * 86400),
                )
    db.commit()


if __name__ == "__main__":
    main()
