"""A clock that runs ahead, for the hub certificate's renewal (dcalab.pki reads datetime.now)."""

from __future__ import annotations

from datetime import datetime, timedelta


class TwentyOneDaysLater(datetime):
    """The clock of a `cluster up` 21 days after the hub's certificate was issued: 9 of its 30 days left."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(days=21)
