"""The worker side of the line protocol, as worker_main.cc speaks it.

stdout carries only protocol lines: the real stdout is kept on a private descriptor and fd 1 is
pointed at stderr, so whatever a framework prints (TensorFlow, Keras' progress bars) cannot corrupt
a reply.
"""
import ctypes
import json
import math
import os
import resource
import signal
import sys

_out = None


def take_over_stdout():
    global _out
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _out = os.fdopen(fd, "w", buffering=1)


def die_with_parent():
    """A worker outlives no coordinator: the kernel kills it when versus dies (PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def apply_memory_limit():
    """--memory-limit, as the C++ workers apply it: RLIMIT_DATA (the private writable memory the
    process maps), before the framework is imported. A failed allocation then raises MemoryError
    or the framework's own out-of-memory error, which the runner recognises."""
    limit = os.environ.get("VERSUS_MEMORY_LIMIT_BYTES")
    if limit:
        resource.setrlimit(resource.RLIMIT_DATA, (int(limit), int(limit)))


def finite(value):
    """NaN and infinities as null, as the C++ workers' JSON writes them (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def reply(document):
    _out.write(json.dumps(finite(document), allow_nan=False) + "\n")
    _out.flush()


def progress(fields):
    reply({"progress": fields})


class Unsupported(Exception):
    """The frontend cannot do what was asked; the message says why (status "unsupported")."""
