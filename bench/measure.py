"""Time and peak memory of one call, and the state of the machine while it ran.

Peak memory is the peak resident set size (RSS) during the call minus the RSS just
before it: the kernel's high-water mark is reset first (``/proc/self/clear_refs``), and
glibc is asked to give freed memory back, so the figure counts what the call itself
held at its worst, whoever allocated it (numpy, scipy, C++ threads). Where the reset is
not allowed, a thread samples the RSS every 2 ms instead (and may miss short peaks).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 2**20
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    result: object = None


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _hwm() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise OSError("no VmHWM")


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def method() -> str:
    """How peak memory is measured here."""
    if _reset_hwm():
        return "peak RSS above the RSS before the call (VmHWM reset via /proc/self/clear_refs)"
    return "peak RSS above the RSS before the call (sampled every 2 ms)"


def measure(call: Callable[[], object], keep: bool = True) -> Run:
    """Run ``call`` once: wall and CPU seconds, peak MB above the RSS before it."""
    _trim()
    before = rss()
    sampler = None
    if not _reset_hwm():
        sampler = _Sampler()
        sampler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    result = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = sampler.stop() if sampler else _hwm()
    return Run(wall, cpu, max(0, peak - before) / MB, result if keep else None)


class _Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak = rss()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.002):
            self.peak = max(self.peak, rss())

    def stop(self) -> int:
        self.done.set()
        self.join()
        return max(self.peak, rss())


def load() -> str:
    """The 1, 5 and 15-minute load averages, e.g. ``0.52 0.80 1.10``."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
