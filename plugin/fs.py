"""How a scan looks at the file system, every look recorded while a journal is open, so that a scan can be known
unchanged by looking again (crosswire.memo).

Whatever a scan learns from the file system (a file's content through `inputs.read_bytes`, whether a path exists or
is a folder, where a symlink leads, what a folder holds) it learns through a probe of this module: a function of
plain arguments whose answer is a plain value. While a journal is open, each probe's arguments and answer are kept;
asking every probe of a journal again and getting the same answers means the scan would see the same files.

A probe called inside another (a read checks where the file's path leads) is not recorded on its own: the outer
answer already depends on it. This module knows no other part of crosswire; the reader registers its own probes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

Observation = tuple[str, tuple[Any, ...], Any]  # (probe, arguments, answer)

_probes: dict[str, Callable[..., Any]] = {}
_state: dict[str, Any] = {"journal": None, "depth": 0, "consistent": True, "seen": None}
# probes whose answers a scan keeps once asked: a scan sees one state of the tree (and never writes into it), and
# a tree of 2,000 files asks where the same folders lead thousands of times
_KEPT = frozenset({"realpath", "isdir", "islink", "lexists"})


def register(name: str, probe: Callable[..., Any]) -> None:
    """Make `probe` askable by `name` in a journal (a module with probes of its own registers them on import)."""
    _probes[name] = probe


def ask(name: str, *arguments: Any) -> Any:
    """The answer of the probe `name` for `arguments`, recorded when a journal is open."""
    seen = _state["seen"] if name in _KEPT else None
    if seen is not None and (name, arguments) in seen:
        answer = seen[(name, arguments)]
    else:
        _state["depth"] += 1
        try:
            answer = _probes[name](*arguments)
        finally:
            _state["depth"] -= 1
        if seen is not None:
            seen[(name, arguments)] = answer
    note(name, arguments, answer)
    return answer


@contextlib.contextmanager
def scan() -> Iterator[None]:
    """A scan: the answers about paths (where they lead, what they are) are asked once each while it runs."""
    previous = _state["seen"]
    _state["seen"] = {} if previous is None else previous
    try:
        yield
    finally:
        _state["seen"] = previous


def note(name: str, arguments: tuple[Any, ...], answer: Any) -> None:
    """Record what the probe `name` answered (for a probe whose caller computes the answer itself, as a read does)."""
    journal = _state["journal"]
    if journal is None or _state["depth"]:
        return
    key = (name, arguments)
    if journal.setdefault(key, answer) != answer:
        _state["consistent"] = False  # the file system changed under the scan: what it saw is not one state


def inside() -> bool:
    """Whether a probe is running (what the completeness test asks of every file opened during a scan)."""
    return bool(_state["depth"])


@contextlib.contextmanager
def probing() -> Iterator[None]:
    """A block that computes one probe's answer: the looks it takes on the way are part of that answer."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1


def start() -> None:
    """Open a journal (a worker process opens its own)."""
    _state.update(journal={}, depth=0, consistent=True)


def recording() -> bool:
    return _state["journal"] is not None


def take() -> list[Observation] | None:
    """What the open journal recorded, in order, and a new empty journal; None (and no journal) when the file system
    gave two answers to one question during the scan."""
    journal, consistent = _state["journal"], _state["consistent"]
    if journal is None:
        return None
    _state.update(journal={}, consistent=True)
    return [(name, arguments, answer) for (name, arguments), answer in journal.items()] if consistent else None


def stop() -> None:
    _state.update(journal=None, depth=0, consistent=True)


def merge(observations: list[Observation] | None) -> None:
    """Add what a worker process recorded to this process's journal (None: the worker saw a changing file system)."""
    if _state["journal"] is None:
        return
    if observations is None:
        _state["consistent"] = False
        return
    for name, arguments, answer in observations:
        note(name, arguments, answer)


def unchanged(observations: list[Observation]) -> bool:
    """Whether every probe answers as it did when recorded."""
    for name, arguments, answer in observations:
        probe = _probes.get(name)
        try:
            if probe is None or probe(*arguments) != answer:
                return False
        except Exception:  # a probe that fails now (a file turned into something unreadable) is a change
            return False
    return True


# the probes of paths and folders


def _listdir(path: str) -> tuple[Any, ...]:
    try:
        return ("ok", tuple(sorted(os.listdir(path))))
    except OSError as exc:
        return ("error", exc.errno, exc.strerror)


def _entries(path: str) -> tuple[Any, ...]:
    """A folder's folders, other entries and symlinked folders, as os.walk sorts them (a symlink to a folder is a
    folder, not walked into)."""
    dirs: list[str] = []
    files: list[str] = []
    links: list[str] = []
    try:
        with os.scandir(path) as found:
            for entry in found:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (dirs if is_dir else files).append(entry.name)
                if is_dir and entry.is_symlink():
                    links.append(entry.name)
    except OSError as exc:
        return ("error", exc.errno, exc.strerror)
    return ("ok", tuple(sorted(dirs)), tuple(sorted(files)), tuple(sorted(links)))


for _name, _probe in (
    ("lexists", os.path.lexists),
    ("isdir", os.path.isdir),
    ("islink", os.path.islink),
    ("realpath", os.path.realpath),
    ("listdir", _listdir),
    ("entries", _entries),
):
    register(_name, _probe)


def lexists(path: str) -> bool:
    return bool(ask("lexists", path))


def isdir(path: str) -> bool:
    return bool(ask("isdir", path))


def islink(path: str) -> bool:
    return bool(ask("islink", path))


def realpath(path: str) -> str:
    return str(ask("realpath", path))


def listdir(path: str) -> list[str]:
    """The names in a folder, sorted; OSError as os.listdir raises it."""
    answer = ask("listdir", path)
    if answer[0] == "error":
        raise OSError(answer[1], answer[2], path)
    return list(answer[1])


def walk(top: str, onerror: Callable[[OSError], None] | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk, top down, without following symlinked folders: (folder, folders, other names), folders sorted; the
    caller may prune the folders list in place."""
    pending = [top]
    while pending:
        root = pending.pop()
        answer = ask("entries", root)
        if answer[0] == "error":
            if onerror is not None:
                onerror(OSError(answer[1], answer[2], root))
            continue
        dirs, files, links = list(answer[1]), list(answer[2]), set(answer[3])
        yield root, dirs, files
        pending += [os.path.join(root, d) for d in reversed(dirs) if d not in links]
