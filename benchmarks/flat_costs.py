"""What ``bench_costs.py`` and ``bench_audit.py`` share: the same calls timed on stores of several sizes in
interleaved rounds (machine noise hits every size alike), medians, and each call's ratio to the smallest store
against a flat-within target."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection, Mapping

Calls = Mapping[str, Callable[[], object]]


def measure(targets: Mapping[int, Calls], *, rounds: int, per_round: int, warmup: int) -> dict[int, dict[str, float]]:
    """Median microseconds per call, by store size and call name."""
    for calls in targets.values():
        for call in calls.values():
            for _ in range(warmup):
                call()
    samples: dict[int, dict[str, list[float]]] = {rows: {} for rows in targets}
    for _ in range(rounds):
        for rows, calls in targets.items():
            for name, call in calls.items():
                for _ in range(per_round):
                    start = time.perf_counter()
                    call()
                    samples[rows].setdefault(name, []).append(time.perf_counter() - start)
    return {rows: {name: statistics.median(v) * 1e6 for name, v in by.items()} for rows, by in samples.items()}


def report(
    medians: Mapping[int, Mapping[str, float]], *, target: float, header: str, not_judged: Collection[str] = ()
) -> None:
    """Print each call's medians and ratios to the smallest store, and whether all judged calls stay flat."""
    sizes = sorted(medians)
    base = medians[sizes[0]]
    print(f"{header}; ratio vs {sizes[0]:,} rows; target <= {target}x")
    print(f"{'call':30}" + "".join(f"{rows:>16,} rows" for rows in sizes) + "   worst")
    worst_all = 0.0
    for name in base:
        ratios = [medians[rows][name] / base[name] for rows in sizes]
        worst = max(ratios)
        if name not in not_judged:
            worst_all = max(worst_all, worst)
        cells = "".join(f"{medians[rows][name]:>12.0f} us {r:4.2f}x" for rows, r in zip(sizes, ratios, strict=True))
        verdict = "(not judged)" if name in not_judged else ("ok" if worst <= target else "OVER")
        print(f"{name:30}{cells}   {worst:.2f}x {verdict}")
    print(f"flat within {target}x: {'yes' if worst_all <= target else 'no'} (worst {worst_all:.2f}x)")


def report_scaling(second: Mapping[int, float], noun: str) -> None:
    """One line: how a repeat sync's time grew from the smallest to the largest size (O(changed) keeps it ~1x)."""
    if len(second) < 2:
        return
    small, large = min(second), max(second)
    print(
        f"second sync at {large} vs {small} {noun}: {second[large] / second[small]:.2f}x the time"
        f" for {large / small:.0f}x the {noun} (O(changed): ~1x)"
    )
