#!/usr/bin/env python3
"""Interleaved A/B of the durable intake between two `tidings` binaries.

For a change meant to make intake requests cheaper: each round runs binary A, then binary B, each on a fresh
database with one webhook that does not match, under the same `wrk` script as `make bench`'s intake figures
(bench/run.py: a new event per request, any non-2xx answer fails the run). Prints every run's rate, wrk's
p99 and the CPU `serve` used (user + system, from /proc) per stored event, then the median and range of each.

    bench/ab_intake.py OLD/app/tidings NEW/app/tidings --connections 64

--build names a built tree whose tools bench/run.py checks for (default: build).
"""
import argparse
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py, beside this file)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tidings_a")
    parser.add_argument("tidings_b")
    parser.add_argument("--build", default="build")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binaries = {"A": os.path.abspath(args.tidings_a), "B": os.path.abspath(args.tidings_b)}
    suite = run.Suite(types.SimpleNamespace(build=args.build, quick=False))
    results = {"A": [], "B": []}
    try:
        for round_number in range(1, args.rounds + 1):
            for side, binary in binaries.items():
                rps, p99, cpu = suite.intake_run(binary, args.connections, args.seconds, f"{side}-{round_number}")
                results[side].append((rps, p99, cpu))
                print(f"c{args.connections} round {round_number} {side}: {rps:.0f} req/s, p99 {p99:.2f} ms, "
                      f"CPU {cpu:.0f} µs a request", flush=True)
    except run.BenchError as error:
        print(f"ab_intake: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        suite.cleanup()
    for side, rows in results.items():
        print(f"{side} ({binaries[side]}): {run.median_range([r[0] for r in rows])} req/s, "
              f"p99 {run.median_range([r[1] for r in rows], '{:.2f}')} ms, "
              f"CPU {run.median_range([r[2] for r in rows])} µs a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
