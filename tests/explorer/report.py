"""Figures of an explorer run (a table per flow) and the findings file for the fixers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from tests.explorer.conversation import DEAD, LANGUAGE, LOOPING, LOST, SETUP, Result

_KINDS = (DEAD, LOOPING, LOST, LANGUAGE, SETUP)


def _row(results: Sequence[Result]) -> list[int]:
    row = [len(results), sum(r.failed for r in results)]
    return row + [sum(kind in r.kinds() for r in results) for kind in _KINDS]


def summary(results: Sequence[Result], title: str) -> str:
    """A table: conversations, failed and each kind of failure, per flow and language, per
    language and in total."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.case.flow.name, result.case.language), []).append(result)
    languages = list(dict.fromkeys(language for _, language in groups))
    rows = [(f"{name} ({language})", _row(group)) for (name, language), group in groups.items()]
    rows += [
        (f"TOTAL ({language})", _row([r for r in results if r.case.language == language]))
        for language in languages
    ]
    rows.append(("TOTAL", _row(results)))
    header = ("flow (language)", "conversations", "failed", *_KINDS)
    lines = [title, "  ".join(f"{h:>22}" for h in header)]
    for name, row in rows:
        lines.append("  ".join(f"{v:>22}" for v in (name, *row)))
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
            f"\n### {case.language} / {case.flow.name} / step {case.at.name} / "
            f"reply {case.reply.name}: "
            f"{', '.join(sorted(result.kinds()))}\n\n```\n{result.transcript()}\n```\n"
        )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(parts))
