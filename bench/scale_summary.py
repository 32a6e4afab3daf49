#!/usr/bin/env python3
"""Summarizes bench/scale.sh: fleet-size ratios, memory, start-up, pending, JWT rates.

Usage: scale_summary.py RECORDS.jsonl OUT.json [--meta key=value ...]

RECORDS.jsonl has one object per line: {"type": "run", "scenario", "server", "round",
"result": <hook-load JSON>} for each load run (round 0 = set-up or warm-up, not
compared), {"type": "hub", ...} with a hub's start-up time, RSS and seeding summary,
{"type": "jwt", ...} and {"type": "meta", ...}. Prints the summary JSON (one line) and a
table; writes {meta, summary, records} to OUT.json.
"""
import argparse
import json
import statistics

TARGET_RATIO = 0.8


def mean(values):
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 2) if values else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def runs_of(records, scenario, server):
    return [r for r in records
            if r.get("type") == "run" and r["scenario"] == scenario and r["server"] == server
            and r["round"] > 0]


def hub_of(records, scenario, server):
    for r in records:
        if r.get("type") == "hub" and r["scenario"] == scenario and r["server"] == server:
            return r
    return None


def server_figures(runs, hook):
    results = [r["result"] for r in runs]
    per_hook = [r["hooks"].get(hook, {}) for r in results]
    return {
        "calls_per_s": mean(r["calls_per_s"] for r in results),
        "calls_per_s_rounds": [r["calls_per_s"] for r in results],
        "server_cpu_us_per_call": mean(r.get("server_cpu_us_per_call") for r in results),
        "p50_us": mean(h.get("p50_us") for h in per_hook),
        "p99_us": mean(h.get("p99_us") for h in per_hook),
        "errors": sum(r["errors"] for r in results),
        "answers": per_hook[-1].get("publish_answers") or per_hook[-1].get("results")
        if per_hook else None,
    }


def prime_of(records, scenario, server):
    for r in records:
        if (r.get("type") == "run" and r["scenario"] == scenario and r["server"] == server
                and r["result"].get("prime")):
            p = r["result"]["prime"]
            return {k: p.get(k) for k in ("clients", "admitted", "refused", "errors")}
    return None


def fleet_comparison(records, scenario, hook, empty_rss_kb):
    small, large = hub_of(records, scenario, "small"), hub_of(records, scenario, "large")
    if not small or not large:
        return None
    s_fig = server_figures(runs_of(records, scenario, "small"), hook)
    l_fig = server_figures(runs_of(records, scenario, "large"), hook)
    seed_s, seed_l = small.get("seed") or {}, large.get("seed") or {}
    out = {
        "small": {"devices": seed_s.get("devices"), "users": seed_s.get("users"),
                  "startup_s": small["startup_s"], "rss_kb": small["rss_kb"],
                  "prime": prime_of(records, scenario, "small"), **s_fig},
        "large": {"devices": seed_l.get("devices"), "users": seed_l.get("users"),
                  "startup_s": large["startup_s"], "rss_kb": large["rss_kb"],
                  "prime": prime_of(records, scenario, "large"), **l_fig},
        "ratio_calls_per_s": ratio(l_fig["calls_per_s"], s_fig["calls_per_s"]),
        "ratio_server_cpu_us_per_call": ratio(l_fig["server_cpu_us_per_call"],
                                              s_fig["server_cpu_us_per_call"]),
        "target_ratio": TARGET_RATIO,
        "seed": {"small": seed_s, "large": seed_l},
    }
    out["meets_target"] = (out["ratio_calls_per_s"] is not None
                           and out["ratio_calls_per_s"] >= TARGET_RATIO)
    n_s, n_l = seed_s.get("devices"), seed_l.get("devices")
    if n_l:
        if empty_rss_kb is not None:
            out["bytes_per_device_vs_empty"] = round(
                (large["rss_kb"] - empty_rss_kb) * 1024 / n_l, 1)
        if n_s is not None and n_l > n_s:
            out["bytes_per_device_vs_small"] = round(
                (large["rss_kb"] - small["rss_kb"]) * 1024 / (n_l - n_s), 1)
    return out


