"""The quiz in a terminal: each answer typed and confirmed with Enter (on a TTY, echoed as typed), one line per
answer when stdin is not one."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from typing import TextIO

from dcalab.dca import CORRECT, DOMAINS, UNANSWERED
from dcalab.quiz.engine import Item, Result, Session, shown_stem, tally
from dcalab.quiz.keys import Keys, TimeUp

LETTERS = "abcdefgh"
ENTER = ("\r", "\n")
ERASE = ("\x7f", "\b")
# Said once, before the first question: nothing counts until Enter, so a stray key is never an answer.
ANSWER_RULE = "Answer with a letter (y or n for one option at a time), then Enter; Backspace erases."


def wrap(text: str, prefix: str = "", width: int | None = None) -> str:
    """Text wrapped to the terminal; lines indented by 4 spaces (commands, files) are kept as written."""
    width = width or max(40, min(100, shutil.get_terminal_size().columns - 1))
    indent, lines = " " * len(prefix), []
    for number, line in enumerate(text.splitlines() or [""]):
        lead = prefix if number == 0 else indent
        if line.startswith("    ") or not line.strip():
            lines.append((lead + line).rstrip())
        else:
            lines.append(textwrap.fill(line, width, initial_indent=lead, subsequent_indent=indent,
                                       break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


def count(number: int, noun: str) -> str:
    """`1 question`, `3 questions`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def clock(seconds: float) -> str:
    """`1:05` for 65 seconds: the time left, as the quiz and the exam show it."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def key_name(key: str) -> str:
    """How an invalid key is named back to the candidate."""
    if key in ENTER or not key:
        return "Enter"
    return repr(key) if key.isprintable() else "That key"


def one_of(letters: str) -> Callable[[str], str | None]:
    """Accepts a line that is exactly one of the letters."""
    return lambda line: line if len(line) == 1 and line in letters else None


def several_of(letters: str) -> Callable[[str], str | None]:
    """Accepts a line of distinct letters (spaces and commas between them allowed), such as "ac" or "a, c"."""
    def accept(line: str) -> str | None:
        picked = line.replace(" ", "").replace(",", "")
        return picked if picked and set(picked) <= set(letters) and len(set(picked)) == len(picked) else None

    return accept


def stop_confirmed(keys: Keys, out: TextIO, timeout: float | None) -> bool:
    """After Ctrl-C in an exam: True on a second Ctrl-C (stop), False on any other key or when the time is up (go
    back to the exam)."""
    out.write("\n\n" + wrap("Stop and throw this exam away? Ctrl-C again stops it and records nothing; "
                            f"{'any other key' if keys.tty else 'a line'} goes back to it (the clock runs on).") + "\n")
    out.flush()
    try:
        keys.read(timeout)
    except KeyboardInterrupt:
        return True
    except TimeUp:  # going back meets the end of the time at once
        return False
    out.write("Back to the exam.\n")
    out.flush()
    return False


def wait_to_start(keys: Keys, out: TextIO) -> None:
    """On a terminal, until the learner presses a key: a timed run's clock starts after its instructions are read."""
    if keys.tty:
        out.write(wrap("Press any key to start: the clock starts then."))
        out.flush()
        with keys:
            keys.read(None)
        out.write("\n")
        out.flush()


