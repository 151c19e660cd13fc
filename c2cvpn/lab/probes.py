"""Small programs the lab runs inside its namespaces (``python -c``): they print one line each."""

from __future__ import annotations

import textwrap

#: What the bulk server sends back: an MTU black hole stalls it after the first full segment.
BULK_BYTES = 65536
#: Answers connections with BULK bytes after reading "ping".
BULK_SERVER = textwrap.dedent(
    """
    import socket, sys
    addr, port, wait, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8); s.settimeout(wait)
    print("ready", flush=True)
    while True:
        try:
            c, _ = s.accept()
        except socket.timeout:
            break
        c.settimeout(wait)
        try:
            if c.recv(4) == b"ping":
                c.sendall(b"x" * size)
        except OSError:
            pass
        c.close()
    """
)
BULK_CLIENT = textwrap.dedent(
    """
    import socket, sys, time
    host, port, src, wait, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    got = 0
    try:
        s = socket.create_connection((host, port), timeout=wait, source_address=(src, 0))
        s.sendall(b"ping")
        end = time.monotonic() + wait
        while got < size and time.monotonic() < end:
            s.settimeout(max(0.05, end - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        print(f"ok {got}" if got >= size else f"short {got}")
    except OSError as exc:
        print(f"error {got} {exc.__class__.__name__}: {exc}")
    """
)
#: A TCP stream for the rekey soak: sends 1 KiB every 10 ms for a while; the server counts.
STREAM_SERVER = textwrap.dedent(
    """
    import socket, sys
    addr, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); s.settimeout(wait)
    print("ready", flush=True)
    c, _ = s.accept(); c.settimeout(wait)
    total = 0
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            total += len(b)
        c.sendall(str(total).encode())
    except OSError as exc:
        print(f"broken {total} {exc}", flush=True)
    print(total, flush=True)
    """
)
STREAM_CLIENT = textwrap.dedent(
    """
    import socket, sys, time
    host, port, src, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    sent = 0
    try:
        s = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            s.sendall(b"y" * 1024); sent += 1024
            time.sleep(0.01)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(15)
        reply = s.recv(64).decode() or "0"
        print(f"sent {sent} received {reply}")
    except OSError as exc:
        print(f"broken sent {sent} {exc.__class__.__name__}: {exc}")
    """
)
