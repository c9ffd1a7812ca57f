#!/usr/bin/env python3
"""The live view, the checks and the plot of scripts/demo.

Polls once a second, from the moment the publisher Job was created (t = 0):
  * RabbitMQ's management API: queue depth (ready + unacknowledged) and acknowledged messages;
  * the API server: the consumer Deployment (desired and ready replicas), tidal's HPA (the
    external metric's current average value), the publisher Job.
Prints one line per second, then a summary with the line
  summary: first-replica=<s>s peak=<n>@<s>s drained=<s>s zero=<s>s
(first ready consumer; most ready consumers and when first reached; all messages acknowledged
and none left; consumers back to zero), writes samples.csv and demo.svg to --out, and exits 0
when the scenario passed: a first replica, a peak of at least --min-peak, the queue drained and
zero replicas within --bound seconds. Standard library only.
"""

import argparse
import base64
import csv
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--pki", required=True, help="dir with ca.crt, admin.crt, admin.key")
    p.add_argument("--rabbitmq-http", required=True, help="http://user:pass@127.0.0.1:port/")
    p.add_argument("--namespace", default="default")
    p.add_argument("--deployment", default="rabbitmq-consumer")
    p.add_argument("--hpa", default="keda-hpa-rabbitmq-consumer")
    p.add_argument("--job", default="rabbitmq-publish")
    p.add_argument("--queue", default="hello")
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--t0", type=float, required=True, help="epoch seconds of the Job's creation")
    p.add_argument("--min-peak", type=int, default=10)
    p.add_argument("--bound", type=float, default=180.0, help="seconds allowed until zero")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--out", required=True)
    return p.parse_args()


class Api:
    def __init__(self, server, pki):
        self.server = server.rstrip("/")
        self.ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        self.ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))

    def get(self, path):
        try:
            with urllib.request.urlopen(self.server + path, context=self.ctx, timeout=3) as r:
                return json.load(r)
        except (urllib.error.URLError, OSError, ValueError):
            return None


class Rabbit:
    def __init__(self, url):
        rest = url.split("://", 1)[1]
        creds, hostport = rest.split("@", 1)
        self.base = "http://" + hostport.rstrip("/")
        self.auth = "Basic " + base64.b64encode(creds.encode()).decode()

    def queue(self, name):
        req = urllib.request.Request(self.base + "/api/queues/%2F/" + name,
                                     headers={"Authorization": self.auth})
        try:
            with urllib.request.urlopen(req, timeout=3) as r:
                return json.load(r)
        except (urllib.error.URLError, OSError, ValueError):
            return None


