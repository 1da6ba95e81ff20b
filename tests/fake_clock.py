"""Time that passes only when slept, for the service clients' rate limits and backoff."""
from __future__ import annotations


class FakeClock:
    """Records every pause asked for, and takes none."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
