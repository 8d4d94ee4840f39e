"""`dcalab class watch`: the class's grid graded again every few seconds and redrawn in place, with the task each
learner is on and for how long nothing changed for them; dcalab.watch's loop draws it (keep_watching)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from dcalab.class_view import class_html, write_grid
from dcalab.classroom import Seat, grade_seats
from dcalab.errors import DcalabError, warn
from dcalab.grading import PASS
from dcalab.lab import CONCEPT
from dcalab.outcome import save_grade, write_page
from dcalab.report import totals
from dcalab.watch import SHOW_CURSOR, Frames, clock

CLASS_INTERVAL = 5.0  # seconds from the start of one grade of the class to the next


class ClassWatch(Frames):
    """The grades of one class watch: each seat's last grade, when it last changed, and its best score."""

    def __init__(self, class_seats: list[Seat], plans: dict[str, Path | None], out: TextIO, page: Path | None = None,
                 hints: str = CONCEPT, interval: float = CLASS_INTERVAL) -> None:
        super().__init__(out)
        self.seats, self.plans, self.page, self.hints = class_seats, plans, page, hints
        self.interval = interval
        self.started = time.time()
        self.results: dict[str, dict] = {}  # learner -> their last complete grade
        self.best: dict[str, int] = {}
        self.page_failed = False  # the page's problem is said once, not every few seconds

    def grade(self) -> bool:
        changed = grade_seats(self.seats, self.plans)
        for seat in self.seats:
            if seat.results:
                self.results[seat.learner.name] = seat.results
                self.best[seat.learner.name] = max(self.best.get(seat.learner.name, 0),
                                                   totals(seat.lab, seat.results)[0])
        if self.page is not None:
            try:
                write_page(self.page, class_html(self.seats, self.hints, refresh=max(self.interval, 1), watching=True))
            except DcalabError as error:
                if not self.page_failed:
                    warn(f"the class's page is not written. {error}")
                self.page_failed = True
        return changed

    @property
    def all_pass(self) -> bool:
        graded = [seat for seat in self.seats if not seat.problem]
        return bool(graded) and all(seat.results and all(result.status == PASS for result in seat.results.values())
                                    for seat in graded)

    def frame(self) -> str:
        buffer, writer = self.canvas()
        writer.write(f"Watching the class ({len(self.seats)} learners, read-only; Ctrl-C stops).\n")
        write_grid(writer, self.seats, watching=True)
        writer.write(f"Graded {clock(time.time())}, every {self.interval:g} s since {clock(self.started)}.\n")
        return buffer.getvalue()

    def again(self) -> None:
        """Nothing to do: each seat's next grade starts its session's again()."""

    def close(self) -> None:
        for seat in self.seats:
            seat.close()

    def record(self, history: Path | None) -> int | None:
        """A history row per learner graded: the watch's start, their best score and last grade; how many were saved
        (None for none)."""
        saved = sum(save_grade(seat.lab, seat.results, "watch", seat.learner.cluster, history=history,
                               started=self.started, best=self.best.get(seat.learner.name), learner=seat.learner.name)
                    is not None for seat in self.seats if seat.results)
        return saved or None

    def say_end(self, saved: int | None) -> None:
        if self.live:
            self.out.write(SHOW_CURSOR + "\n")
        where = f" {saved} learners' last grades are saved in the class history." if saved else ""
        self.out.write(f"Watched the class from {clock(self.started)} to {clock(time.time())}.{where}\n")
        self.out.flush()