def sample(api, rabbit, a, t0):
    ns = a.namespace
    t = time.time() - t0
    q = rabbit.queue(a.queue) or {}
    dep = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{a.deployment}") or {}
    hpa = api.get(f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{a.hpa}") or {}
    job = api.get(f"/apis/batch/v1/namespaces/{ns}/jobs/{a.job}") or {}
    metric = ""
    for m in hpa.get("status", {}).get("currentMetrics", []) or []:
        cur = m.get("external", {}).get("current", {})
        metric = cur.get("averageValue") or cur.get("value") or ""
    js = job.get("status", {})
    return {
        "t": round(t, 2),
        "ready_msgs": int(q.get("messages_ready", 0)),
        "unacked": int(q.get("messages_unacknowledged", 0)),
        "acked": int(q.get("message_stats", {}).get("ack", 0)),
        "published": int(q.get("message_stats", {}).get("publish", 0)),
        "desired": int(dep.get("spec", {}).get("replicas", 0)),
        "pods": int(dep.get("status", {}).get("replicas", 0)),
        "ready": int(dep.get("status", {}).get("readyReplicas", 0)),
        "hpa_desired": hpa.get("status", {}).get("desiredReplicas", ""),
        "metric": metric,
        "job": "done" if js.get("succeeded") else ("failed" if js.get("failed") else "running"),
        "ok": bool(q) and bool(dep),
    }


def bar(n, width=30):
    return "#" * min(n, width) + ("+" if n > width else "")


def svg_plot(samples, marks, path, messages):
    w, h, left, right, top, bottom = 900, 420, 60, 60, 40, 50
    pw, ph = w - left - right, h - top - bottom
    tmax = max(s["t"] for s in samples) or 1
    qmax = max([messages] + [s["ready_msgs"] + s["unacked"] for s in samples])
    rmax = max([10] + [max(s["desired"], s["ready"]) for s in samples])
    rmax = ((rmax + 4) // 5) * 5

    def x(t):
        return left + pw * t / tmax

    def yq(v):
        return top + ph - ph * v / qmax

    def yr(v):
        return top + ph - ph * v / rmax

    def steps(key, ys):
        pts, prev = [], None
        for s in samples:
            if prev is not None:
                pts.append(f"{x(s['t']):.1f},{ys(prev):.1f}")
            pts.append(f"{x(s['t']):.1f},{ys(s[key]):.1f}")
            prev = s[key]
        return " ".join(pts)

    queue = " ".join(f"{x(s['t']):.1f},{yq(s['ready_msgs'] + s['unacked']):.1f}" for s in samples)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="15">tidal demo: '
           f'{messages} messages, RabbitMQ queue depth and consumer replicas</text>']
    for i in range(6):  # grid and axes labels
        gy = top + ph * i / 5
        out.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{left + pw}" y2="{gy:.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="#1f77b4">'
                   f'{round(qmax * (5 - i) / 5)}</text>')
        out.append(f'<text x="{left + pw + 6}" y="{gy + 4:.1f}" fill="#d62728">'
                   f'{round(rmax * (5 - i) / 5)}</text>')
    step = 10 if tmax <= 150 else 30
    t = 0
    while t <= tmax:
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{t}s</text>')
        t += step
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               f'stroke="#333"/>')
    for label, t_mark in marks:
        out.append(f'<line x1="{x(t_mark):.1f}" y1="{top}" x2="{x(t_mark):.1f}" '
                   f'y2="{top + ph}" stroke="#999" stroke-dasharray="3,3"/>')
        out.append(f'<text x="{x(t_mark) + 3:.1f}" y="{top + 12}" fill="#555" '
                   f'font-size="11">{label}</text>')
    out.append(f'<polyline points="{queue}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    out.append(f'<polyline points="{steps("desired", yr)}" fill="none" stroke="#ff7f0e" '
               f'stroke-width="1.5" stroke-dasharray="5,3"/>')
    out.append(f'<polyline points="{steps("ready", yr)}" fill="none" stroke="#d62728" '
               f'stroke-width="2"/>')
    ly = h - 12
    out.append(f'<text x="{left}" y="{ly}" fill="#1f77b4">queue depth (left axis)</text>')
    out.append(f'<text x="{left + 200}" y="{ly}" fill="#d62728">ready replicas (right)</text>')
    out.append(f'<text x="{left + 390}" y="{ly}" fill="#ff7f0e">desired replicas (right)</text>')
    out.append(f'<text x="{left + pw}" y="{ly}" text-anchor="end">seconds since the publisher '
               f'Job was created</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    a = parse_args()
    api, rabbit = Api(a.server, a.pki), Rabbit(a.rabbitmq_http)
    samples = []
    first = peak_t = drained = zero = None
    peak = 0
    print(f"{'time':>6}  {'queue':>5} {'unack':>5} {'acked':>5}  {'desired':>7} {'ready':>5}  "
          f"{'metric':>8}  {'job':<8} replicas", flush=True)
    next_tick = time.time()
    while True:
        s = sample(api, rabbit, a, a.t0)
        samples.append(s)
        if first is None and s["ready"] >= 1:
            first = s["t"]
        if s["ready"] > peak:
            peak, peak_t = s["ready"], s["t"]
        if drained is None and s["acked"] >= a.messages and s["ready_msgs"] + s["unacked"] == 0:
            drained = s["t"]
        if drained is not None and zero is None and s["desired"] == 0 and s["pods"] == 0:
            zero = s["t"]
        print(f"{s['t']:5.0f}s  {s['ready_msgs']:5d} {s['unacked']:5d} {s['acked']:5d}  "
              f"{s['desired']:7d} {s['ready']:5d}  {s['metric'] or '-':>8}  {s['job']:<8} "
              f"{bar(s['ready'])}{'' if s['ok'] else '  (no answer)'}", flush=True)
        if zero is not None or s["t"] > a.timeout:
            break
        next_tick += 1.0
        time.sleep(max(0.0, next_tick - time.time()))

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "samples.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(samples[0].keys()))
        writer.writeheader()
        writer.writerows(samples)
    marks = [(n, t) for n, t in (("first replica", first), (f"peak {peak}", peak_t),
                                  ("drained", drained), ("zero", zero)) if t is not None]
    svg = os.path.join(a.out, "demo.svg")
    svg_plot(samples, marks, svg, a.messages)

    def fmt(v):
        return "-" if v is None else f"{v:.1f}"

    last = samples[-1]
    print()
    print("== summary")
    print(f"messages published {last['published']}, acknowledged {last['acked']} "
          f"(expected {a.messages}); publisher Job {last['job']}")
    print(f"first consumer ready     {fmt(first)} s after the publisher Job was created")
    print(f"peak ready replicas      {peak} at {fmt(peak_t)} s")
    print(f"queue drained            {fmt(drained)} s")
    print(f"back to zero replicas    {fmt(zero)} s")
    print(f"summary: first-replica={fmt(first)}s peak={peak}@{fmt(peak_t)}s "
          f"drained={fmt(drained)}s zero={fmt(zero)}s")
    print(f"plot: {svg}")
    print(f"samples: {os.path.join(a.out, 'samples.csv')}")

    failures = []
    if first is None:
        failures.append("no consumer replica became ready")
    if peak < a.min_peak:
        failures.append(f"peak of {peak} ready replicas, expected at least {a.min_peak}")
    if drained is None:
        failures.append(f"the queue was not drained ({last['acked']} of {a.messages} acked)")
    if zero is None:
        failures.append("the consumer did not go back to zero replicas")
    elif zero > a.bound:
        failures.append(f"back to zero after {zero:.1f} s, over the bound of {a.bound:.0f} s")
    if last["acked"] != a.messages:
        failures.append(f"{last['acked']} messages acknowledged, expected exactly {a.messages}")
    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print(f"PASS: 0 -> {peak} -> 0 replicas, {a.messages} messages processed, "
              f"zero after {zero:.1f} s (bound {a.bound:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
