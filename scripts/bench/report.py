#!/usr/bin/env python3
"""Writes BENCHMARKS.md (stdout) from the raw results scripts/bench/run.sh leaves in a
directory. Stdlib only. A figure whose step failed or was not run is marked so; nothing is
made up."""

import glob
import json
import os
import re
import statistics
import sys

RES = sys.argv[1]


def read(name):
    try:
        with open(os.path.join(RES, name)) as f:
            return f.read()
    except OSError:
        return None


def js(name):
    """The last JSON object line of a file (processes under the session bus, such as the
    accessibility registry, may print on the same stdout)."""
    t = read(name)
    for line in reversed((t or "").splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def failed(step):
    t = read(f"{step}.failed")
    return None if t is None else t.strip()


machine = {}
for line in (read("machine.env") or "").splitlines():
    k, _, v = line.partition("=")
    machine[k] = v


def dur_s(text):
    """A Rust Duration Debug ("5.23s", "523.1ms", "1.2µs") in seconds."""
    m = re.match(r"([\d.]+)\s*(ms|s|µs|us|ns)", text)
    if not m:
        return None
    v = float(m.group(1))
    return v * {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}[m.group(2)]


def stats(values):
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "n": len(v)}


def fmt(s, unit="", digits=2):
    if not s:
        return "n/a"
    f = f"{{:.{digits}f}}"
    if s["n"] == 1:
        return f"{f.format(s['median'])}{unit} (1 run)"
    return f"{f.format(s['median'])}{unit} ({f.format(s['min'])}-{f.format(s['max'])}, n={s['n']})"


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


rows = []  # (figure, measure, target, baseline, ratio, result, verdict)
notes = []
details = []

# ---------------------------------------------------------------- figures 1 and 2 (backfill)
bf = []
for path in sorted(glob.glob(os.path.join(RES, "backfill.*.txt"))):
    t = open(path).read()
    r = {}
    m = re.search(r"agentdesk backfill \(metadata only, (\d+) partitions\): (\S+), (\d+) requests.*429s: (\d+)", t)
    if m:
        r["partitions"], r["ours_s"], r["our_req"], r["r429"] = int(m.group(1)), dur_s(m.group(2)), int(m.group(3)), int(m.group(4))
    m = re.search(r"sequential cursor walk:\s+(\S+), (\d+) requests", t)
    if m:
        r["walk_s"], r["walk_req"] = dur_s(m.group(1)), int(m.group(2))
    m = re.search(r"minimum ceil\(N/150\) = (\d+)", t)
    if m:
        r["min_req"] = int(m.group(1))
    m = re.search(r"sandbox: (\d+) conversations", t)
    if m:
        r["n"] = int(m.group(1))
    if "ours_s" in r and "walk_s" in r:
        bf.append(r)
if bf:
    ours = stats([r["ours_s"] for r in bf])
    walk = stats([r["walk_s"] for r in bf])
    speed = stats([r["walk_s"] / r["ours_s"] for r in bf])
    n = bf[0].get("n", 0)
    rows.append(("1", f"backfill to a usable inbox, {n:,} conversations (metadata, {bf[0]['partitions']} partitions)",
                 "≥ 5x the walk, ≤ 10 s", f"sequential cursor walk {fmt(walk, ' s', 1)}",
                 fmt(speed, "x", 1), fmt(ours, " s"), verdict(speed["median"] >= 5 and ours["median"] <= 10)))
    req = stats([r["our_req"] / r["min_req"] for r in bf if "min_req" in r])
    rows.append(("2a", f"requests used by the backfill vs the minimum, every page of conversations and tickets (150 each) and the tickets' probe = {bf[0].get('min_req', '?'):,}",
                 "≤ 1.05x", f"minimum {bf[0].get('min_req', '?')} (the walk used {bf[0].get('walk_req', '?')})",
                 fmt(req, "x", 3), f"{bf[0]['our_req']:,} requests, {sum(r['r429'] for r in bf)} 429s",
                 verdict(req["median"] <= 1.05 if req else None)))
else:
    why = failed("fig1-backfill") or "the step did not run"
    rows.append(("1", "backfill to a usable inbox", "≥ 5x, ≤ 10 s", "sequential walk", "", "not measured", "n/a"))
    notes.append(f"Figure 1 not measured: {why.splitlines()[-1] if why else ''}")
