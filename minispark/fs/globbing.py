"""Hadoop-style glob patterns, as accepted by ``FileSystem.glob``.

Supported syntax, matching Hadoop's ``globStatus``:

* ``*`` any run of characters inside one path component (never ``/``);
* ``?`` exactly one character;
* ``[abc]``, ``[a-z]``, ``[^abc]`` / ``[!abc]`` character classes;
* ``{a,b,c}`` alternation, nestable, and the alternatives may contain ``/``;
* ``\\x`` the character ``x`` taken literally.

Unlike shell globbing, ``*`` also matches names starting with a dot: hiding
files is the job of the input layer's hidden-file filter, as in Hadoop.
"""
from __future__ import annotations

import re

_MAGIC = frozenset("*?[{")


def has_magic(pattern: str) -> bool:
    """True if ``pattern`` contains an unescaped glob metacharacter.

    >>> has_magic("/data/part-*"), has_magic("/data/a\\\\*b"), has_magic("/data/x")
    (True, False, False)
    """
    escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in _MAGIC:
            return True
    return False


def expand_braces(pattern: str) -> list[str]:
    """Expand every ``{a,b}`` group into separate patterns (escapes are kept).

    >>> expand_braces("/d/{a,b{1,2}}/x")
    ['/d/a/x', '/d/b1/x', '/d/b2/x']
    """
    open_at = _find_unescaped(pattern, "{", 0)
    if open_at < 0:
        return [pattern]
    close_at, alternatives = _parse_group(pattern, open_at)
    head, tail = pattern[:open_at], pattern[close_at + 1:]
    out: list[str] = []
    for alt in alternatives:
        for expanded in expand_braces(head + alt + tail):
            if expanded not in out:
                out.append(expanded)
    return out


def compile_component(component: str) -> re.Pattern[str]:
    """Compile one path component's glob (no ``/``, braces already expanded).

    >>> bool(compile_component("part-[0-9]*").fullmatch("part-00001"))
    True
    """
    parts: list[str] = []
    i = 0
    while i < len(component):
        ch = component[i]
        if ch == "\\" and i + 1 < len(component):
            parts.append(re.escape(component[i + 1]))
            i += 2
        elif ch == "*":
            parts.append(".*")
            i += 1
        elif ch == "?":
            parts.append(".")
            i += 1
        elif ch == "[":
            regex, i = _char_class(component, i)
            parts.append(regex)
        else:
            parts.append(re.escape(ch))
            i += 1
    return re.compile("".join(parts), re.DOTALL)


def unescape(component: str) -> str:
    """Drop glob escapes from a component that has no metacharacters."""
    return re.sub(r"\\(.)", r"\1", component, flags=re.DOTALL)


def escape(text: str) -> str:
    """Escape glob metacharacters so ``text`` matches itself literally."""
    return re.sub(r"([*?\[\]{}\\])", r"\\\1", text)


def _find_unescaped(text: str, target: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == target:
            return i
        i += 1
    return -1


def _parse_group(pattern: str, open_at: int) -> tuple[int, list[str]]:
    """Return the index of the ``}`` closing the group at ``open_at`` and its alternatives."""
    depth, start, alternatives = 0, open_at + 1, []
    i = open_at
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                alternatives.append(pattern[start:i])
                return i, alternatives
        elif ch == "," and depth == 1:
            alternatives.append(pattern[start:i])
            start = i + 1
        i += 1
    # Hadoop's GlobPattern reports the same condition with this wording.
    raise ValueError(f"Illegal file pattern: Unclosed group near index {open_at} in {pattern!r}")


def _char_class(component: str, open_at: int) -> tuple[str, int]:
    """Translate ``[...]`` starting at ``open_at``; return (regex, index after ``]``)."""
    i = open_at + 1
    negate = i < len(component) and component[i] in "^!"
    if negate:
        i += 1
    body: list[str] = []
    first = True
    while i < len(component):
        ch = component[i]
        if ch == "]" and not first:
            return ("[^" if negate else "[") + "".join(body) + "]", i + 1
        if ch == "\\" and i + 1 < len(component):
            body.append(re.escape(component[i + 1]))
            i += 2
        else:
            # "-" keeps its range meaning; everything else is literal inside the class.
            body.append(ch if ch == "-" else re.escape(ch))
            i += 1
        first = False
    raise ValueError(f"Illegal file pattern: Unclosed character class near index {open_at} in {component!r}")
