"""bench/results.md and bench/results.svg from bench/results/<size>.json (no extra deps).

.venv/bin/python bench/run.py --report-only
"""

from __future__ import annotations

import json
import math
from pathlib import Path

# (scenario, request name) in report order; goodwill is two requests.
ROWS = [
    ("floor", "floor"),
    ("lookup", "lookup by mobile"),
    ("details", "details embed=points,subscriptions,mlp"),
    ("search_name", "search name prefix"),
    ("search_mobile", "search mobile prefix"),
    ("register", "register new customer"),
    ("register_other_source", "register second source"),
    ("update", "update customer"),
    ("bill", "add bill"),
    ("goodwill", "raise goodwill"),
    ("goodwill", "approve goodwill"),
    ("admin_search", "admin search"),
    ("admin_view", "admin view"),
]
TARGET_CLIENTS = "8"


def _load(folder: Path) -> dict[int, dict]:
    runs = {}
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        runs[data["customers"]] = data
    return dict(sorted(runs.items()))


def _queries(run: dict, name: str) -> str:
    """Queries of the scenario's counted call, flagged when that call was refused (a count
    taken on an error answer says nothing about the scenario)."""
    counted = run["queries"].get(name)
    if not counted:
        return "–"
    status = counted.get("status", 200)
    return str(counted["queries"]) + ("" if status == 200 else f" (HTTP {status})")


def _row(run: dict, scenario: str, name: str, clients: str) -> dict | None:
    return run["results"].get(scenario, {}).get(clients, {}).get(name)