pl = read("polling.txt")
m = pl and re.search(r"polling requests: (\d+) vs minimum [^=]*= (\d+) \(([\d.]+)x[^;]*; (\d+) contacts newly", pl)
if m:
    info = re.search(r"polling: (\d+) polls, (\d+) ms apart, (\d+) conversations changed \((\d+) in the workspace\)", pl)
    routes = re.search(r"polling requests by route: (.*)", pl)
    bare = re.search(r"polling requests without events: (\d+) vs polls \+ changed = (\d+) \(([\d.]+)x\)", pl)
    what = (f"{int(info.group(1))} incremental polls ({int(info.group(2)):,} ms apart instead of 10 s), {int(info.group(3)):,} of"
            f" {int(info.group(4)):,} conversations changing") if info else "incremental polling"
    rows.append(("2b", f"requests for {what}", "≤ 1.05x",
                 f"minimum {int(m.group(2)):,}: 2 searches per poll (conversations, tickets) + 1 detail per changed conversation + 2 events requests (events, summaries) per"
                 f" contact a reply brought into an open conversation of the priority views ({int(m.group(4))}; issue 5 keeps the events of contacts in"
                 " open conversations)", m.group(3) + "x",
                 f"{int(m.group(1)):,} requests"
                 + (f"; without events {int(bare.group(1)):,} vs {int(bare.group(2)):,} = {bare.group(3)}x" if bare else ""),
                 verdict(float(m.group(3)) <= 1.05)))
    if routes:
        details.append(f"**Figure 2b, requests by route**: {routes.group(1)}")
else:
    why = failed("fig2b-polling") or "the step did not run"
    rows.append(("2b", "requests for an hour of incremental polling, 1% of conversations changing", "≤ 1.05x",
                 "minimum: 1 search per poll + 1 detail per changed conversation", "", "not measured", "n/a"))
    notes.append(f"Figure 2b not measured: {why.splitlines()[-1] if why else ''}")

# ---------------------------------------------------------------- figure 3 (details)
det = js("details.json")
fill_stats = js("fill-stats.json")
if det and "share_whole_phase" in det:
    share = det.get("share", det["share_whole_phase"])
    r429 = fill_stats.get("rate_limited") if fill_stats else det.get("rate_limited_total")
    rows.append(("3", f"detail fetching (`GET /conversations/{{id}}`) as a share of the window ceiling ({det['details']:,} details in {det['phase_s']} s)",
                 "≥ 95%, 0 429s", f"ceiling {det['ceiling_per_window']:,} per 10 s",
                 "", f"{share * 100:.1f}% ({det.get('whole_windows', 0)} whole windows; {det['share_whole_phase'] * 100:.1f}% over the whole phase), {r429} 429s",
                 verdict(share >= 0.95 and r429 == 0)))
    if det.get("note"):
        notes.append(f"Figure 3: {det['note']}.")
else:
    why = failed("fig3-fill") or (json.dumps(det) if det else "the step did not run")
    rows.append(("3", "detail fetching as a share of the window ceiling", "≥ 95%, 0 429s", "", "", "not measured", "n/a"))
    notes.append(f"Figure 3 not measured: {why.splitlines()[-1]}")

# ---------------------------------------------------------------- figure 4 (queries)
qs = []
for path in sorted(glob.glob(os.path.join(RES, "queries.*.txt"))):
    t = open(path).read()
    r = {}
    for key, pat in (("counts", r"all view counts[^:]*:\s+p50 ([\d.]+) ms\s+p95 ([\d.]+) ms"),
                     ("page", r"view page[^:]*:\s+p50 ([\d.]+) ms\s+p95 ([\d.]+) ms"),
                     ("search", r"search[^:]*:\s+p50 ([\d.]+) ms\s+p95 ([\d.]+) ms")):
        m = re.search(pat, t)
        if m:
            r[key] = (float(m.group(1)), float(m.group(2)))
    m = re.search(r"\((\d+) conversations, (\d+) parts, (\d+) contacts", t)
    if m:
        r["size"] = f"{int(m.group(1)):,} conversations, {int(m.group(2)):,} parts"
    m = re.search(r"upsert conversations[^:]*:\s+(\d+) rows/s", t)
    if m:
        r["upsert"] = int(m.group(1))
    m = re.search(r"upsert parts[^:]*:\s+(\d+) rows/s", t)
    if m:
        r["upsert_parts"] = int(m.group(1))
    if r:
        qs.append(r)
