#!/usr/bin/python3
"""nx_match.py FILE: the exact maximum-weight matching (maximum cardinality
first) of the weights bench_pairing exported, by NetworkX. Prints the total
weight, the number of pairs and the time taken, for tests/bench/run_pairing.sh."""
import sys
import time

import networkx as nx


def main():
    with open(sys.argv[1]) as f:
        n, m = map(int, f.readline().split())
        g = nx.Graph()
        g.add_nodes_from(range(n))
        for _ in range(m):
            a, b, w = f.readline().split()
            g.add_edge(int(a), int(b), weight=float(w))
    start = time.monotonic()
    mates = nx.max_weight_matching(g, maxcardinality=True)
    elapsed = time.monotonic() - start
    total = sum(g[a][b]["weight"] for a, b in mates)
    print(f"NX_TOTAL {total:.4f}")
    print(f"NX_PAIRS {len(mates)}")
    print(f"NX_TIME {elapsed:.3f}")


if __name__ == "__main__":
    main()
