"""For the tests of fanned-out work: delayed pages held back, so the injected clock can pass
their delay (SQS counts delays in real seconds)."""
from __future__ import annotations

from chalicelib.fanout import queue
from chalicelib.fanout.pages import Page


class Delays:
    """Pages put on the queue with a delay are held here instead; ``release`` enqueues them
    now. Undelayed pages (a scheduler's, a worker's cut short by its time) go through."""

    def __init__(self, monkeypatch) -> None:
        self.held: list[tuple[Page, int]] = []
        self._send = queue.send

        def send(pages: list[tuple[Page, int]]) -> int:
            self.held += [(page, delay) for page, delay in pages if delay > 0]
            now = [(page, 0) for page, delay in pages if delay == 0]
            return self._send(now) if now else 0

        monkeypatch.setattr(queue, "send", send)

    def release(self) -> list[tuple[Page, int]]:
        """Enqueue the held pages without their delay; returns what was held."""
        held, self.held = self.held, []
        if held:
            self._send([(page, 0) for page, _ in held])
        return held
