#!/usr/bin/env python3
"""Top frames of a JFR recording's CPU-time samples (JDK 25's jdk.CPUTimeSample, or jdk.ExecutionSample)
and its sampled allocation, optionally inside a time window (one measured batch of cpu-per-request.sh).

Usage: jfr-top.py REC.jfr [--from HH:MM:SS --to HH:MM:SS] [--event jdk.CPUTimeSample] [--top 25]
                   [--group PREFIX=LABEL ...]

Prints: self (leaf) frames by share; inclusive shares of the --group prefixes (a sample counts once,
under the first group, in the order given, whose prefix appears anywhere in its stack); allocation by class and by the
first frame outside java./jdk./sun. (sampled weight, jdk.ObjectAllocationSample).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

DEFAULT_GROUPS = [
    "dev.reacher.core.smtp=SMTP session",
    "org.xbill.DNS=DNS (dnsjava)",
    "dev.reacher.core.mx=MX lookup",
    "dev.reacher.core.json=JSON (ReacherJson)",
    "dev.reacher.core=other verification",
    "com.fasterxml.jackson=JSON (Jackson)",
    "ch.qos.logback=logback",
    "io.micrometer=Micrometer",
    "dev.reacher.server.metrics=metrics",
    "dev.reacher.server=server code",
    "io.javalin=Javalin",
    "kotlin.=Javalin (Kotlin runtime)",
    "jakarta.servlet=servlet API",
    "org.eclipse.jetty.ee10=Jetty servlet layer",
    "org.eclipse.jetty=Jetty",
    "jdk.internal.vm.Continuation=virtual threads",
    "java.lang.VirtualThread=virtual threads",
    "sun.nio.ch.Poller=I/O poller",
    "sun.nio.ch=NIO",
]


def run_jfr(args):
    java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
    out = subprocess.run([os.path.join(java_home, "bin", "jfr")] + args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frames(event):
    trace = event["values"].get("stackTrace") or {}
    result = []
    for f in trace.get("frames") or []:
        m = f["method"]
        result.append(m["type"]["name"].replace("/", ".") + "." + m["name"])
    return result


def in_window(event, start, end):
    t = event["values"]["startTime"][11:19]  # 2026-12-02T14:46:32.123...
    return (start is None or t >= start) and (end is None or t <= end)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("recording")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    p.add_argument("--event", default="jdk.CPUTimeSample")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--group", action="append")
    a = p.parse_args()
    groups = [g.split("=", 1) for g in (a.group or DEFAULT_GROUPS)]

    samples = [e for e in run_jfr(["print", "--json", "--stack-depth", "256", "--events", a.event, a.recording])
               if in_window(e, a.start, a.end)]
    n = len(samples) or 1
    leaf = collections.Counter()
    grouped = collections.Counter()
    threads = collections.Counter()
    for e in samples:
        fs = frames(e)
        leaf[fs[0] if fs else "?"] += 1
        label = next((lab for pre, lab in groups if any(f.startswith(pre) for f in fs)), "other")
        grouped[label] += 1
        thread = (e["values"].get("sampledThread") or e["values"].get("eventThread") or {})
        threads[thread.get("javaName") or thread.get("osName") or "?"] += 1
    print(f"{a.event}: {len(samples)} samples in window {a.start or '-'}..{a.end or '-'}")
    print("\nself (leaf frame):")
    for f, c in leaf.most_common(a.top):
        print(f"  {100 * c / n:5.1f} %  {f}")
    print("\nby the first group (in the order given) with a frame anywhere in the stack:")
    for g, c in grouped.most_common():
        print(f"  {100 * c / n:5.1f} %  {g}")
    print("\nby thread name (virtual threads are unnamed: empty):")
    for t, c in threads.most_common(12):
        print(f"  {100 * c / n:5.1f} %  {t!r}")

    allocs = [e for e in run_jfr(["print", "--json", "--stack-depth", "64", "--events", "jdk.ObjectAllocationSample",
                                  a.recording]) if in_window(e, a.start, a.end)]
    total = sum(e["values"]["weight"] for e in allocs) or 1
    by_class = collections.Counter()
    by_site = collections.Counter()
    for e in allocs:
        w = e["values"]["weight"]
        by_class[e["values"]["objectClass"]["name"]] += w
        fs = frames(e)
        site = next((f for f in fs if not f.startswith(("java.", "jdk.", "sun."))), fs[0] if fs else "?")
        by_site[site] += w
    print(f"\nallocation (sampled weight): {total / 1e6:.0f} MB in window")
    for c, w in by_class.most_common(10):
        print(f"  {100 * w / total:5.1f} %  {c}")
    print("by first frame outside java./jdk./sun.:")
    for s, w in by_site.most_common(a.top):
        print(f"  {100 * w / total:5.1f} %  {s}")


if __name__ == "__main__":
    sys.exit(main())
