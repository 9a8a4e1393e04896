#!/usr/bin/python3
"""gen_roster.py: write a realistic roster CSV of N members for benchmarks.

A health-and-care network of many organisations of very different sizes
(a few large trusts, many small practices and charities), each with teams,
sites and roles; names from many languages, some quoted with commas or
quotes; a few paused or left members, mixed frequencies, time zones mostly
the network default, and ties between colleagues of the same team. The same
seed always gives the same file.

    /usr/bin/python3 tests/bench/gen_roster.py 100000 --seed 1 -o roster.csv
"""

import argparse
import csv
import random
import sys

FIRST = ["Ana", "Amara", "Tom", "Priya", "Łukasz", "Grace", "Ifeoma", "Daniel",
         "Sofia", "James", "Nkechi", "Oliver", "Helen", "Mark", "Chloe", "Rhys",
         "Siobhán", "Kwame", "Beth", "Jonah", "Aisha", "Rhodri", "Hannah",
         "Samir", "Emily", "João", "Mei", "Ruth", "Gareth", "Fatima", "Liam",
         "Natalia", "Peter", "Margaret", "Zoë", "David", "Anne", "Yusuf",
         "Bridget", "Sam", "Claire", "Ahmed", "Rachel", "Chinedu", "Laura",
         "Eilidh", "Owen", "Ingrid", "Kofi", "Niamh", "Tariq", "Victoria",
         "Ellen", "Wei", "Olumide", "Agnieszka", "Dmitri", "Chiara", "Björn",
         "Fionnuala", "Mohammed", "Leila", "Arjun", "Hyun-woo", "Nadia"]
LAST = ["Okafor", "Hargreaves", "Raman", "Nowak", "Mensah", "Chukwu", "Brooks",
        "Marques", "Whitfield", "Adeyemi", "King", "Ashworth", "Edwards",
        "Davies", "Pritchard", "Ní Bhriain", "Asante", "Lowe", "Fisher",
        "Rahman", "Llewellyn", "Cohen", "Haddad", "Turner", "Pereira", "Lin",
        "Oyelaran", "Hughes", "Begum", "O'Connell", "Kowalczyk", "Lamb",
        "Shaw", "Okonkwo", "Kerr", "McGregor", "Demir", "Doyle", "Patel",
        "Norris", "Hassan", "Green", "Eze", "Bennett", "Fraser", "Price",
        "Larsen", "Boateng", "O'Brien", "Mahmood", "Hale", "Murphy", "Zhang",
        "Müller", "Šimić", "García", "Kim", "Jensen", "Novak", "Singh"]
KINDS = [
    ("University Hospitals", "uh", ["Emergency Department", "Cardiology",
     "Care of the Elderly", "Pharmacy", "Therapies", "Patient Flow", "Maternity",
     "Quality Improvement", "Business Intelligence", "District Nursing",
     "Oncology", "Theatres", "Radiology", "Paediatrics", "Stroke Unit"],
     ["Royal Infirmary", "General Hospital", "Community Base", "Headquarters"]),
    ("Mental Health Partnership", "mh", ["Community Mental Health", "Crisis Resolution",
     "Recovery College", "Psychological Therapies", "Older Adults"],
     ["Harbour House", "Maple Lodge"]),
    ("Primary Care Network", "pcn", ["Practice Team", "PCN Clinical Team",
     "Reception"], ["Health Centre", "Surgery"]),
    ("City Council", "council", ["Adult Social Care", "Reablement",
     "Commissioning", "Public Health", "Housing Options"], ["Civic Centre"]),
    ("Hospice", "hospice", ["Inpatient Unit", "Hospice at Home", "Family Support"],
     ["Hospice"]),
    ("Carers Charity", "carers", ["Carer Support", "Volunteering", "Young Carers"],
     ["Community Hub"]),
    ("Ambulance Service", "ambulance", ["Clinical Hub", "Falls Response",
     "Operations"], ["Station"]),
    ("Integrated Care Board", "icb", ["Transformation", "Population Health",
     "Finance", "Digital", "Nursing and Quality"], ["Offices"]),
]
PLACES = ["Riverside", "Valley", "Northbank", "Eastgate", "Westmoor", "Harbour",
          "Southfield", "Kingsbridge", "Ashford", "Millbrook", "Greenhill",
          "Stonebridge", "Oakham", "Fairview", "Highcliff", "Brookside"]
