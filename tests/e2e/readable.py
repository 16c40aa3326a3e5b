"""Payloads as a person reading them would see them: every payload's data (base64) decoded."""

from __future__ import annotations

import base64


def readable(node: object) -> str:
    """The text of ``node`` (an audit, ``temporal workflow show -o json``'s events) with each payload's data —
    a ``{"metadata": …, "data": …}`` object — decoded."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, str) and isinstance(node.get("metadata"), dict):
                out.append(base64.b64decode(data).decode("utf-8", errors="replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            out.append(node)

    walk(node)
    return "\n".join(out)
