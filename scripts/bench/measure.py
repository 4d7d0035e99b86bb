#!/usr/bin/env python3
"""Whole-process measurements for scripts/bench/run.sh (issue 8). Python 3, stdlib only.

Subcommands (each prints one JSON object on stdout, progress on stderr):
  pss PID                        PSS (kB) of PID and every descendant (WebKit children)
  gui --app BIN --hello BIN ...  cold start (spawn to ready file) and PSS after a settle
                                 time, Agentdesk and the hello-world interleaved, N runs each
  notify --app BIN ...           latency from a contact reply injected in the sandbox to the
                                 window's badge and to the Notify call on the session bus
  sample URL OUT                 samples the sandbox's /_sandbox/stats every 0.5 s into OUT
                                 (JSON lines) until killed
  details SAMPLES                the detail-fetching rate (GET /conversations/{id}) as a
                                 share of the window ceiling, from a `sample` file
Run `gui` and `notify` under a display and a session bus (dbus-run-session -- xvfb-run -a).
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes and PSS


def children_map():
    """ppid -> [pid] for every process, from /proc/*/stat."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: the fields after the last ')' are fixed.
        rest = stat[stat.rfind(")") + 2:].split()
        ppid = int(rest[1])
        out.setdefault(ppid, []).append(int(name))
    return out


def descendants(pid):
    kids = children_map()
    seen, stack = [], [pid]
    while stack:
        p = stack.pop()
        seen.append(p)
        stack.extend(kids.get(p, []))
    return seen


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss(pid):
    """(total kB, {comm: kB}) over pid and its descendants."""
    parts = {}
    for p in descendants(pid):
        kb = pss_kb(p)
        name = comm(p)
        parts[name] = parts.get(name, 0) + kb
    return sum(parts.values()), parts


def stop_tree(proc, timeout=10):
    """SIGTERM the process, wait; then SIGKILL it and any descendant still alive (by pid)."""
    pids = descendants(proc.pid)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass
    time.sleep(0.3)
    for p in pids[1:]:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def summary(values):
    v = sorted(values)
    if not v:
        return None
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "n": len(v), "runs": values}


# ---------------------------------------------------------------- cold start and memory


def one_gui_run(binary, env_extra, ready_var, settle, timeout, log_path, after=None):
    ready = f"/tmp/agentdesk-bench-ready-{os.getpid()}-{random.randrange(1 << 30)}"
    if os.path.exists(ready):
        os.unlink(ready)
    env = dict(os.environ)
    env.update(env_extra)
    env[ready_var] = ready
    with open(log_path, "ab") as logf:
        t0 = time.time()
        proc = subprocess.Popen([binary], env=env, stdout=logf, stderr=logf)
        try:
            deadline = t0 + timeout
            while True:
                try:
                    with open(ready) as f:
                        text = f.read().strip()
                    if text:
                        ready_ms = int(text)
                        break
                except (OSError, ValueError):
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"{binary} exited ({proc.returncode}) before it was ready; see {log_path}")
                if time.time() > deadline:
                    raise RuntimeError(f"{binary} was not ready within {timeout} s; see {log_path}")
                time.sleep(0.005)
            start_ms = ready_ms - t0 * 1000.0
            time.sleep(settle)
            total, parts = tree_pss(proc.pid)
        finally:
            stop_tree(proc)
            try:
                os.unlink(ready)
            except OSError:
                pass
            if after:
                # Outside the timing: e.g. bring the cache back to a cleanly closed state,
                # since SIGTERM leaves the WAL behind and the next open checks every page.
                subprocess.run(after, shell=True, stdout=logf, stderr=logf, env=env)
    return start_ms, total, parts


def cmd_gui(a):
    app_env = {"AGENTDESK_TOKEN_STORE": "file", "AGENTDESK_DEMO_LIVE_RATE": "0"}
    if a.data_dir:
        app_env["AGENTDESK_DATA_DIR"] = a.data_dir
    subjects = [("agentdesk", a.app, app_env, "AGENTDESK_READY_FILE", a.after_app)]
    if a.hello:
        # The hello-world as Tauri ships it (the baseline), and the same binary drawn
        # the way Agentdesk draws on a machine without a GPU render node (no GL compositing,
        # src-tauri/app.rs `configure_webkit`): the like-for-like baseline.
        subjects.insert(0, ("hello", a.hello, {}, "HELLO_READY_FILE", None))
        subjects.append(("hello_no_gl", a.hello, {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"}, "HELLO_READY_FILE", None))
    res = {name: {"start_ms": [], "pss_kb": [], "parts": None} for name, *_ in subjects}
    # Discarded warm-ups (page cache, fontconfig cache, WebKit's caches).
    for _ in range(a.warmup):
        for name, binary, env, var, after in subjects:
            log(f"  warm-up: {name}")
            one_gui_run(binary, env, var, 1.0, a.timeout, a.log, after)
    for i in range(a.runs):
        order = subjects if i % 2 == 0 else list(reversed(subjects))
        for name, binary, env, var, after in order:
            start_ms, total, parts = one_gui_run(binary, env, var, a.settle, a.timeout, a.log, after)
            log(f"  run {i + 1}/{a.runs} {name}: ready after {start_ms:.0f} ms, PSS {total / 1024:.1f} MB {parts}")
            res[name]["start_ms"].append(round(start_ms, 1))
            res[name]["pss_kb"].append(total)
            res[name]["parts"] = parts
            time.sleep(0.5)
    out = {"settle_s": a.settle, "after_app": a.after_app}
    for name in res:
        out[name] = {
            "start_ms": summary(res[name]["start_ms"]),
            "pss_mb": summary([round(k / 1024, 1) for k in res[name]["pss_kb"]]),
            "pss_parts_last_run_kb": res[name]["parts"],
        }
    print(json.dumps(out))


# ---------------------------------------------------------------- WebDriver (tauri-driver)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_json(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        text = r.read()
    return json.loads(text) if text else None


def wait_port(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


class Driver:
    def __init__(self, driver_bin, app_bin, env_extra, log_path):
        self.port, native = free_port(), free_port()
        env = dict(os.environ)
        env.update(env_extra)
        self.logf = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [driver_bin, "--port", str(self.port), "--native-port", str(native)],
            env=env, stdout=self.logf, stderr=self.logf)
        wait_port(self.port)
        wait_port(native)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app_bin}}}}
        r = http_json("POST", f"http://127.0.0.1:{self.port}/session", caps, timeout=120)
        self.sid = r["value"]["sessionId"]
        self.base = f"http://127.0.0.1:{self.port}/session/{self.sid}"

    def js(self, script, *args):
        return http_json("POST", f"{self.base}/execute/sync", {"script": script, "args": list(args)})["value"]

    def run_async(self, script, args):
        # WebKitWebDriver now and then drops the connection of an asynchronous script under
        # load (tauri-driver logs "client error (SendRequest)"); the session survives it.
        for attempt in range(3):
            try:
                return http_json("POST", f"{self.base}/execute/async", {"script": script, "args": args})["value"]
            except (ConnectionError, OSError) as e:
                log(f"  WebDriver dropped a script ({e!r}); attempt {attempt + 1} of 3")
                time.sleep(0.5)
        raise RuntimeError("WebDriver dropped the script three times")

    def invoke(self, cmd, args):
        # Only reads and idempotent writes (mark_read) go through here, so a dropped
        # connection may be retried.
        script = ("const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args)"
                  ".then((v) => done({ok: v}), (e) => done({err: String(e && e.message || e)}));")
        v = self.run_async(script, [cmd, args])
        if "err" in v:
            raise RuntimeError(f"{cmd}: {v['err']}")
        return v.get("ok")

    def quit(self):
        try:
            http_json("DELETE", self.base, timeout=20)
        except Exception:
            pass
        stop_tree(self.proc)
        self.logf.close()


BADGE_JS = ("const b = document.querySelector('[data-testid=badge-mine]');"
            "if (!b) return null; const m = /(\\d+)/.exec(b.getAttribute('aria-label') || ''); return m ? Number(m[1]) : 0;")


def cmd_notify(a):
    # Watch Notify calls on this session bus; dbus-monitor stamps each message with its time.
    notes = []
    mon = subprocess.Popen(["dbus-monitor", "--session", "interface='org.freedesktop.Notifications',member='Notify'"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def reader():
        for line in mon.stdout:
            if "member=Notify" in line:
                m = re.search(r"time=(\d+\.\d+)", line)
                notes.append(float(m.group(1)) if m else time.time())

    threading.Thread(target=reader, daemon=True).start()
    env = {"AGENTDESK_TOKEN_STORE": "file", "AGENTDESK_DATA_DIR": a.data_dir}
    drv = Driver(a.driver, a.app, env, a.log)
    results = []
    first_cycle_s = None
    try:
        end = time.time() + 120
        while drv.js(BADGE_JS) is None:
            if time.time() > end:
                raise RuntimeError("the badge of Your inbox never appeared")
            time.sleep(0.2)
        # The first cycle after start (directory, poll, details, contacts, events) can hold the
        # next poll for minutes: wait until the sandbox has seen two more searches (polls), and
        # report how long that took, so the replies below measure the steady state.
        def searches():
            st = http_json("GET", f"{a.sandbox}/_sandbox/stats")
            return st["per_route"].get("POST /conversations/search", 0)
        s0, w0 = searches(), time.time()
        while searches() < s0 + 2 and time.time() - w0 < a.first_cycle_max:
            time.sleep(0.5)
        first_cycle_s = round(time.time() - w0, 1)
        log(f"  two polls seen {first_cycle_s} s after the window was up")
        page = drv.invoke("list_conversations", {"view": "mine", "cursor": None, "limit": 50})
        rows = [r for r in page["rows"]]
        if len(rows) < a.runs:
            raise RuntimeError("Your inbox has too few conversations")
        for i in range(a.runs):
            row = rows[i]
            if row.get("unread"):
                drv.invoke("mark_read", {"id": row["id"]})
            end = time.time() + 30
            before = drv.js(BADGE_JS)
            # Wait for the badge to settle (the mark applied, any poll in flight done).
            time.sleep(1.0)
            while drv.js(BADGE_JS) != before:
                before = drv.js(BADGE_JS)
                time.sleep(0.5)
                if time.time() > end:
                    break
            # A random phase against the poll interval.
            time.sleep(random.uniform(0, a.poll))
            n_before = len(notes)
            t0 = time.time()
            http_json("POST", f"{a.sandbox}/_sandbox/contact_reply",
                      {"conversation_id": row["id"], "body": f"<p>Benchmark reply {i}, still failing.</p>"})
            badge_at = note_at = None
            deadline = t0 + a.poll * 3 + 15
            while time.time() < deadline and (badge_at is None or note_at is None):
                if badge_at is None and (drv.js(BADGE_JS) or 0) > (before or 0):
                    badge_at = time.time()
                if note_at is None and len(notes) > n_before:
                    note_at = notes[n_before]
                time.sleep(0.02)
            r = {"conversation": row["id"],
                 "badge_s": None if badge_at is None else round(badge_at - t0, 3),
                 "notify_s": None if note_at is None else round(note_at - t0, 3)}
            log(f"  reply {i + 1}/{a.runs}: {r}")
            results.append(r)
    finally:
        drv.quit()
        mon.terminate()
    badge = [r["badge_s"] for r in results if r["badge_s"] is not None]
    note = [r["notify_s"] for r in results if r["notify_s"] is not None]
    print(json.dumps({"poll_s": a.poll, "first_two_polls_s": first_cycle_s, "badge_s": summary(badge), "notify_s": summary(note),
                      "missed_badge": sum(r["badge_s"] is None for r in results),
                      "missed_notify": sum(r["notify_s"] is None for r in results), "runs": results}))


# ---------------------------------------------------------------- view switching and scrolling

# Click a view in the sidebar and time until the list shows that view's first row, one frame
# later (painted). `expected` is the first row's id, asked for through the app's own command
# before the click.
SWITCH_JS = """
const [view, expected, done] = arguments;
const list = document.querySelector('[data-testid=conversation-list]');
const button = document.querySelector(`[data-view="${view}"]`);
if (!list || !button) { done({err: 'no list or no view button'}); return; }
const t0 = performance.now();
button.click();
const give_up = t0 + 5000;
function check() {
  const first = list.querySelector('.row[data-id]');
  if (button.getAttribute('aria-current') === 'page' && first && first.dataset.id === expected) {
    requestAnimationFrame(() => done({ms: performance.now() - t0}));
  } else if (performance.now() > give_up) {
    done({err: `view ${view} did not show ${expected}`});
  } else {
    requestAnimationFrame(check);
  }
}
check();
"""

# Scroll the list by `step` px every frame for `frames` frames and return the frame intervals.
SCROLL_JS = """
const [frames, step, done] = arguments;
const list = document.querySelector('[data-testid=conversation-list]');
list.scrollTop = 0;
const stamps = [];
function frame(t) {
  stamps.push(t);
  if (stamps.length > frames) {
    const gaps = stamps.slice(1).map((x, i) => x - stamps[i]);
    done({gaps, rows: list.querySelectorAll('.row').length, top: list.scrollTop});
    return;
  }
  list.scrollTop += step;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"""


def cmd_ui(a):
    env = {"AGENTDESK_TOKEN_STORE": "file", "AGENTDESK_DATA_DIR": a.data_dir}
    drv = Driver(a.driver, a.app, env, a.log)

    run_async = drv.run_async

    try:
        end = time.time() + 120
        while drv.js(BADGE_JS) is None:
            if time.time() > end:
                raise RuntimeError("the inbox never appeared")
            time.sleep(0.2)
        counts = {c["id"]: c["total"] for c in drv.invoke("get_view_counts", {})}
        views = [v for v in ("mine", "unassigned", "all_open", "snoozed", "closed") if counts.get(v, 0) > 0]
        switches = []
        for i in range(a.switches):
            view = views[(i + 1) % len(views)]
            first = drv.invoke("list_conversations", {"view": view, "cursor": None, "limit": 1})["rows"][0]["id"]
            r = run_async(SWITCH_JS, [view, first])
            if "err" in r:
                raise RuntimeError(r["err"])
            switches.append(round(r["ms"], 2))
        # Scrolling through the biggest view (All open at 100k cached: every row is virtual).
        biggest = max(views, key=lambda v: counts.get(v, 0))
        first = drv.invoke("list_conversations", {"view": biggest, "cursor": None, "limit": 1})["rows"][0]["id"]
        run_async(SWITCH_JS, [biggest, first])
        scroll = run_async(SCROLL_JS, [a.frames, a.step])
    finally:
        drv.quit()
    gaps = sorted(scroll["gaps"])
    p95 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.95))]
    fps = 1000.0 / statistics.median(gaps)
    print(json.dumps({"switch_ms": summary(switches), "views": views, "switches": switches,
                      "scroll": {"view": biggest, "rows_in_view": counts.get(biggest), "frames": len(gaps),
                                 "median_frame_ms": round(statistics.median(gaps), 2), "p95_frame_ms": round(p95, 2),
                                 "fps": round(fps, 1), "over_20ms": sum(g > 20 for g in gaps),
                                 "rows_in_dom": scroll["rows"]}}))


# ---------------------------------------------------------------- sandbox counters


def cmd_sample(a):
    with open(a.out, "a") as f:
        while True:
            try:
                s = http_json("GET", f"{a.url}/_sandbox/stats", timeout=5)
                f.write(json.dumps({"t": time.time(), "stats": s}) + "\n")
                f.flush()
            except Exception as e:  # the sandbox is busy or gone: try again
                log(f"sample: {e}")
            time.sleep(0.5)


def cmd_details(a):
    route = "GET /conversations/{id}"
    rows = []
    with open(a.samples) as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            rows.append((d["t"], d["stats"]["per_route"].get(route, 0), d["stats"]["rate_limited"]))
    if not rows:
        print(json.dumps({"error": "no samples"}))
        return
    base = rows[0][1]
    moving = [r for r in rows if r[1] > base]
    if len(moving) < 2:
        print(json.dumps({"error": "no detail requests seen", "details": rows[-1][1] - base}))
        return
    # The phase: from the last sample before the first detail to the first sample at the final count.
    first_i = rows.index(moving[0]) - 1
    final = rows[-1][1]
    last_i = next(i for i, r in enumerate(rows) if r[1] == final)
    t_start, c_start = rows[first_i][0], rows[first_i][1]
    t_end, c_end = rows[last_i][0], rows[last_i][1]
    span = t_end - t_start
    whole = int(span // a.window)
    out = {"details": c_end - c_start, "phase_s": round(span, 1), "ceiling_per_window": a.limit,
           "rate_limited_total": rows[-1][2] - rows[0][2]}
    if whole >= 1:
        # Whole windows from the start of the phase (the governor bursts at each window's start,
        # so any window-long interval in the steady state holds one window's worth).
        t_cut = t_start + whole * a.window
        c_cut = max(r[1] for r in rows if r[0] <= t_cut)
        out["whole_windows"] = whole
        out["share"] = round((c_cut - c_start) / (whole * a.limit), 4)
        out["share_whole_phase"] = round((c_end - c_start) / (span / a.window * a.limit), 4)
    else:
        out["share_whole_phase"] = round((c_end - c_start) / (span / a.window * a.limit), 4)
        out["note"] = "detail phase shorter than one window"
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("pss")
    s.add_argument("pid", type=int)
    s = sub.add_parser("gui")
    s.add_argument("--app", required=True)
    s.add_argument("--hello", help="the hello-world binary; without it only the app is measured")
    s.add_argument("--data-dir")
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--warmup", type=int, default=1, help="discarded runs of each subject first")
    s.add_argument("--settle", type=float, default=10.0)
    s.add_argument("--timeout", type=float, default=60.0)
    s.add_argument("--log", default="/dev/null")
    s.add_argument("--after-app", help="shell command run after each Agentdesk run, outside the timing")
    s = sub.add_parser("notify")
    s.add_argument("--app", required=True)
    s.add_argument("--driver", required=True)
    s.add_argument("--data-dir", required=True)
    s.add_argument("--sandbox", required=True)
    s.add_argument("--poll", type=float, default=10.0)
    s.add_argument("--runs", type=int, default=3)
    s.add_argument("--first-cycle-max", type=float, default=240.0)
    s.add_argument("--log", default="/dev/null")
    s = sub.add_parser("ui")
    s.add_argument("--app", required=True)
    s.add_argument("--driver", required=True)
    s.add_argument("--data-dir", required=True)
    s.add_argument("--switches", type=int, default=20)
    s.add_argument("--frames", type=int, default=180)
    s.add_argument("--step", type=int, default=120)
    s.add_argument("--log", default="/dev/null")
    s = sub.add_parser("sample")
    s.add_argument("url")
    s.add_argument("out")
    s = sub.add_parser("details")
    s.add_argument("samples")
    s.add_argument("--limit", type=int, default=1666)
    s.add_argument("--window", type=float, default=10.0)
    a = p.parse_args()
    if a.cmd == "pss":
        total, parts = tree_pss(a.pid)
        print(json.dumps({"pss_kb": total, "parts": parts}))
    else:
        {"gui": cmd_gui, "notify": cmd_notify, "ui": cmd_ui, "sample": cmd_sample, "details": cmd_details}[a.cmd](a)


if __name__ == "__main__":
    main()
