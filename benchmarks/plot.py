"""Plot operations per second against board size for every subject of ``compare.py``.

    python benchmarks/compare.py --json results.json
    python benchmarks/plot.py results.json [--out docs/img/throughput.png]

One panel per operation (submit + rank, top 100, around-me 10/10), log-log axes, one line
per subject, and a last panel of the kernel's ratios against the references with the goals
of issue #14 (listings against ``reference+listing``, submissions against ``reference``).
Needs matplotlib (``pip install -e '.[benchmarks]'``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OPERATIONS = (
    ("incr+rank", "submit a score + competition rank"),
    ("top100", "top 100"),
    ("around10", "around-me 10/10"),
)
STYLE = {
    "rankcore": ("#d62728", "o", 2.6),
    "reference": ("#7f7f7f", "s", 1.4),
    "reference+listing": ("#2ca02c", "D", 1.4),
    "redis": ("#1f77b4", "^", 1.4),
    "redis-pipe100": ("#17becf", "v", 1.4),
    "redis-lua": ("#9467bd", "P", 1.4),
    "leaderboard-pkg": ("#ff7f0e", "X", 1.4),
}


def plot(results: dict[str, Any], out: Path) -> None:
    sizes = sorted(int(s) for s in results["sizes"])
    subjects: list[str] = []
    for size in sizes:
        for name in results["sizes"][str(size)]["rates"]:
            if name not in subjects:
                subjects.append(name)
    figure = plt.figure(figsize=(20, 5.2))
    panels = len(OPERATIONS) + 1
    first = figure.add_subplot(1, panels, 1)
    axes = [first] + [figure.add_subplot(1, panels, i, sharey=first) for i in range(2, panels)]
    ratios = figure.add_subplot(1, panels, panels)
    for axis, (op, title) in zip(axes, OPERATIONS, strict=True):
        for name in subjects:
            points = [
                (size, results["sizes"][str(size)]["rates"][name].get(op))
                for size in sizes
                if name in results["sizes"][str(size)]["rates"]
            ]
            points = [(x, y) for x, y in points if y]
            if not points:
                continue
            color, marker, width = STYLE.get(name, ("black", "o", 1.4))
            xs, ys = zip(*points, strict=True)
            axis.plot(xs, ys, label=name, color=color, marker=marker, linewidth=width)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title)
        axis.set_xlabel("board size (members)")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("operations per second (higher is better)")
    _plot_ratios(ratios, results, sizes)
    handles: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(
        list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=9
    )
    machine = results["machine"]
    redis = results.get("redis_version")
    peers = f" vs Redis {redis} over loopback" if redis else " (in-process subjects only)"
    figure.suptitle(
        f"rankcore vs bare reference{peers} - CPython {machine['python']}, {machine['processor']}",
        fontsize=11,
    )
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    print(f"wrote {out}")


RATIOS = (
    ("top100", "reference+listing", "top 100 / reference+listing (goal 0.6)", 0.6, "#d62728"),
    ("around10", "reference+listing", "around-me / reference+listing (goal 0.9)", 0.9, "#ff7f0e"),
    ("incr+rank", "reference", "submit / reference (goal 1.0; 1.25 at 1M)", 1.0, "#1f77b4"),
    (
        "top100+read",
        "reference+listing",
        "top 100, fields read / reference+listing",
        None,
        "#9467bd",
    ),
)


def _plot_ratios(axis: Any, results: dict[str, Any], sizes: list[int]) -> None:
    """rankcore's throughput over a reference's, per size, with each goal as a dashed line."""
    for op, base, label, goal, color in RATIOS:
        points = []
        for size in sizes:
            rates = results["sizes"][str(size)]["rates"]
            mine, theirs = rates.get("rankcore", {}).get(op), rates.get(base, {}).get(op)
            if mine and theirs:
                points.append((size, mine / theirs))
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        axis.plot(xs, ys, label=label, color=color, marker="o")
        if goal is not None:
            axis.axhline(goal, color=color, linestyle="--", linewidth=0.8)
    axis.set_xscale("log")
    axis.set_title("rankcore / reference (higher is better)")
    axis.set_xlabel("board size (members)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("results", help="the JSON file written by compare.py --json")
    parser.add_argument("--out", default="docs/img/throughput.png")
    args = parser.parse_args(argv)
    plot(json.loads(Path(args.results).read_text()), Path(args.out))


if __name__ == "__main__":
    main()