class Quiz:
    """Asks every item of a session; with `feedback` (a quiz), the verdict and explanation after each item and the
    score at the end; without (an exam), only that each answer is recorded: the exam's result and review follow."""

    def __init__(self, session: Session, keys: Keys, out: TextIO, feedback: bool = True,
                 confirm_stop: bool = False) -> None:
        self.session = session
        self.keys = keys
        self.out = out
        self.feedback = feedback
        self.confirm_stop = confirm_stop  # an exam: Ctrl-C asks first, as it throws every answer away

    def run(self) -> int:
        """0 when the quiz ends (all answered or time up), 130 on Ctrl-C, 1 if the input ends first."""
        try:
            with self.keys:
                while (item := self.session.current) is not None:
                    try:
                        self._ask(item)
                    except KeyboardInterrupt:
                        if not self.confirm_stop or stop_confirmed(self.keys, self.out, self.session.remaining()):
                            raise
        except TimeUp:
            self.session.expire()
        except KeyboardInterrupt:
            self.session.stop()
            self._summary("\n\nStopped: here is your progress so far.")
            return 130
        except EOFError:
            self.session.stop()
            self._summary("\n\nThe input ended before the quiz did: here is your progress so far.")
            return 1
        if self.session.timed_out:
            self._say("\n\n" + wrap("Time is up: the questions left count as unanswered."))
        self._summary()
        return 0

    def _say(self, text: str = "", end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()

    @property
    def _verb(self) -> str:
        return "press" if self.keys.tty else "type"

    def _read(self) -> str:
        return self.keys.read(self.session.remaining())

    def _ask(self, item: Item) -> None:
        question, number = item.question, len(self.session.results) + 1
        header = f"Question {number} of {len(self.session.items)}  [{question.domain_title}, {question.id}]"
        remaining = self.session.remaining()
        if remaining is not None:
            header += f"  {clock(remaining)} left"
        era = f"{wrap(question.era_text)}\n" if question.era_text else ""  # which answer it asks, exam's or today's
        self._say(f"\n{wrap(header)}\n{era}{wrap(shown_stem(question, item.kind))}\n")
        result = self._domc(item) if item.kind == "domc" else self._choice(item)
        if result.outcome == UNANSWERED:
            return
        if self.feedback:
            self._feedback(item, result)
        else:
            self._say("Answer recorded.")

    def _domc(self, item: Item) -> Result:
        self._say(wrap(f"Options come one at a time: {self._verb} y if the option is correct, n if not."))
        while True:
            shown = len(item.accepted) + len(item.rejected) + 1
            self._say(wrap(item.offered_option.text, f"  Option {shown}: "))
            final = "y or n (an answer is final once you press Enter: there is no going back)"
            yes = self._entry("  Correct? [y/n] ", one_of("yn"), final) == "y"
            result = self.session.answer_domc(yes)
            if result is not None:
                return result

    def _choice(self, item: Item) -> Result:
        letters = LETTERS[: len(item.options)]
        for letter, option in zip(letters, item.options, strict=True):
            self._say(wrap(option.text, f"  {letter}) "))
        if item.kind == "mcq":
            picked = self._entry(f"Your answer [a-{letters[-1]}]: ", one_of(letters),
                                 f"one letter from a to {letters[-1]}")
        else:
            picked = self._entry(f"Your answers [a-{letters[-1]}]: ", several_of(letters),
                                 f"letters from a to {letters[-1]}, each once, such as ac")
        return self.session.answer_choice([letters.index(letter) for letter in picked])

    def _entry(self, prompt: str, accept: Callable[[str], str | None], hint: str) -> str:
        """An answer confirmed with Enter, accepted or refused as a whole: a word typed by mistake ("maybe",
        "yes") is refused and changes nothing, instead of one of its letters counting as the answer."""
        while True:
            self._say(prompt, end="")
            line = self._typed_line()
            answer = accept(line.lower())
            if answer is not None:
                return answer
            problem = f"{key_name(line)} is not an answer here" if line else "Nothing typed yet"
            self._say(wrap(f"{problem}: {self._verb} {hint}, then Enter."))

    def _typed_line(self) -> str:
        """One line: on a TTY the keys typed, echoed (Backspace erases) until Enter; a key that types nothing
        (an arrow, Escape) is refused at once. When scripted, the next line."""
        if not self.keys.tty:
            line = self._read()
            self._say(line)
            return line
        typed = ""
        while True:
            key = self._read()
            if key in ENTER:
                self._say()
                return typed
            if key in ERASE:
                if typed:
                    typed = typed[:-1]
                    self._say("\b \b", end="")
            elif len(key) == 1 and key.isprintable():
                typed += key
                self._say(key, end="")
            else:
                self._say()
                return key

    def _feedback(self, item: Item, result: Result) -> None:
        question = item.question
        right = [option.text for option in question.options if option.correct]
        self._say("Correct." if result.outcome == CORRECT else "Wrong.")
        if result.outcome != CORRECT or item.kind == "domc":  # DOMC may not have shown them all
            label = "The correct answer:" if len(right) == 1 else "The correct answers:"
            self._say("\n".join([label, *(wrap(text, "  - ") for text in right)]))
        self._say(f"{wrap(question.explanation)}\nSource: {question.source}")  # a link kept whole on its line

    def _summary(self, heading: str = "") -> None:
        """The score so far (a quiz only: an exam gives its result itself, and nothing when stopped)."""
        if not self.feedback:
            return
        if heading:
            self._say(wrap(heading))
        results, total = self.session.results, len(self.session.items)
        right = sum(result.correct for result in results)
        if self.session.stopped:
            self._say(wrap(f"You answered {len(results)} of {count(total, 'question')}: {right} correct."))
        else:
            self._say(f"\nScore: {right} of {total} correct ({round(100 * right / total)} %).")
            unanswered = sum(result.outcome == UNANSWERED for result in results)
            if unanswered:
                self._say(wrap(f"{unanswered} of them unanswered because the time ran out."))
        if results:
            self._say("By domain:")
            width = max(len(title) for title, _ in DOMAINS.values())
            for domain, (correct, asked) in tally(results).items():
                self._say(wrap(f"{DOMAINS[domain][0]:<{width}}  {correct}/{asked}", "  "))
