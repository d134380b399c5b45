"""The server's listening socket, bound by the ``serve`` process itself.

Binding it before handing it to uvicorn is what lets ``serve`` tell the truth: a taken port is
one clear line (not a banner followed by uvicorn's bind error), ``--port 0`` prints the port the
kernel chose, and the banner is printed only once the address is ours. With ``--workers`` the
same socket is handed to every worker (uvicorn's supervisor passes it to the processes it
spawns), so they all accept on it.
"""

from __future__ import annotations

import errno
import socket


class ListenError(OSError):
    """The address cannot be listened on; the message is the one line to print."""


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening (connections wait in the backlog until a
    worker accepts them). Raises ``ListenError``."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {where}: unknown host ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart may reuse a port whose old connections are in TIME_WAIT.
        # (It never lets two servers listen on one port.)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        cause = ("address already in use" if exc.errno == errno.EADDRINUSE
                 else (exc.strerror or str(exc)).lower())
        raise ListenError(f"cannot listen on {where}: {cause}") from None
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket, host: str) -> str:
    """``http://host:port`` with the port the socket really has (``--port 0`` asks for any)."""
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