if qs:
    size = qs[0].get("size", "")
    for key, label, target in (("page", "view page (50 rows)", 5), ("counts", "all unread counts", 5), ("search", "full-text search", 30)):
        p95 = stats([r[key][1] for r in qs if key in r])
        p50 = stats([r[key][0] for r in qs if key in r])
        rows.append(("4", f"{label}, p95 (p50 {fmt(p50, ' ms')}), {size}", f"≤ {target} ms at p95", "", "",
                     fmt(p95, " ms"), verdict(p95["median"] <= target if p95 else None)))
    up = stats([r.get("upsert") for r in qs])
    upp = stats([r.get("upsert_parts") for r in qs])
    rows.append(("4", "SQLite upsert throughput (conversations; parts)", "reported", "", "",
                 f"{fmt(up, ' rows/s', 0)}; {fmt(upp, ' rows/s', 0)}", "n/a"))
else:
    why = failed("fig4-queries") or "the step did not run"
    rows.append(("4", "local queries", "5 / 5 / 30 ms p95", "", "", "not measured", "n/a"))
    notes.append(f"Figure 4 not measured: {why.splitlines()[-1]}")

# ---------------------------------------------------------------- figures 5 and 6 (GUI)
gui = js("gui.json")
if gui and "agentdesk" in gui:
    a, h = gui["agentdesk"], gui["hello"]
    ratios = [x / y for x, y in zip(a["start_ms"]["runs"], h["start_ms"]["runs"])]
    rs = stats(ratios)
    st = a["start_ms"]
    rows.append(("5", "cold start to an interactive inbox, 100k cached (spawn to `mark_ready`)", "≤ 1000 ms and ≤ 1.6x hello",
                 f"hello-world {fmt(h['start_ms'], ' ms', 0)}", f"{fmt(rs, 'x')} (per interleaved pair)",
                 fmt(st, " ms", 0), verdict(st["median"] <= 1000 and rs["median"] <= 1.6)))
    mr = [x / y for x, y in zip(a["pss_mb"]["runs"], h["pss_mb"]["runs"])]
    ms = stats(mr)
    hs = gui.get("hello_no_gl")
    if hs:
        # Like for like: the hello-world drawn as Agentdesk draws without a GPU render node.
        ls = stats([x / y for x, y in zip(a["pss_mb"]["runs"], hs["pss_mb"]["runs"])])
        baseline = (f"hello-world as shipped {fmt(h['pss_mb'], ' MB', 1)}; drawn without GL compositing as"
                    f" Agentdesk is here {fmt(hs['pss_mb'], ' MB', 1)}")
        ratio = f"{fmt(ms, 'x')} as shipped; {fmt(ls, 'x')} like for like"
        shipped, like = ms["median"] <= 1.25, ls["median"] <= 1.25
        v = verdict(shipped) if shipped == like else f"{verdict(shipped)} as shipped, {verdict(like)} like for like"
    else:
        baseline, ratio, v = f"hello-world {fmt(h['pss_mb'], ' MB', 1)}", fmt(ms, "x"), verdict(ms["median"] <= 1.25)
    rows.append(("6", f"memory, PSS of the app and its WebKit processes, {gui['settle_s']:.0f} s after ready, 100k cached",
                 "≤ 1.25x hello", baseline, ratio, fmt(a["pss_mb"], " MB", 1), v))
    if not gui.get("after_app"):
        notes.append("Figures 5 and 6: this run stopped each app with SIGTERM and started the next on the"
                     " WAL left behind, so every Agentdesk start included a `quick_check` of the whole cache"
                     " (an unclean-shutdown start); later runs close the cache cleanly between starts.")
    def parts(p):
        return ", ".join(f"{k} {v / 1024:.1f} MB" for k, v in sorted(p.items(), key=lambda kv: -kv[1]) if v)
    details.append("**Figure 6, PSS by process (last run)**: Agentdesk: " + parts(a["pss_parts_last_run_kb"])
                   + ". Hello-world: " + parts(h["pss_parts_last_run_kb"]) + "."
                   + (" Hello-world without GL compositing: " + parts(hs["pss_parts_last_run_kb"]) + "." if hs else ""))
    if hs:
        details.append(f"**Figure 5, the hello-world without GL compositing**: ready after {fmt(hs['start_ms'], ' ms', 0)}.")
