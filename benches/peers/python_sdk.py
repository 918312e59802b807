"""Kalshi's official Python SDK on the bench report's workloads (see README.md).

Run by run.sh inside its scratch virtual environment, against the report's own
canned server. Two ways of using the SDK are measured:

* "documented": `KalshiClient(Configuration(...))` with `api_key_id` and
  `private_key_pem` set, as the SDK's README shows. It signs every request twice
  (once in `update_params_for_auth`, once more in `call_api`; the second signature is
  the one sent).
* "single signing": a plain `ApiClient` whose `kalshi_auth` is set, which signs once
  in `call_api`: the cheapest way to use the SDK.

Workloads, as in the report: W1 sequential signed get_balance (RSA and Ed25519), W2
walking all fills the server holds 200 to a page (RSA), W3 create_order_v2 (Ed25519).
Each figure is the median of several rounds; CPU is this process's
`time.process_time()` per request (the server is another process).
"""

import argparse
import json
import resource
import statistics
import sys
import time
import uuid

import kalshi_python_sync
from kalshi_python_sync import ApiClient, Configuration, KalshiAuth, KalshiClient
from kalshi_python_sync.api.orders_api import OrdersApi
from kalshi_python_sync.api.portfolio_api import PortfolioApi

ROUNDS = 7


def make_client(mode, base_url, key_id, pem):
    config = Configuration(host=base_url)
    if mode == "documented":
        config.api_key_id = key_id
        config.private_key_pem = pem
        return KalshiClient(config)
    client = ApiClient(config)
    client.kalshi_auth = KalshiAuth(key_id, pem)
    return client


def timed(rounds, calls, work):
    """Median requests/s and CPU µs per request over `rounds` rounds of `calls`."""
    rates, cpus = [], []
    for _ in range(rounds):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            work()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        rates.append(calls / wall)
        cpus.append(cpu * 1e6 / calls)
    return {"rps": statistics.median(rates), "cpu_us": statistics.median(cpus)}


def w1(client, calls):
    portfolio = PortfolioApi(client)
    for _ in range(20):
        portfolio.get_balance()
    return timed(ROUNDS, calls, portfolio.get_balance)


def w2(client, fills):
    portfolio = PortfolioApi(client)

    def walk():
        cursor, seen = None, 0
        while True:
            page = portfolio.get_fills(limit=200, cursor=cursor)
            seen += len(page.fills)
            cursor = page.cursor
            if not cursor:
                return seen

    walk()
    times = []
    for _ in range(5):
        started = time.perf_counter()
        seen = walk()
        times.append(time.perf_counter() - started)
        if seen != fills:
            raise SystemExit(f"walked {seen} fills, expected {fills}")
    return {"seconds": statistics.median(times), "fills": fills}


def w3(client, calls):
    orders = OrdersApi(client)

    def order():
        orders.create_order_v2(
            ticker="KXHIGHNY-25NOV26-T60",
            client_order_id=str(uuid.uuid4()),
            side="bid",
            count="1.00",
            price="0.5600",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
        )

    for _ in range(20):
        order()
    return timed(ROUNDS, calls, order)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--rsa-key", required=True)
    parser.add_argument("--ed25519-key", required=True)
    parser.add_argument("--fills", type=int, default=10_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--calls", type=int, default=200, help="W1/W3 calls per round")
    args = parser.parse_args()
    with open(args.rsa_key) as f:
        rsa = f.read()
    with open(args.ed25519_key) as f:
        ed25519 = f.read()

    peers = []
    for mode, label in [
        ("documented", "documented KalshiClient, signs twice"),
        ("single", "ApiClient + KalshiAuth, signs once"),
    ]:
        print(f"peers: Python SDK, {label}", file=sys.stderr)
        rsa_client = make_client(mode, args.base_url, args.key_id, rsa)
        ed_client = make_client(mode, args.base_url, args.key_id, ed25519)
        # RSA requests cost ~1 ms in Python: fewer of them per round.
        figures = {
            "w1": {
                "rsa": w1(rsa_client, max(args.calls // 4, 10)),
                "ed25519": w1(ed_client, args.calls),
            },
            "w2": w2(rsa_client, args.fills),
            "w3": w3(ed_client, args.calls),
        }
        peers.append(
            {
                "name": f"Python SDK {kalshi_python_sync.__version__}, {label}",
                "short": f"Python SDK ({mode})",
                **figures,
            }
        )
    # ru_maxrss is in KiB on Linux; one process ran both modes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for peer in peers:
        peer["peak_rss_mb"] = peak
    result = {
        "python": sys.version.split()[0],
        "sdk": "kalshi-python-sync " + kalshi_python_sync.__version__,
        "peers": peers,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