def publish_comparison(records):
    base_runs, hub_runs = runs_of(records, "publish", "baseline"), runs_of(records, "publish", "hub")
    if not base_runs or not hub_runs:
        return None
    b_fig = server_figures(base_runs, "message.publish")
    h_fig = server_figures(hub_runs, "message.publish")
    out = {
        "baseline": b_fig,
        "hub": h_fig,
        "ratio_calls_per_s": ratio(h_fig["calls_per_s"], b_fig["calls_per_s"]),
        "ratio_server_cpu_us_per_call": ratio(h_fig["server_cpu_us_per_call"],
                                              b_fig["server_cpu_us_per_call"]),
        "target_ratio": TARGET_RATIO,
    }
    out["meets_target"] = (out["ratio_calls_per_s"] is not None
                           and out["ratio_calls_per_s"] >= TARGET_RATIO)
    hub = hub_of(records, "publish", "hub")
    if hub:
        out["hub_seed"] = hub.get("seed")
    rounds = []
    for r in hub_runs:
        res = r["result"]
        rss = res.get("server_rss_kb", {})
        metrics = res.get("server_metrics", {})
        prefill = res.get("prefill") or {}
        passed = prefill.get("pass")

        def pending(phase):
            return (metrics.get(phase) or {}).get("iothub_rpc_pending")

        entry = {
            "round": r["round"],
            "prefill": prefill,
            "drain": res.get("drain"),
            "prime": (res.get("prime") or {}).get("admitted"),
            "pending_after_prime": pending("after_prime"),
            "pending_after_prefill": pending("after_prefill"),
            "pending_window_end": pending("window_end"),
            "pending_after_drain": pending("after_drain"),
            "rss_kb": rss,
        }
        if passed and "after_prefill" in rss and "after_prime" in rss:
            entry["bytes_per_pending"] = round(
                (rss["after_prefill"] - rss["after_prime"]) * 1024 / passed, 1)
        rounds.append(entry)
    out["rounds"] = rounds
    # The first measured round is the cleanest (nothing freed earlier to reuse).
    first = next((e for e in rounds if "bytes_per_pending" in e), None)
    out["bytes_per_pending"] = first["bytes_per_pending"] if first else None
    out["pending_during_window"] = rounds[0]["pending_after_prefill"] if rounds else None
    return out


def summarize(records):
    empty = hub_of(records, "empty", "empty")
    empty_rss = empty["rss_kb"] if empty else None
    summary = {"empty_hub_rss_kb": empty_rss}
    auth = fleet_comparison(records, "auth", "client.authenticate", empty_rss)
    if auth:
        summary["authenticate"] = auth
    authz = fleet_comparison(records, "authorize", "client.authorize", empty_rss)
    if authz:
        summary["authorize"] = authz
    pub = publish_comparison(records)
    if pub:
        summary["publish"] = pub
    for r in records:
        if r.get("type") == "jwt":
            summary["jwt"] = {k: v for k, v in r.items() if k not in ("type", "scenario")}
    return summary


def fmt(value, width=12):
    return f"{'-' if value is None else value:>{width}}"