else:
    why = failed("fig5-6-gui") or "the step did not run"
    for f, what in (("5", "cold start"), ("6", "memory (PSS)")):
        rows.append((f, what, "", "", "", "not measured", "n/a"))
    notes.append(f"Figures 5 and 6 not measured: {why.splitlines()[-1]}")

# ---------------------------------------------------------------- figure 6b (switching, scrolling)
ui = js("ui.json")
if ui and "switch_ms" in ui:
    sw, sc = ui["switch_ms"], ui["scroll"]
    if ui.get("note"):
        notes.append(f"Figure 6b: {ui['note']}")
    rows.append(("6b", f"switching views in the window (click → the new view's first row painted), 100k cached, {len(ui['views'])} views in turn",
                 "≤ 50 ms", "", "", fmt(sw, " ms"), verdict(sw["max"] <= 50)))
    rows.append(("6b", f"scrolling the list of {sc['view']} ({sc['rows_in_view']:,} conversations) by {sc['frames']} animation frames",
                 "60 frames/s", "", "",
                 f"{sc['fps']} frames/s (median frame {sc['median_frame_ms']} ms, p95 {sc['p95_frame_ms']} ms, {sc['over_20ms']} frames over 20 ms; {sc['rows_in_dom']} rows in the DOM)",
                 # Frame times are whole milliseconds in WebKit, so 60 frames/s reads as a 17 ms
                 # median; smooth also means few long frames (at most 5% over 20 ms).
                 verdict(sc["median_frame_ms"] <= 17 and sc["over_20ms"] <= 0.05 * sc["frames"])))
else:
    why = failed("fig6b-ui") or "the step did not run"
    rows.append(("6b", "view switching and scrolling", "≤ 50 ms; 60 frames/s", "", "", "not measured", "n/a"))
    notes.append(f"Figure 6b not measured: {why.splitlines()[-1]}")

# ---------------------------------------------------------------- figure 7 (.deb)
deb = js("deb.json")
if deb:
    mb = deb["bytes"] / 1e6
    rows.append(("7", f"size of the .deb (`{deb['file']}`)", "≤ 15 MB", "", "", f"{mb:.2f} MB ({deb['bytes']:,} bytes)", verdict(mb <= 15)))
else:
    rows.append(("7", "size of the .deb", "≤ 15 MB", "", "", "not measured", "n/a"))
    notes.append(f"Figure 7 not measured: {(failed('fig7-deb') or 'no .deb').splitlines()[-1]}")

# ---------------------------------------------------------------- figure 8 (live reply)
nt = js("notify.json")
if nt and not nt.get("badge_s"):
    wait = nt["poll_s"] * 3 + 15
    rows.append(("8", f"contact reply injected → badge of Your inbox and Notify, poll every {nt['poll_s']:.0f} s",
                 f"≤ poll + 1 s = {nt['poll_s'] + 1:.0f} s", "", "",
                 f"no change within {wait:.0f} s in any of {len(nt.get('runs', []))} runs", "**missed**"))
elif nt and nt.get("badge_s"):
    limit = nt["poll_s"] + 1
    b, n = nt["badge_s"], nt.get("notify_s")
    worst = max(b["max"], n["max"] if n else 0)
    missed = nt.get("missed_badge", 0) + nt.get("missed_notify", 0)
    rows.append(("8", f"contact reply injected → badge of Your inbox (the tray's count), poll every {nt['poll_s']:.0f} s",
                 f"≤ poll + 1 s = {limit:.0f} s", "", "",
                 fmt(b, " s") + (f"; {nt['missed_badge']} of {len(nt['runs'])} replies not shown within {nt['poll_s'] * 3 + 15:.0f} s" if nt.get("missed_badge") else ""),
                 verdict(b["max"] <= limit and not nt.get("missed_badge"))))
    rows.append(("8", "contact reply injected → Notify on the session bus", f"≤ {limit:.0f} s", "", "",
                 (fmt(n, " s") + (f"; {nt['missed_notify']} of {len(nt['runs'])} not raised within {nt['poll_s'] * 3 + 15:.0f} s" if nt.get("missed_notify") else "")) if n else f"no notification seen ({nt.get('missed_notify')} missed)",
                 verdict(n["max"] <= limit and not nt.get("missed_notify")) if n else "**missed**"))
