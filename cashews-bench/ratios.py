#!/usr/bin/env python3
"""Prints the ratio tables of BENCHMARKS.md from JMH JSON result files (run-peers.sh writes them).

Each result is divided by its anchor from the same file, the same thread count and the same parameters: raw
Caffeine for the hit paths, the same work without a transaction for transactions, raw sqlite-jdbc for disk.

    python3 cashews-bench/ratios.py cashews-bench/results/*.json
"""
import json
import sys

# The anchor of each benchmark method, by JMH class; None: the `contender` parameter's Caffeine run.
ANCHORS = {
    "PeersBenchmark": None,
    "GetBenchmark": lambda method: "caffeineGetIfPresentInCoroutine" if "Harness" not in method else None,
    "JavaFaceBenchmark": lambda method: "caffeinePut" if method.endswith("Set") else "caffeineGetIfPresent",
    "TransactionBenchmark": lambda method: "bare",
    "ObservabilityBenchmark": lambda method: "bareHit",
    "DiskBenchmark": lambda method: "rawSet" if method.endswith("Set") else "rawGet",
    "SpringBenchmark": lambda method: "cacheableOnCaffeine" if method.startswith("cacheable") else "handleDirect",
    "RedisTransactionBenchmark": lambda method: "bare",
}


def allocation(result):
    for name, metric in result.get("secondaryMetrics", {}).items():
        if name.lstrip("\u00b7") == "gc.alloc.rate.norm":
            return metric["score"]
    return None


def split(benchmark):
    owner, method = benchmark.rsplit(".", 1)
    return owner.rsplit(".", 1)[-1], method


def table(path):
    with open(path) as f:
        results = json.load(f)
    if not results:
        return
    print(f"\n{path}\n")
    print("| benchmark | params | threads | score | ÷ anchor | B/op |")
    print("|---|---|---|---|---|---|")
    index = {}
    for r in results:
        owner, method = split(r["benchmark"])
        index[(owner, method, r["threads"], tuple(sorted(r.get("params", {}).items())))] = r
    for r in results:
        owner, method = split(r["benchmark"])
        params = dict(r.get("params", {}))
        anchor_key = None
        rule = ANCHORS.get(owner)
        if owner == "PeersBenchmark":
            anchored = dict(params, contender="caffeine")
            anchor_key = (owner, method, r["threads"], tuple(sorted(anchored.items())))
        elif rule is not None and rule(method) is not None:
            anchor_key = (owner, rule(method), r["threads"], tuple(sorted(params.items())))
        anchor = index.get(anchor_key)
        score = r["primaryMetric"]["score"]
        error = r["primaryMetric"]["scoreError"]
        ratio = f"{score / anchor['primaryMetric']['score']:.2f}" if anchor else "—"
        alloc = allocation(r)
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        alloc_text = f"{alloc:.1f}" if alloc is not None else "—"
        print(f"| {owner}.{method} | {shown} | {r['threads']} | {score:.2f} ± {error:.2f} {r['primaryMetric']['scoreUnit']} | {ratio} | {alloc_text} |")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        table(name)
