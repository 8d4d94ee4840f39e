"""Errors a learner can act on: a sentence saying what is wrong and the command that fixes it."""


class DcalabError(Exception):
    """A problem dcalab explains in one sentence, with the fix."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()