else:
    why = failed("fig8-notify") or "the step did not run"
    rows.append(("8", "reply → tray count and notification", "≤ poll + 1 s", "", "", "not measured", "n/a"))
    notes.append(f"Figure 8 not measured: {why.splitlines()[-1]}")

# ---------------------------------------------------------------- the Intercom client and the sandbox
# Issue 4: decode throughput (reported) and the governor's share of the ceiling (≥ 95%, no
# 429s); issue 3: the sandbox serves a list page at 100k conversations in about 2 ms.
dec = js("client-decode.json")
if dec:
    rows.append(("client", f"decode a 150-conversation page ({dec['bytes']:,} bytes) through the client's tolerant models",
                 "reported", "", "", f"{dec['ms_per_page']:.2f} ms/page: {dec['pages_per_s']:,.0f} pages/s,"
                 f" {dec['conversations_per_s']:,.0f} conversations/s, {dec['mb_per_s']:.0f} MB/s", "n/a"))
else:
    rows.append(("client", "decode a 150-conversation page", "reported", "", "", "not measured", "n/a"))
    notes.append(f"Client decode not measured: {(failed('client-decode') or 'the step did not run').splitlines()[-1]}")
gov = []
for line in (read("client-governor.jsonl") or "").splitlines():
    try:
        gov.append(json.loads(line))
    except ValueError:
        pass
for g in gov:
    rows.append(("client", f"governor: requests/s as a share of the window ceiling, limit {g['limit']:,}/10 s, 50 ms latency,"
                 f" {g['workers']} workers, {g['windows']} whole windows",
                 "≥ 95%, 0 429s", f"ceiling {g['ceiling'] / (10 * g['windows']):.1f} req/s", "",
                 f"{g['share'] * 100:.1f}% ({g['sent']:,} of {g['ceiling']:,} requests), {g['r429']} 429s",
                 verdict(g["share"] >= 0.95 and g["r429"] == 0)))
if not gov:
    rows.append(("client", "governor: requests/s as a share of the window ceiling", "≥ 95%, 0 429s", "", "", "not measured", "n/a"))
    notes.append(f"Client governor not measured: {(failed('client-governor') or 'the step did not run').splitlines()[-1]}")
lp = js("sandbox-list-page.json")
if lp and lp.get("first_page_20_ms") is not None:
    n = int(lp.get("conversations") or 0)
    rows.append(("sandbox", f"serve a list page (`GET /conversations`, per_page 20, median of 300) at {n:,} conversations",
                 "about 2 ms", "", "", f"{lp['first_page_20_ms']:.2f} ms", verdict(lp["first_page_20_ms"] <= 2.0)))
    rows.append(("sandbox", f"serve 150-conversation pages of a cursor walk (median of 300) and a full-scan search page at {n:,} conversations",
                 "reported", "", "", f"walk {lp['walk_150_ms']:.2f} ms; search {lp['search_150_ms']:.2f} ms", "n/a"))
    rows.append(("sandbox", f"generate {n:,} conversations and start serving", "in seconds", "", "",
                 f"{lp['generate_s']:.2f} s", verdict(lp["generate_s"] <= 10)))
else:
    rows.append(("sandbox", "serve a list page at 100,000 conversations", "about 2 ms", "", "", "not measured", "n/a"))
    notes.append(f"Sandbox list page not measured: {(failed('sandbox-list-page') or 'the step did not run').splitlines()[-1]}")

# ---------------------------------------------------------------- figure 9 (growth)
scale = []
for line in (read("scale.jsonl") or "").splitlines():
    try:
        scale.append(json.loads(line))
    except ValueError:
        pass

