#!/usr/bin/env python3
"""Summarizes bench/run.sh's hook-load runs: hub against baseline.

Usage: summarize.py RUNS.jsonl OUT.json [--meta key=value ...]

RUNS.jsonl has one {"mix", "round", "server": "baseline"|"hub", "hub_log", "result":
<hook-load JSON>} per line; each mix (realistic, hostile) is summarized on its own. Each
figure is the mean over the rounds of one server; the ratios are hub/baseline (calls/s:
below 1 means the hub is slower; CPU per call: above 1 means it costs more). hub_log
gives the lines and bytes the hub logged during a hub run, shown per second.
Prints the summary JSON and a table per mix; writes {meta, summary, runs} to OUT.json.
"""
import argparse
import json
import statistics

SERVERS = ("baseline", "hub")


def mean(values):
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 2) if values else None


def ratio(hub, baseline):
    return round(hub / baseline, 3) if hub is not None and baseline else None


def summarize(runs):
    by_server = {s: [r["result"] for r in runs if r["server"] == s] for s in SERVERS}
    summary = {"rounds": len(by_server["hub"]), "servers": {}, "ratios": {}}
    for server, results in by_server.items():
        hooks = {}
        for name in sorted({h for r in results for h in r["hooks"]}):
            per_round = [r["hooks"][name] for r in results if name in r["hooks"]]
            hooks[name] = {
                "calls_per_s": mean(h["calls_per_s"] for h in per_round),
                "p50_us": mean(h.get("p50_us") for h in per_round),
                "p99_us": mean(h.get("p99_us") for h in per_round),
                "errors": sum(h["errors"] for h in per_round),
                "results": per_round[-1].get("results"),
            }
            if per_round[-1].get("publish_answers") is not None:
                hooks[name]["publish_answers"] = per_round[-1]["publish_answers"]
        summary["servers"][server] = {
            "calls_per_s": mean(r["calls_per_s"] for r in results),
            "calls_per_s_rounds": [r["calls_per_s"] for r in results],
            "server_cpu_us_per_call": mean(r.get("server_cpu_us_per_call") for r in results),
            "server_cpu_us_per_call_rounds": [r.get("server_cpu_us_per_call") for r in results],
            "client_cpu_us_per_call": mean(r.get("client_cpu_us_per_call") for r in results),
            "p50_us": mean(r["all"].get("p50_us") for r in results),
            "p99_us": mean(r["all"].get("p99_us") for r in results),
            "errors": sum(r["errors"] for r in results),
            "hooks": hooks,
        }
        primes = [r["prime"] for r in results if r.get("prime")]
        if primes:
            summary["servers"][server]["prime_admitted"] = [
                f"{p['admitted']}/{p['clients']}" for p in primes]
    logs = [r["hub_log"] for r in runs if r["server"] == "hub" and r.get("hub_log")]
    if logs:
        seconds = [max(log["millis"], 1) / 1000 for log in logs]
        summary["hub_log"] = {
            "lines_per_s": mean(log["lines"] / s for log, s in zip(logs, seconds)),
            "bytes_per_s": mean(log["bytes"] / s for log, s in zip(logs, seconds)),
            "lines_rounds": [log["lines"] for log in logs],
        }
    base, hub = summary["servers"]["baseline"], summary["servers"]["hub"]
    summary["ratios"] = {
        "calls_per_s": ratio(hub["calls_per_s"], base["calls_per_s"]),
        "server_cpu_us_per_call": ratio(hub["server_cpu_us_per_call"],
                                        base["server_cpu_us_per_call"]),
    }
    return summary


def fmt(value, width=10):
    return f"{'-' if value is None else value:>{width}}"


def table(summary, options):
    base, hub = summary["servers"]["baseline"], summary["servers"]["hub"]
    lines = [
        f"hook-load {options}",
        f"{'':24}{'baseline':>10}{'hub':>10}{'hub/base':>10}",
        f"{'calls/s':24}{fmt(base['calls_per_s'])}{fmt(hub['calls_per_s'])}"
        f"{fmt(summary['ratios']['calls_per_s'])}",
        f"{'server CPU us/call':24}{fmt(base['server_cpu_us_per_call'])}"
        f"{fmt(hub['server_cpu_us_per_call'])}{fmt(summary['ratios']['server_cpu_us_per_call'])}",
        f"{'client CPU us/call':24}{fmt(base['client_cpu_us_per_call'])}"
        f"{fmt(hub['client_cpu_us_per_call'])}",
        f"{'all p50 / p99 us':24}{fmt(base['p50_us'])}{fmt(hub['p50_us'])}"
        f"{fmt(ratio(hub['p50_us'], base['p50_us']))}",
        f"{'':24}{fmt(base['p99_us'])}{fmt(hub['p99_us'])}"
        f"{fmt(ratio(hub['p99_us'], base['p99_us']))}",
        f"{'errors':24}{fmt(base['errors'])}{fmt(hub['errors'])}",
    ]
    if summary.get("hub_log"):
        log = summary["hub_log"]
        lines.append(f"{'hub log lines/s, B/s':24}{'':10}{fmt(log['lines_per_s'])}"
                     f"{fmt(log['bytes_per_s'])}")
    if hub.get("prime_admitted"):
        lines.append(f"{'primed (admitted/all)':24}"
                     f"{fmt(','.join(base.get('prime_admitted') or []))}"
                     f"{fmt(','.join(hub['prime_admitted']))}")
    lines += [
        "",
        f"{'hook':22}{'base p50':>10}{'hub p50':>10}{'base p99':>10}{'hub p99':>10}"
        f"{'hub calls/s':>13}  hub answers",
    ]
    for name, h in hub["hooks"].items():
        b = base["hooks"].get(name, {})
        answers = ", ".join(
            f"{k}={v}" for k, v in (h.get("publish_answers") or h["results"] or {}).items())
        lines.append(f"{name:22}{fmt(b.get('p50_us'))}{fmt(h['p50_us'])}"
                     f"{fmt(b.get('p99_us'))}{fmt(h['p99_us'])}{fmt(h['calls_per_s'], 13)}"
                     f"  {answers}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs")
    parser.add_argument("out")
    parser.add_argument("--meta", nargs="*", default=[])
    args = parser.parse_args()
    with open(args.runs) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    meta = dict(item.split("=", 1) for item in args.meta)
    mixes = list(dict.fromkeys(r.get("mix", "realistic") for r in runs))
    summaries = {
        mix: summarize([r for r in runs if r.get("mix", "realistic") == mix]) for mix in mixes}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "summary": summaries, "runs": runs}, f, indent=2)
        f.write("\n")
    for mix, summary in summaries.items():
        compact = {
            "mix": mix,
            "calls_per_s": {s: summary["servers"][s]["calls_per_s"] for s in SERVERS},
            "server_cpu_us_per_call":
                {s: summary["servers"][s]["server_cpu_us_per_call"] for s in SERVERS},
            "ratios_hub_over_baseline": summary["ratios"],
            "errors": {s: summary["servers"][s]["errors"] for s in SERVERS},
            "hub_log": summary.get("hub_log"),
            "rounds": summary["rounds"],
        }
        print(json.dumps(compact))
        print(table(summary, f"[{mix}] " + meta.get("load_args", "")))
        print()


if __name__ == "__main__":
    main()
