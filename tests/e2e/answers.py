"""Reading HTTP/1.1 answers off a raw socket, for tests that pipeline calls or pause between
them: each answer is its head and the body its Content-Length names, so nothing of one is read
as the start of the next."""

from __future__ import annotations

import socket

Answer = tuple[bytes, bytes]  # head, body


def read_answers(sock: socket.socket, count: int) -> list[Answer]:
    """The next ``count`` answers as (head, body), fewer if the server closes first."""
    answers: list[Answer] = []
    pending = b""
    while len(answers) < count:
        head, found, rest = pending.partition(b"\r\n\r\n")
        if found:
            length = next(
                (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length:")),
                0,
            )  # fmt: skip
            if len(rest) >= length:
                answers.append((head, rest[:length]))
                pending = rest[length:]
                continue
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        pending += chunk
    return answers
