"""Summarise py-spy ``raw`` (collapsed) profiles: the functions that cost most.

``python -m bench.flame FILE [--top 30]`` prints, for each function, the share
of samples in which it is on the stack (inclusive) and at the top (self).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

#: Leaf frames of threads that wait (py-spy samples them with --nonblocking).
IDLE = (
    "Condition.wait",
    "Event.wait",
    "Thread._wait_for_tstate_lock",
    "_worker (thread.py)",
    "BaseSelectorEventLoop.select",
    "_PollLikeSelector.select",
    "EpollSelector.select",
)


def summarise(path: Path, top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [
            f.split(" (")[0]
            + " ("
            + f.split(" (")[-1].split(":")[0].split("/")[-1]
            + ")"
            for f in stack.split(";")
        ]
        if frames[-1].startswith(IDLE) or "epoll" in frames[-1]:
            continue  # a thread waiting, not working
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"{total} busy samples in {path.name}", "incl%  self%  function"]
    for frame, n in inclusive.most_common(top):
        lines.append(
            f"{100 * n / total:5.1f}  {100 * own[frame] / total:5.1f}  {frame}"
        )
    lines.append("")
    lines.append("self% top:")
    for frame, n in own.most_common(top // 2):
        lines.append(f"{100 * n / total:5.1f}  {frame}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    print(summarise(args.file, args.top))


if __name__ == "__main__":
    main()
