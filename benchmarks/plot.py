"""Plot operations per second against board size for every subject of ``compare.py``.

    python benchmarks/compare.py --json results.json
    python benchmarks/plot.py results.json [--out docs/img/throughput.png]

One panel per operation (submit + rank, top 100, around-me 10/10), log-log axes, one line
per subject. Needs matplotlib (``pip install -e '.[benchmarks]'``).
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
    figure, axes = plt.subplots(1, len(OPERATIONS), figsize=(15, 5.2), sharey=True)
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
    handles: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(
        list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=9
    )
    machine = results["machine"]
    figure.suptitle(
        f"rankcore vs bare reference vs Redis {results.get('redis_version', '')} over loopback "
        f"- CPython {machine['python']}, {machine['processor']}",
        fontsize=11,
    )
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("results", help="the JSON file written by compare.py --json")
    parser.add_argument("--out", default="docs/img/throughput.png")
    args = parser.parse_args(argv)
    plot(json.loads(Path(args.results).read_text()), Path(args.out))


if __name__ == "__main__":
    main()