def _floor(run: dict, scenario: str, clients: str) -> dict | None:
    """The floor measured just before the scenario at the same concurrency (older results:
    the floor of the same run)."""
    own = run["results"].get(scenario, {}).get("_floor")
    source = own if own else run["results"].get("floor", {})
    return source.get(clients, {}).get("floor")


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _server(row: dict) -> str:
    if "server_p50" not in row:
        return "–"
    return f"{_fmt(row['server_p50'])} / {_fmt(row['server_p95'])}"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def size_table(run: dict) -> list[str]:
    lines = [
        f"### {run['customers']:,} customers",
        "",
        f"Measured {run['measured_at']}, {run['duration']} s per run, gunicorn "
        f"{run['workers']} sync workers, {run['cpus']} CPUs shared with the load tool "
        f"({run.get('load_tool', 'Locust')}), cache and rate "
        f"limiter: {run['cache']}. Largest gunicorn worker RSS over the run: "
        f"**{max(run['memory_mb'].values()):.0f} MB**."
        + (
            f" Machine speed: a fixed Python loop took {run['python_loop_ms']} ms "
            "(`bench/run.py` `machine_speed`; lower is faster)."
            if run.get("python_loop_ms")
            else ""
        ),
        "",
        "| scenario | clients | req/s | p50 ms | p95 ms | p99 ms | server p50 / p95 ms "
        "| req/s ÷ floor | p50 ÷ floor | queries | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, name in ROWS:
        for clients in map(str, run["concurrency"]):
            row = _row(run, scenario, name, clients)
            if row is None:
                continue
            floor = _floor(run, scenario, clients)
            rps_ratio = row["rps"] / floor["rps"] if floor and floor["rps"] else None
            p50_ratio = row["p50"] / floor["p50"] if floor and floor["p50"] else None
            queries = _queries(run, name)
            lines.append(
                f"| {name} | {clients} | {_fmt(row['rps'], 0)} | {_fmt(row['p50'])} | "
                f"{_fmt(row['p95'])} | {_fmt(row['p99'])} | {_server(row)} | {_fmt(rps_ratio, 2)} | "
                f"{_fmt(p50_ratio, 1)} | {queries} | "
                f"{row['failures']} |"
            )
    return lines


def growth_table(small: dict, big: dict) -> list[str]:
    """p50 at 8 clients, big size over small size; raw and relative to each run's floor."""
    lines = [
        f"### Cost growth from {_size(small['customers'])} to {_size(big['customers'])} "
        f"customers ({TARGET_CLIENTS} clients)",
        "",
        "Raw: p50 latency at the big size ÷ p50 at the small size. Floor-relative: the same "
        "for each scenario's p50 ÷ the floor's p50 of its own run, which cancels the load "
        "other work put on the shared machine during either run.",
        "",
        f"| scenario | p50 {_size(small['customers'])} | p50 {_size(big['customers'])} "
        f"| raw growth | floor-relative growth | queries {_size(small['customers'])} → "
        f"{_size(big['customers'])} |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for scenario, name in ROWS:
        a = _row(small, scenario, name, TARGET_CLIENTS)
        b = _row(big, scenario, name, TARGET_CLIENTS)
        if not a or not b:
            continue
        fa = _floor(small, scenario, TARGET_CLIENTS)
        fb = _floor(big, scenario, TARGET_CLIENTS)
        raw = b["p50"] / a["p50"] if a["p50"] else None
        relative = (b["p50"] / fb["p50"]) / (a["p50"] / fa["p50"]) if fa and fb else None
        qa, qb = _queries(small, name), _queries(big, name)
        lines.append(
            f"| {name} | {_fmt(a['p50'])} | {_fmt(b['p50'])} | {_fmt(raw, 2)}x | "
            f"{_fmt(relative, 2)}x | {qa} → {qb} |"
        )
    return lines


def growth(small: dict, big: dict, scenario: str, name: str) -> float | None:
    a = _row(small, scenario, name, TARGET_CLIENTS)
    b = _row(big, scenario, name, TARGET_CLIENTS)
    fa = _floor(small, scenario, TARGET_CLIENTS)
    fb = _floor(big, scenario, TARGET_CLIENTS)
    if not (a and b and fa and fb and a["p50"] and fa["p50"] and fb["p50"]):
        return None
    return (b["p50"] / fb["p50"]) / (a["p50"] / fa["p50"])


def targets(small: dict | None, big: dict) -> list[tuple[str, str, bool | None]]:
    """(target, figure, met) at the biggest size measured, 8 clients."""
    out = []
    for scenario, name in ROWS[1:3]:
        row = _row(big, scenario, name, TARGET_CLIENTS)
        floor = _floor(big, scenario, TARGET_CLIENTS)
        if row and floor:
            share = row["rps"] / floor["rps"]
            out.append((f"{name}: throughput ≥ 60% of the floor's", f"{share:.0%}", share >= 0.6))
            out.append((f"{name}: p99 < 25 ms", f"{row['p99']:.1f} ms", row["p99"] < 25))
    for scenario, name in ROWS[3:5]:
        row = _row(big, scenario, name, TARGET_CLIENTS)
        if row:
            out.append((f"{name}: p95 < 50 ms", f"{row['p95']:.1f} ms", row["p95"] < 50))
    for scenario, name in ROWS[5:7]:
        row = _row(big, scenario, name, TARGET_CLIENTS)
        if row:
            out.append((f"{name}: ≥ 100 per second", f"{row['rps']:.0f}/s", row["rps"] >= 100))
    for scenario, name in ROWS[11:13]:
        row = _row(big, scenario, name, TARGET_CLIENTS)
        if row and "server_p95" in row:  # gunicorn's own time, without queueing
            out.append(
                (f"{name}: server time p95 < 300 ms", f"{row['server_p95']:.0f} ms",
                 row["server_p95"] < 300)
            )  # fmt: skip
        elif (row := _row(big, scenario, name, "1")) is not None:  # 1 client: no queue
            out.append(
                (f"{name}: < 300 ms (p95 at 1 client, no queueing)", f"{row['p95']:.0f} ms",
                 row["p95"] < 300)
            )  # fmt: skip
    if small is not None:
        for scenario, name in ROWS[1:7]:
            limit = 2.0 if scenario.startswith("search") else 1.5
            value = growth(small, big, scenario, name)
            if value is not None:
                out.append(
                    (f"{name}: growth {_size(small['customers'])}→{_size(big['customers'])} "
                     f"≤ {limit}x (floor-relative p50)", f"{value:.2f}x", value <= limit)
                )  # fmt: skip
        changed = [
            f"{name} {small['queries'][name]['queries']}→{big['queries'][name]['queries']}"
            for name in big["queries"]
            if name in small["queries"]
            and small["queries"][name]["queries"] != big["queries"][name]["queries"]
        ]
        out.append(
            (
                "queries per request constant in the data size",
                "all equal" if not changed else "differ: " + ", ".join(changed),
                not changed,
            )
        )
    worst = max(big["memory_mb"].values())
    out.append(("gunicorn worker RSS < 250 MB", f"{worst:.0f} MB", worst < 250))
    return out


def svg_plot(runs: dict[int, dict]) -> str:
    """p50 latency at 8 clients against the number of customers (log x, log y)."""
    width, height, left, right, top, bottom = 760, 420, 60, 250, 20, 50
    series = []
    for scenario, name in ROWS:
        points = [
            (size, row["p50"])
            for size, run in runs.items()
            if (row := _row(run, scenario, name, TARGET_CLIENTS)) and row["p50"] > 0
        ]
        if points:
            series.append((name, points))
    sizes = sorted(runs)
    values = [v for _, points in series for _, v in points] or [1]
    x_lo, x_hi = math.log10(min(sizes)), math.log10(max(sizes))
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    y_lo = math.floor(math.log10(min(values)))
    y_hi = math.ceil(math.log10(max(values)))
    if y_hi == y_lo:
        y_hi += 1

    def x(size: float) -> float:
        return left + (math.log10(size) - x_lo) / (x_hi - x_lo) * (width - left - right)

    def y(value: float) -> float:
        return top + (y_hi - math.log10(value)) / (y_hi - y_lo) * (height - top - bottom)

    colours = ["#000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
               "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]  # fmt: skip
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for exponent in range(y_lo, y_hi + 1):
        yy = y(10**exponent)
        parts.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{10**exponent:g}</text>'
        )
    for size in sizes:
        xx = x(size)
        parts.append(
            f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{height - bottom}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{xx:.1f}" y="{height - bottom + 16}" text-anchor="middle">{_size(size)}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
        "customers (log scale)</text>"
    )
    parts.append(
        f'<text x="14" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + height - bottom) / 2})">p50 latency, ms, '
        f"{TARGET_CLIENTS} clients (log)</text>"
    )
    for index, (name, points) in enumerate(series):
        colour = colours[index % len(colours)]
        path = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in points)
        dash = ' stroke-dasharray="5,3"' if name == "floor" else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for s, v in points:
            parts.append(f'<circle cx="{x(s):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 + index * 16
        parts.append(
            f'<line x1="{width - right + 12}" y1="{ly - 4}" x2="{width - right + 32}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(f'<text x="{width - right + 38}" y="{ly}">{name[:34]}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_report(folder: Path, markdown: Path, svg: Path, notes: Path | None = None) -> None:
    runs = _load(folder)
    if not runs:
        raise SystemExit(f"no results in {folder}")
    sizes = sorted(runs)
    big = runs[sizes[-1]]
    small = runs[sizes[0]] if len(sizes) > 1 else None
    svg.write_text(svg_plot(runs))
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (see README, *Benchmarks*). Latencies are measured by the "
        "load tool on loopback, so they include HTTP and the client; *÷ floor* compares with "
        "`GET /v2/_floor/<id>` (same authentication and rate limiter, one primary-key query) "
        "measured just before each scenario at the same concurrency.",
        "",
        "Commands (from the project directory, with `.venv/bin/`):",
        "",
        *sorted(
            {
                f"- `{run.get('command') or 'python bench/run.py'}` ({run['duration']} s per run)"
                for run in runs.values()
            }
        ),
        "",
        f"![p50 latency against data size]({svg.name})",
        "",
        f"## Targets at {big['customers']:,} customers, {TARGET_CLIENTS} clients",
        "",
        "| target | figure | met |",
        "|---|---:|:---:|",
    ]
    for target, figure, met in targets(small, big):
        lines.append(f"| {target} | {figure} | {'yes' if met else 'no'} |")
    lines.append("")
    if notes is not None and notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    if small is not None:
        lines += growth_table(small, big) + [""]
        for middle in sizes[1:-1]:
            lines += growth_table(small, runs[middle]) + [""]
    lines.append("## Figures per data size")
    lines.append("")
    for size in reversed(sizes):
        lines += size_table(runs[size]) + [""]
    markdown.write_text("\n".join(lines))
