"""python-hcl2's grammar and post-lexer, run by a Lark parser that does not propagate positions.

python-hcl2 builds its parser with `propagate_positions=True`: every reduction (about three per token) then looks
for the first and last positioned child to fill its tree's `meta`, which more than doubles the time of a parse.
crosswire reads the lines of a few nodes only (attributes, blocks, the items of a policy's Statement), so it takes
them from the tokens at the edges of those nodes (`lines`), which is what the propagation would have computed.

The parser is the same grammar file and post-lexer python-hcl2 ships, loaded through Lark's own grammar cache,
kept under crosswire's cache directory; with the cache turned off, python-hcl2's own parser is used (slower,
same trees but for `meta`, which nothing reads).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from typing import Any

from crosswire import cache


@functools.lru_cache(maxsize=2)
def _parser(cached: bool) -> Any:
    import hcl2.parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    if not cached or not cache.enabled():
        return hcl2.parser.parser()

    def build(grammar_cache: str) -> Any:
        options = {"parser": "lalr", "propagate_positions": False, "postlex": PostLexer(), "cache": grammar_cache}
        return Lark.open("hcl2.lark", rel_to=hcl2.parser.__file__, **options)

    folder = cache.directory()
    kept = os.path.join(folder, "hcl2-grammar.lark")
    if os.path.exists(kept):
        if not cache.owned(kept):  # Lark unpickles it: only a file of this user's own, that no one else may write
            return hcl2.parser.parser()
        return build(kept)  # Lark checks the grammar, its options and versions against the file's own hash
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        os.close(handle)
        os.unlink(temporary)  # Lark writes it when it finds none, then it is renamed into place whole
    except OSError:
        return hcl2.parser.parser()
    parser = build(temporary)
    try:
        os.replace(temporary, kept)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return parser


def parse_tree(text: str) -> Any:
    """python-hcl2's Lark tree of `text` (what `hcl2.parses_to_tree` gives, without `meta`)."""
    # python-hcl2 appends a newline too (Lark has no end-of-file token for "newline or end of file")
    return _parser(cache.enabled()).parse(text + "\n")


def lines(tree: Any) -> tuple[int, int]:
    """The first and last line of a node: those of the first and last token under it."""
    first, last = _edge(tree, False), _edge(tree, True)
    if first is None or last is None:
        return 0, 0
    return first.line, last.end_line


def _edge(node: Any, last: bool) -> Any:
    """The first (or last) token under `node`, depth first; None when it holds none."""
    children = getattr(node, "children", None)  # a tree; a token has none
    if children is None:
        return node if getattr(node, "line", None) is not None else None
    for child in reversed(children) if last else children:
        found = _edge(child, last)
        if found is not None:
            return found
    return None


def encode(node: Any) -> Any:
    """A tree as nested tuples of strings and numbers (for `marshal`): (rule, children) for a tree, (type, text,
    line, end line) for a token."""

    intern = sys.intern

    def plain(node: Any) -> Any:
        children = getattr(node, "children", None)  # a tree; a token has none
        if children is not None:
            data = node.data  # a rule's name, or a token for a rule renamed in the grammar
            # a list comprehension, not a generator: this runs for every node of every file parsed
            return (intern(data if type(data) is str else str(data)), tuple([plain(c) for c in children]))
        return (intern(node.type), str(node), node.line, node.end_line)

    return plain(node)


def decode(item: Any) -> Any:
    """The tree `encode` was given, back (tokens keep their lines, which is all that is read of their positions)."""
    from lark import Token, Tree

    def build(item: Any) -> Any:
        if len(item) == 4:
            return Token(item[0], item[1], line=item[2], end_line=item[3])
        return Tree(item[0], [build(c) for c in item[1]])

    return build(item)