ROLES = ["Staff Nurse", "Consultant", "GP", "Social Worker", "Pharmacist",
         "Physiotherapist", "Service Manager", "Data Analyst", "Paramedic",
         "Occupational Therapist", "Healthcare Assistant", "Ward Manager",
         "Dietitian", "Psychologist", "Peer Support Worker", "Care Coordinator",
         "Improvement Lead", "Patient Safety Specialist", "Volunteer Coordinator",
         "Commissioning Manager", "Midwife", "Speech and Language Therapist"]
ZONES = ["Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin"]


def make_organisations(rng, n_members):
    """Organisations with Zipf-like sizes: a few large, many small."""
    count = max(8, min(2000, n_members // 50))
    orgs = []
    for i in range(count):
        name, tag, teams, sites = KINDS[i % len(KINDS)] if i < len(KINDS) else rng.choice(KINDS)
        place = PLACES[i % len(PLACES)]
        number = i // len(PLACES)
        full = f"{place} {name}" + (f" {number + 1}" if number else "")
        domain = f"{place.lower()}{tag}{number + 1 if number else ''}.example.org"
        orgs.append({"name": full, "domain": domain, "teams": teams,
                     "sites": [f"{place} {s}" for s in sites],
                     "weight": 1.0 / (i + 1) ** 0.9})
    return orgs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of members")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--out", help="output file (default: stdout)")
    parser.add_argument("--crlf", action="store_true", help="CRLF line ends")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    orgs = make_organisations(rng, args.count)
    weights = [o["weight"] for o in orgs]
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    writer = csv.writer(out, lineterminator="\r\n" if args.crlf else "\n")
    writer.writerow(["email", "name", "organisation", "team", "site", "role",
                     "timezone", "status", "frequency", "ties"])
    used = set()
    by_team = {}
    for i in range(args.count):
        org = rng.choices(orgs, weights)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = "".join(c for c in f"{first}.{last}".lower() if c.isascii() and
                        (c.isalnum() or c == "."))
        email = f"{local}@{org['domain']}"
        n = 2
        while email.lower() in used:
            email = f"{local}{n}@{org['domain']}"
            n += 1
        used.add(email.lower())
        name = f"{first} {last}"
        r = rng.random()
        if r < 0.01:
            name = f"{last}, {first}"
        elif r < 0.015:
            name = f'{first} "{first[:3]}" {last}'
        team = rng.choice(org["teams"])
        r = rng.random()
        zone = "" if r < 0.6 else "Europe/London" if r < 0.98 else rng.choice(ZONES)
        r = rng.random()
        status = "paused" if r < 0.03 else "left" if r < 0.05 else ("active" if r < 0.5 else "")
        r = rng.random()
        frequency = "quarterly" if r < 0.08 else "bimonthly" if r < 0.2 else "monthly"
        colleagues = by_team.setdefault((org["name"], team), [])
        ties = ""
        if colleagues and rng.random() < 0.3:
            ties = ";".join(rng.sample(colleagues, min(len(colleagues), rng.randint(1, 3))))
        colleagues.append(email)
        if len(colleagues) > 20:
            colleagues.pop(0)
        writer.writerow([email, name, org["name"], team, rng.choice(org["sites"]),
                         rng.choice(ROLES), zone, status, frequency, ties])
    if args.out:
        out.close()


if __name__ == "__main__":
    main()
