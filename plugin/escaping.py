"""Escaping for what the scanned files name (files, folders, resources, the messages quoting them) on its way into a
report or onto stderr: no name can end a line, move the cursor, reorder text or start a CI workflow command.

The GitHub Actions runner reads every line a step prints (stdout and stderr) and runs it as a command when, after
leading whitespace, it starts with `::name ...::` (actions/runner ActionCommand.TryParseV2), or when it holds the
legacy `##[name ...]` anywhere (ActionCommand.TryParse, still tried when the first form does not match).
"""

from __future__ import annotations

import re
from typing import Any

# a byte that is not UTF-8 in a file name comes from os.fsdecode as a lone surrogate U+DC80..U+DCFF
_SURROGATE_ESCAPES = range(0xDC80, 0xDD00)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_START_COLONS = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)
# json.dumps escapes C0 controls itself; DEL and everything outside ASCII it writes as they are
_PAST_JSON_ESCAPES = re.compile(r"[^\x00-\x7e]")


def _escape(char: str) -> str:
    code = ord(char)
    if code in _SURROGATE_ESCAPES:
        return f"\\x{code - 0xDC00:02x}"
    if char in _SHORT:
        return _SHORT[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every character that is not printable written as a backslash escape, as Python's repr does:
    controls (`\\n`, `\\x1b`, the C1 CSI `\\x9b`), format characters such as bidi overrides (`\\u202e`), line and
    paragraph separators, spaces other than the ASCII one; a byte that is not UTF-8 shows as itself (`\\xff`).
    Backslashes stay as they are, so a Windows path reads as one."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def encodable(text: str) -> str:
    """`text` with its lone surrogates (bytes of a file name that are not UTF-8, or a `\\udXXX` JSON escape in a
    template) written as escapes, as `visible` writes them: what is left can be written as UTF-8."""
    return _SURROGATE.sub(lambda match: _escape(match.group()), text)


def encodable_strings(value: Any) -> Any:
    """`value` (a report's JSON-like dicts and lists) with `encodable` applied to every string in it."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable(key): encodable_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encodable_strings(item) for item in value]
    return value


def inert_text(text: str) -> str:
    """Text for a terminal or a CI log, whose names are already `visible`: a `::` starting a line and every `##[`
    get an escaped character, so the runner sees no command (`\\x3a:add-mask::`, `#\\x23[error]`)."""
    return _LINE_START_COLONS.sub(r"\1\\x3a", text).replace("##[", "#\\x23[")


def inert_json(text: str) -> str:
    """Serialised JSON with the same value and no command the runner would run: a JSON string cannot hold a line
    break, and `#`, DEL and any character outside ASCII occur only inside strings, where a `\\uXXXX` escape means
    the same character. Non-printable characters (DEL, C1 controls, bidi overrides) are escaped likewise."""
    text = text.replace("##[", "#\\u0023[")
    return _PAST_JSON_ESCAPES.sub(
        lambda match: match.group() if match.group().isprintable() else _json_escape(match.group()), text
    )


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def inert_xml(text: str) -> str:
    """Serialised XML with the same content and no command the runner would run: markup never starts a line with
    `::` nor holds `#`, so these occur only in text and attribute values, where a character reference means the
    same character."""
    return _LINE_START_COLONS.sub(r"\1&#58;", text).replace("##[", "#&#35;[")


_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def markdown_text(text: str) -> str:
    """`text` as inert Markdown on one line: controls visible, punctuation escaped, `@` kept from mentioning."""
    escaped = "".join("\\" + char if char in _PUNCTUATION else char for char in visible(encodable(text)))
    return escaped.replace("\\@", "@\u2060")  # a word joiner after @: GitHub links no @name in a summary
