"""Free loopback ports for the tests pjbuild runs on the target (only 127.0.0.1 is used)."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_udp_ports(n: int) -> list[int]:
    """``n`` distinct UDP ports free on 127.0.0.1 now (all held open until all are chosen)."""
    socks: list[socket.socket] = []
    try:
        while len(socks) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((LOOPBACK, 0))
            socks.append(s)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def free_udp_port() -> int:
    return free_udp_ports(1)[0]
