#!/usr/bin/env python3
"""The M/M/c queue of examples/queue.rs in SimPy 4.1.2, for benches/compare.sh.

Same flags and the same JSON keys as `cargo run --release --example queue`. Model events
are arrivals and departures (two per customer), counted the same way as the Rust example,
so `events_per_s` compares like with like. Only `env.run()` is timed, as in the example.
The model is written the way SimPy's documentation writes it: a source process and one
process per customer holding a `simpy.Resource` request.
"""

import argparse
import json
import math
import random
import sys
import time

import simpy


def positive_rate(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{s}'")
    if not (math.isfinite(v) and v > 0.0):
        raise argparse.ArgumentTypeError(f"must be a positive finite rate, got {v}")
    return v


def at_least_one(s):
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got '{s}'")
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def erlang_c(c, a):
    """Probability of waiting in M/M/c with offered load a = lambda / mu (a < c)."""
    if not (0.0 <= a < c):
        return None
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


class Totals:
    __slots__ = ("events", "started", "sum_wait", "sum_system", "sum_service", "departed")

    def __init__(self):
        self.events = 0
        self.started = 0
        self.departed = 0
        self.sum_wait = 0.0
        self.sum_system = 0.0
        self.sum_service = 0.0


def source(env, n, arrival, service, servers, rng_a, rng_s, tot):
    for _ in range(n):
        yield env.timeout(rng_a.expovariate(arrival))
        env.process(customer(env, service, servers, rng_s, tot))


def customer(env, service, servers, rng_s, tot):
    tot.events += 1  # arrival
    arrived = env.now
    with servers.request() as req:
        yield req
        wait = env.now - arrived
        s = rng_s.expovariate(service)
        tot.started += 1
        tot.sum_wait += wait
        tot.sum_system += wait + s
        tot.sum_service += s
        yield env.timeout(s)
    tot.events += 1  # departure
    tot.departed += 1


def main():
    ap = argparse.ArgumentParser(description="M/M/c queue in SimPy; prints a JSON summary.")
    ap.add_argument("--customers", type=at_least_one, default=1_000_000)
    ap.add_argument("--servers", type=at_least_one, default=1)
    ap.add_argument("--arrival", type=positive_rate, default=0.8)
    ap.add_argument("--service", type=positive_rate, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    # Separate streams for inter-arrival and service times, as in the Rust example.
    rng_a = random.Random(f"triad-arrival-{a.seed}")
    rng_s = random.Random(f"triad-service-{a.seed}")
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=a.servers)
    tot = Totals()
    env.process(source(env, a.customers, a.arrival, a.service, servers, rng_a, rng_s, tot))

    t0 = time.perf_counter()
    env.run()
    wall_s = time.perf_counter() - t0

    end = env.now
    if tot.departed != a.customers or tot.events != 2 * a.customers:
        print(f"Error: run incomplete: {tot.departed} departed, {tot.events} events", file=sys.stderr)
        return 1
    rho = a.arrival / (a.servers * a.service)
    pw = erlang_c(a.servers, a.arrival / a.service)
    th_wait = None if pw is None else pw / (a.servers * a.service - a.arrival)
    th_sys = None if th_wait is None else th_wait + 1.0 / a.service
    n = max(tot.started, 1)
    print(json.dumps({
        "model": "M/M/c",
        "engine": f"simpy {simpy.__version__}",
        "customers": a.customers,
        "servers": a.servers,
        "arrival": a.arrival,
        "service": a.service,
        "seed": a.seed,
        "rho": rho,
        "events": tot.events,
        "wall_s": wall_s,
        "events_per_s": tot.events / max(wall_s, 1e-12),
        "sim_time": end,
        "mean_wait": tot.sum_wait / n,
        "mean_system_time": tot.sum_system / n,
        # Every customer arrives and leaves inside [0, end]: L = sum of times in system / end.
        "mean_in_system": tot.sum_system / end if end > 0 else 0.0,
        "utilization": tot.sum_service / (a.servers * end) if end > 0 else 0.0,
        "theory_mean_wait": th_wait,
        "theory_mean_system_time": th_sys,
        "theory_utilization": rho if pw is not None else None,
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