# ---------------------------------------------------------------- write
q = machine.get("quick") == "1"
print("# Benchmarks")
print()
print("Written by `make bench` (`scripts/bench/run.sh`); do not edit by hand. Figures are issue 8's"
      " (rows `client` and `sandbox`: issues 4 and 3, from `cargo bench -p intercom` and"
      " `-p intercom-sandbox --bench list_page`),"
      " measured against sandboxes on loopback (50 ms latency per request, 1,666 requests per 10 s window),"
      " release builds, several runs each: the median is quoted and the spread shown as (min-max, n=runs)."
      " Baselines run in the same run, interleaved where they are processes. Local queries (figure 4) are timed"
      " by Criterion (`cargo bench -p agentdesk-store --bench queries`, p50/p95 over each query of its measurement"
      " phase); the sync figures by the sync crate's benches, which run real sandboxes and time whole phases;"
      " whole-process figures from outside; memory from /proc.")
print()
mem_gb = int(machine.get("mem_kb", "0") or 0) / 1024 / 1024
print(f"- **Date**: {machine.get('date', '?')}; commit {machine.get('commit', '?')}")
print(f"- **Machine**: {machine.get('cores', '?')} cores ({machine.get('cpu', '?')}), {mem_gb:.1f} GiB memory;"
      f" kernel {machine.get('kernel', '?')}; WebKitGTK {machine.get('webkit', '?')}; shared with other builds"
      f" (load average {machine.get('load_start', '?')} at the start, {machine.get('load_end', '?')} at the end)")
print(f"- **Tauri**: {machine.get('tauri_app', '?')} in the app, {machine.get('tauri_hello', '?')} in the hello-world (`benches/hello`)")
print(f"- **Run**: {'BENCH_QUICK=1 (fewer runs, smaller sizes)' if q else 'full'}; {int(machine.get('bench_secs', '0') or 0) // 60} min")
print()
print("| # | measure | target | baseline | ratio | result: median (min-max, n) | verdict |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(c) for c in r) + " |")
print()
print("## Figure 9: how figures grow")
print()
if scale:
    print("The CLI's metadata backfill (`agentdesk sync --once --metadata-only`, a fresh data directory) against the"
          " `intercom-sandbox` binary at each size (contacts = N/5, 50 ms, 1,666/10 s); one run per size;"
          " peak RSS of the CLI process from `/usr/bin/time`. Then the window on that metadata-only cache with the"
          " sandbox still up (its first cycle fetching details by priority): PSS of the app and its WebKit"
          " processes, as figure 6 measures it, one run.")
    print()
    print("| conversations | backfill wall time (process) | peak RSS of the CLI | data dir on disk | window: PSS (app + WebKit) | window: ready after | CLI's line |")
    print("|---|---|---|---|---|---|---|")
    for s in scale:
        cli = s.get("cli", "").splitlines()[-1] if s.get("cli") else ""
        app = s.get("app", {}).get("agentdesk") or {}
        pss = f"{app['pss_mb']['median']:.1f} MB" if app.get("pss_mb") else "not measured"
        ready = f"{app['start_ms']['median']:.0f} ms" if app.get("start_ms") else ""
        print(f"| {s['n']:,} | {s['wall_s']:.2f} s | {s['peak_rss_kb'] / 1024:.0f} MB | {s['data_dir_kb'] / 1024:.0f} MB | {pss} | {ready} | {cli} |")
else:
    print(f"Not measured: {(failed('fig9-scale') or 'the step did not run').splitlines()[-1]}")
print()
fill = read("fill.txt")
ft = (read("fill.time") or "").split()
if fill:
    print("## The cache for figures 3, 5, 6 and 8")
    print()
    line = fill.strip().splitlines()[-1]
    extra = f" ({ft[0]} s wall, peak RSS {int(ft[1]) / 1024:.0f} MB)" if len(ft) == 2 else ""
    print(f"A full `agentdesk sync --once` (backfill, details by priority, contacts, events) against the sandbox:{extra}")
    print()
    print(f"    {line}")
    if fill_stats:
        print()
        pr = ", ".join(f"`{k}` {v:,}" for k, v in sorted(fill_stats.get("per_route", {}).items(), key=lambda kv: -kv[1]))
        print(f"Requests the sandbox received, by route: {pr}.")
    print()
if details or notes:
    print("## Notes")
    print()
    for d in details:
        print(f"- {d}")
    for n in notes:
        print(f"- {n}")
    print()

# The causes found for missed targets (profiling and tracing notes, kept by hand beside this
# script so a new run does not lose them; dated, so a stale note is visible as such).
findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
if os.path.exists(findings):
    with open(findings) as f:
        print(f.read().rstrip())
    print()
