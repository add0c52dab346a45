"""pjbuild.core.net: free loopback ports."""

from __future__ import annotations

import socket

from pjbuild.core.net import free_udp_port, free_udp_ports


def test_free_udp_ports_are_distinct_and_bindable_on_loopback() -> None:
    ports = free_udp_ports(5)
    assert len(set(ports)) == 5
    for port in [*ports, free_udp_port()]:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port))
