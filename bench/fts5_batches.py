#!/usr/bin/env python3
"""How long one TextIndexer batch holds SQLite's write lock, without Tidings around it.

    python3 bench/fts5_batches.py [--batches 300] [--batch 500]

Builds the console's text index as schema version 8 has it (an FTS5 trigram table over `events` as external
content, automerge 16, crisismerge 64) in a temporary WAL database with synchronous=FULL, then adds events in
batches the way `Store::indexEventText` does: one transaction of `INSERT INTO events_text ... SELECT ... FROM
events WHERE id > ? AND id <= ?`. It times each such transaction and prints a markdown table. The events are
stored in transactions of their own first, untimed.

Two kinds of events: every event of one repository and tag (what the intake benchmark's wrk script posts) and
varied ones (many repositories, a distinct tag per event, as a registry with CI pushes sends). Python's sqlite3
module uses the system's libsqlite3, the library the engine runs on.
"""
import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def run(path, batches, batch, varied):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, repository TEXT NOT NULL, tag TEXT NOT NULL)")
    db.execute("CREATE VIRTUAL TABLE events_text USING fts5(repository, tag, content='events', "
               "content_rowid='id', tokenize='trigram')")
    db.execute("INSERT INTO events_text (events_text, rank) VALUES ('automerge', 16)")
    db.execute("INSERT INTO events_text (events_text, rank) VALUES ('crisismerge', 64)")
    rng = random.Random(7)
    times_ms = []
    next_id = 0
    for _ in range(batches):
        if varied:
            rows = [(next_id + i + 1, f"team-{rng.randint(0, 50)}/service-{rng.randint(0, 1000)}",
                     f"v1.{rng.randint(0, 100)}.{next_id + i}-{rng.getrandbits(32):08x}") for i in range(batch)]
        else:
            rows = [(next_id + i + 1, "library/hello-world", "latest") for i in range(batch)]
        db.execute("BEGIN")
        db.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
        db.execute("COMMIT")
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO events_text (rowid, repository, tag) SELECT id, repository, tag FROM events "
                   "WHERE id > ? AND id <= ?", (next_id, next_id + batch))
        db.execute("COMMIT")
        times_ms.append((time.perf_counter() - started) * 1000)
        next_id += batch
    db.close()
    return times_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    print(f"{args.batches} batches of {args.batch} events, SQLite {sqlite3.sqlite_version}\n")
    print("| events | batch p50 | p90 | p99 | max | batches over 5 ms | µs per event |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for varied in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            times = run(os.path.join(tmp, "fts5.db"), args.batches, args.batch, varied)
        ordered = sorted(times)
        print(f"| {'varied' if varied else 'one repository and tag'} | {statistics.median(ordered):.2f} ms "
              f"| {percentile(ordered, 0.9):.2f} ms | {percentile(ordered, 0.99):.2f} ms | {ordered[-1]:.2f} ms "
              f"| {sum(1 for t in ordered if t > 5)} | {sum(times) * 1000 / (len(times) * args.batch):.1f} |")


if __name__ == "__main__":
    main()
