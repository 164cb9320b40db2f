"""The process's real-time machinery, started and stopped with the app."""

from __future__ import annotations

from collections.abc import Callable

from models import SessionFactory
from subscriptions.bus import Bus
from subscriptions.hub import Hub
from subscriptions.pump import EventPump
from subscriptions.shared import SharedResults


class Realtime:
    def __init__(self, session_factory: SessionFactory, bus: Bus) -> None:
        self.hub = Hub()
        self.pump = EventPump(session_factory, self.hub)
        self.bus = bus
        # Subscribers with the same selection and the same view of an event share its answer.
        self.shared = SharedResults()
        # Other readers of the event log in this process, woken with the pump.
        self._readers: list[Callable[[], None]] = []

    def also_wake(self, wake: Callable[[], None]) -> None:
        """Wake ``wake`` too whenever the bus says events were written."""
        self._readers.append(wake)

    async def start(self) -> None:
        await self.pump.start()
        # Every (re)connect wakes the pump: it catches up on what the bus could not carry.
        await self.bus.start(self._on_message, self._caught_up)

    async def stop(self) -> None:
        await self.bus.stop()
        await self.pump.stop()

    async def _on_message(self, message: str) -> None:
        await self.pump.on_bus_message(message)
        for wake in self._readers:
            wake()

    async def _caught_up(self) -> None:
        self.pump.wake()
        for wake in self._readers:
            wake()