def table(summary):
    lines = []
    for key, hook in (("authenticate", "authenticate"), ("authorize", "authorize")):
        c = summary.get(key)
        if not c:
            continue
        s, l = c["small"], c["large"]
        lines += [
            f"{hook}: {l['devices']} devices / {l['users']} users vs {s['devices']} / {s['users']}",
            f"  {'':26}{'small':>12}{'large':>12}{'large/small':>12}",
            f"  {'calls/s':26}{fmt(s['calls_per_s'])}{fmt(l['calls_per_s'])}"
            f"{fmt(c['ratio_calls_per_s'])}  (target >= {c['target_ratio']}:"
            f" {'met' if c['meets_target'] else 'NOT met'})",
            f"  {'server CPU us/call':26}{fmt(s['server_cpu_us_per_call'])}"
            f"{fmt(l['server_cpu_us_per_call'])}{fmt(c['ratio_server_cpu_us_per_call'])}",
            f"  {'p50 / p99 us':26}{fmt(s['p50_us'])}{fmt(l['p50_us'])}",
            f"  {'':26}{fmt(s['p99_us'])}{fmt(l['p99_us'])}",
            f"  {'start-up s':26}{fmt(s['startup_s'])}{fmt(l['startup_s'])}",
            f"  {'RSS after start kB':26}{fmt(s['rss_kb'])}{fmt(l['rss_kb'])}"
            f"   (empty data dir: {summary.get('empty_hub_rss_kb')} kB)",
            f"  {'registry B/device':26}{fmt(c.get('bytes_per_device_vs_small'))}"
            f"{fmt(c.get('bytes_per_device_vs_empty'))}   (vs small fleet / vs empty)",
            f"  {'errors':26}{fmt(s['errors'])}{fmt(l['errors'])}",
        ]
        if s.get("prime") or l.get("prime"):
            lines.append(f"  {'primed (admitted/clients)':26}"
                         f"{fmt('%s/%s' % ((s['prime'] or {}).get('admitted'), (s['prime'] or {}).get('clients')))}"
                         f"{fmt('%s/%s' % ((l['prime'] or {}).get('admitted'), (l['prime'] or {}).get('clients')))}")
        seed_l = c["seed"]["large"]
        if seed_l:
            lines.append(f"  seeding the large fleet: {seed_l.get('total_s')} s "
                         f"({seed_l.get('devices_per_s')} devices/s, db {seed_l.get('db_bytes')} B)")
        lines.append(f"  answers: small {s['answers']}, large {l['answers']}")
        lines.append("")
    p = summary.get("publish")
    if p:
        b, h = p["baseline"], p["hub"]
        lines += [
            f"message.publish, RPC request/response with ~{p.get('pending_during_window')} pending",
            f"  {'':26}{'baseline':>12}{'hub':>12}{'hub/base':>12}",
            f"  {'calls/s':26}{fmt(b['calls_per_s'])}{fmt(h['calls_per_s'])}"
            f"{fmt(p['ratio_calls_per_s'])}  (target >= {p['target_ratio']}:"
            f" {'met' if p['meets_target'] else 'NOT met'})",
            f"  {'server CPU us/call':26}{fmt(b['server_cpu_us_per_call'])}"
            f"{fmt(h['server_cpu_us_per_call'])}{fmt(p['ratio_server_cpu_us_per_call'])}",
            f"  {'p50 / p99 us':26}{fmt(b['p50_us'])}{fmt(h['p50_us'])}",
            f"  {'':26}{fmt(b['p99_us'])}{fmt(h['p99_us'])}",
            f"  {'errors':26}{fmt(b['errors'])}{fmt(h['errors'])}",
            f"  memory per pending request: {p.get('bytes_per_pending')} B"
            f" (per round: {[e.get('bytes_per_pending') for e in p['rounds']]})",
            f"  iothub_rpc_pending after prefill / window end / after drain: "
            + ", ".join(f"{e['pending_after_prefill']}/{e['pending_window_end']}/"
                        f"{e['pending_after_drain']}" for e in p["rounds"]),
            f"  hub answers: {h['answers']}",
            "",
        ]
    j = summary.get("jwt")
    if j:
        if j.get("skipped"):
            lines.append(f"JWT verifications/s: skipped ({j['skipped']})")
        else:
            lines.append("JWT verifications/s (1 thread): " + ", ".join(
                f"{alg} {int(rate)}" for alg, rate in j["verifications_per_s"].items()))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records")
    parser.add_argument("out")
    parser.add_argument("--meta", nargs="*", default=[])
    args = parser.parse_args()
    with open(args.records) as f:
        records = [json.loads(line) for line in f if line.strip()]
    meta = dict(item.split("=", 1) for item in args.meta)
    for r in records:
        if r.get("type") == "meta":
            meta.update({k: v for k, v in r.items() if k != "type"})
    summary = summarize(records)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "summary": summary, "records": records}, f, indent=2)
        f.write("\n")
    compact = {"meta": meta}
    for key in ("authenticate", "authorize"):
        c = summary.get(key)
        if c:
            compact[key] = {
                "devices": [c["small"]["devices"], c["large"]["devices"]],
                "calls_per_s": [c["small"]["calls_per_s"], c["large"]["calls_per_s"]],
                "ratio": c["ratio_calls_per_s"], "meets_target": c["meets_target"],
                "startup_s": [c["small"]["startup_s"], c["large"]["startup_s"]],
                "bytes_per_device": c.get("bytes_per_device_vs_empty"),
            }
    p = summary.get("publish")
    if p:
        compact["publish"] = {
            "calls_per_s": [p["baseline"]["calls_per_s"], p["hub"]["calls_per_s"]],
            "ratio": p["ratio_calls_per_s"], "meets_target": p["meets_target"],
            "pending": p.get("pending_during_window"),
            "bytes_per_pending": p.get("bytes_per_pending"),
        }
    if summary.get("jwt"):
        compact["jwt"] = summary["jwt"].get("verifications_per_s") or summary["jwt"]
    print(json.dumps(compact))
    print(table(summary))


if __name__ == "__main__":
    main()
