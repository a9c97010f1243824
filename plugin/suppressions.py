"""Suppressions: `crosswire:ignore CW302 reason` and Checkov's `checkov:skip=CW302:reason` in comments, read by the
loaders from the text they parse (with CloudFormation Metadata ones) into `Node.suppressions`; `apply` splits
findings into those reported and those suppressed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crosswire.model import Span, Suppression

if TYPE_CHECKING:
    from crosswire.check import Finding

HCL_SUFFIXES = (".tf", ".hcl", ".tfvars")
COMMENTLESS_SUFFIXES = (".json",)  # JSON has no comments; a "#" there is always inside a string

# the IDs of teams' own checks (crosswire.user_checks): 2-8 capital letters and 1-4 digits, never CW
USER_CHECK_ID = re.compile(r"(?!CW)[A-Z]{2,8}\d{1,4}")
CHECK_ID = re.compile(r"CW\d{3}|" + USER_CHECK_ID.pattern, re.IGNORECASE)
_ID_LIST = r"[A-Za-z_\d]+(?:[ \t]*,[ \t]*[A-Za-z_\d]+)*"
_IGNORE = re.compile(r"crosswire:ignore[ \t]+(?P<ids>" + _ID_LIST + r")(?P<reason>.*)", re.IGNORECASE)
# Checkov's own syntax (checkov/common/comment/enum.py): `checkov:skip=<ID>` with an optional `:<reason>`.
_CHECKOV = re.compile(r"(?:checkov|bridgecrew):skip=[ \t]*(?P<ids>" + _ID_LIST + r")(?::(?P<reason>.*))?")
# any text that could start a directive (checked before a file's comments are worked out, which costs)
_DIRECTIVE = re.compile(r"crosswire:ignore|(?:checkov|bridgecrew):skip", re.IGNORECASE)
_BLOCK_SCALAR = re.compile(r"(?:^|[:\-?])[ \t]*(?:![^\s]*[ \t]+)?[|>][0-9+\-]*[ \t]*$")
_HEREDOC = re.compile(r"<<-?[ \t]*(\w+)[ \t]*$")


@dataclass(frozen=True)
class Comment:
    text: str
    alone: bool  # nothing but the comment on its line


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    suppression: Suppression


def split_ids(raw: str) -> list[str]:
    """ "CW302, cw301" -> ["CW302", "CW301"]."""
    return [part.strip().upper() for part in raw.split(",") if part.strip()]


def _clean_reason(raw: str) -> str:
    reason = raw.strip()
    if reason.endswith("*/"):
        reason = reason[:-2].rstrip()
    return reason.lstrip(":-–— \t").strip()


def directives(comment: str, file: str, line: int) -> list[Suppression]:
    """The suppressions one comment's text declares; IDs that are not crosswire's (CKV_AWS_1) are not ours."""
    found: list[Suppression] = []
    span = Span(file, line, line)
    for pattern in (_IGNORE, _CHECKOV):
        for match in pattern.finditer(comment):
            reason = _clean_reason(match.group("reason") or "")
            found += [Suppression(i, reason, span) for i in split_ids(match.group("ids")) if CHECK_ID.fullmatch(i)]
    return found


def comments(text: str, file: str) -> dict[int, Comment]:
    """Comment text by line number (1-based); string contents, YAML block scalars and HCL heredocs are not
    comments, so a directive quoted in a value or in inline Lambda code does nothing."""
    if file.endswith(COMMENTLESS_SUFFIXES) or not _DIRECTIVE.search(text):
        return {}  # comments matter only for the directives they hold: a file without one needs no scan
    if file.endswith(HCL_SUFFIXES):
        return _hcl_comments(text.splitlines())
    return _yaml_comments(text.splitlines())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _yaml_comments(lines: list[str]) -> dict[int, Comment]:
    found: dict[int, Comment] = {}
    quote = ""  # a quoted YAML scalar may continue on the next line
    block_indent = -1  # inside a block scalar (`key: |`) while lines are indented deeper than this
    for number, line in enumerate(lines, 1):
        if block_indent >= 0:
            if not line.strip() or _indent(line) > block_indent:
                continue
            block_indent = -1
        code_end = len(line)
        index = 0
        while index < len(line):
            char = line[index]
            if quote:
                # a backslash escapes in double quotes; '' is a quote inside single quotes
                escaped = char == "\\" if quote == '"' else line[index : index + 2] == "''"
                if escaped:
                    index += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'" and _starts_scalar(line, index):
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                code_end = index
                found[number] = Comment(line[index + 1 :], not line[:index].strip())
                break
            index += 1
        if not quote and _BLOCK_SCALAR.search(line[:code_end].rstrip()):
            block_indent = _indent(line)
    return found


def _starts_scalar(line: str, index: int) -> bool:
    """A quote opens a YAML string only where a scalar starts (`it's` in a plain scalar is no quote)."""
    before = line[:index].rstrip()
    return not before or before[-1] in ":-[{,?"


def _hcl_comments(lines: list[str]) -> dict[int, Comment]:
    found: dict[int, Comment] = {}
    heredoc = ""
    in_block_comment = False
    for number, line in enumerate(lines, 1):
        if heredoc:
            if line.strip() == heredoc:
                heredoc = ""
            continue
        texts: list[str] = []
        code = bare = ""  # what is not comment; of that, what is outside strings (where a heredoc can start)
        index, in_string, interpolation = 0, False, 0
        while index < len(line):
            if in_block_comment:
                end = line.find("*/", index)
                texts.append(line[index : end if end >= 0 else len(line)])
                if end < 0:
                    break
                in_block_comment, index = False, end + 2
                continue
            char, pair = line[index], line[index : index + 2]
            if not (char == "#" or pair in ("//", "/*")) or in_string:
                code += char
            if in_string:
                if char == "\\":
                    index += 1
                elif pair == "${":
                    interpolation += 1
                elif char == "}" and interpolation:
                    interpolation -= 1
                elif char == '"' and not interpolation:
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "#" or pair == "//":
                texts.append(line[index + (1 if char == "#" else 2) :])
                break
            elif pair == "/*":
                in_block_comment, index = True, index + 2
                continue
            else:
                bare += char
            index += 1
        if texts:
            found[number] = Comment(" ".join(texts), not code.strip())
        match = _HEREDOC.search(bare)
        if match and not in_string:
            heredoc = match.group(1)
    return found


def covering(lines: Mapping[int, Comment], span: Span) -> tuple[Suppression, ...]:
    """The directives on a resource: on any line of its span, or in the comment-only lines right above its first
    line. Loaders attach them to every node built from that resource (`Node.suppressions`)."""
    numbers = list(range(span.line, span.end_line + 1))
    above = span.line - 1
    while above in lines and lines[above].alone:
        numbers.append(above)
        above -= 1
    found = [d for n in sorted(numbers) if n in lines for d in directives(lines[n].text, span.file, n)]
    return tuple(dict.fromkeys(found))


def apply(findings: Iterable[Finding]) -> tuple[list[Finding], list[Suppressed]]:
    """Split `findings` into those still reported and those suppressed with a reason. A matching suppression
    without a reason is not applied: the finding stays (and fails the build as before) and its message says
    where the reasonless suppression is, so it cannot silence anything unnoticed."""
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        matching = [s for s in finding.node.suppressions if s.check_id == finding.meta.id]
        with_reason = next((s for s in matching if s.reason), None)
        if with_reason:
            suppressed.append(Suppressed(finding, with_reason))
        elif matching:
            where = f"{matching[0].span.file}:{matching[0].span.line}"
            note = f" (the suppression at {where} is not applied: it gives no reason)"
            kept.append(dataclasses.replace(finding, message=finding.message + note))
        else:
            kept.append(finding)
    return kept, suppressed
