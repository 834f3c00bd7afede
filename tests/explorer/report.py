"""Figures of an explorer run (a table per flow) and the findings file for the fixers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from tests.explorer.conversation import DEAD, LOOPING, LOST, SETUP, Result

_KINDS = (DEAD, LOOPING, LOST, SETUP)


def summary(results: Sequence[Result], title: str) -> str:
    """A table: conversations, failed and each kind of failure, per flow and in total."""
    rows: dict[str, list[int]] = {}
    for result in results:
        row = rows.setdefault(result.case.flow.name, [0, 0] + [0] * len(_KINDS))
        row[0] += 1
        row[1] += result.failed
        for i, kind in enumerate(_KINDS):
            row[2 + i] += kind in result.kinds()
    total = [sum(column) for column in zip(*rows.values(), strict=True)] if rows else []
    header = ("flow", "conversations", "failed", *_KINDS)
    lines = [title, "  ".join(f"{h:>16}" for h in header)]
    for name, row in [*rows.items(), ("TOTAL", total)]:
        lines.append("  ".join(f"{v:>16}" for v in (name, *row)))
    turns = sum(len(r.turns) for r in results)
    lines.append(f"{len(results)} conversations, {turns} customer messages")
    return "\n".join(lines)


def write_findings(path: Path, results: Sequence[Result], title: str) -> None:
    """Append every failed conversation (flow, step, reply, transcript) to ``path``."""
    failed = [r for r in results if r.failed]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"\n## {title} ({stamp}): {len(failed)} of {len(results)} failed\n"]
    parts.append("```\n" + summary(results, "figures") + "\n```\n")
    for result in failed:
        case = result.case
        parts.append(
            f"\n### {case.flow.name} / step {case.at.name} / reply {case.reply.name}: "
            f"{', '.join(sorted(result.kinds()))}\n\n```\n{result.transcript()}\n```\n"
        )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(parts))
