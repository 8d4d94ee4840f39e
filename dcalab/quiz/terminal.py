"""The quiz in a terminal: one keypress per answer on a TTY, one line per answer when stdin is not one."""

from __future__ import annotations

import shutil
import textwrap
from typing import TextIO

from dcalab.quiz import CORRECT, DOMAINS, UNANSWERED
from dcalab.quiz.engine import Item, Result, Session, shown_stem, tally
from dcalab.quiz.keys import Keys, TimeUp

LETTERS = "abcdefgh"
ENTER = ("\r", "\n")
ERASE = ("\x7f", "\b")


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


class Quiz:
    """Asks every item of a session; with `feedback` (a quiz), the verdict and explanation after each item and the
    score at the end; without (an exam), only that each answer is recorded: the exam's result and review follow."""

    def __init__(self, session: Session, keys: Keys, out: TextIO, feedback: bool = True) -> None:
        self.session = session
        self.keys = keys
        self.out = out
        self.feedback = feedback

    def run(self) -> int:
        """0 when the quiz ends (all answered or time up), 130 on Ctrl-C, 1 if the input ends first."""
        try:
            with self.keys:
                while (item := self.session.current) is not None:
                    self._ask(item)
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
            self._say("\n\nTime is up: the questions left count as unanswered.")
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
        self._say(f"\n{header}\n{era}{wrap(shown_stem(question, item.kind))}\n")
        result = self._domc(item) if item.kind == "domc" else self._choice(item)
        if result.outcome == UNANSWERED:
            return
        if self.feedback:
            self._feedback(item, result)
        else:
            self._say("Answer recorded.")

    def _domc(self, item: Item) -> Result:
        self._say(f"Options come one at a time: {self._verb} y if the option is correct, n if not.")
        while True:
            shown = len(item.accepted) + len(item.rejected) + 1
            self._say(wrap(item.offered_option.text, f"  Option {shown}: "))
            final = "y or n (an answer given is final: there is no going back)"
            yes = self._key("  Correct? [y/n] ", "yn", final) == "y"
            result = self.session.answer_domc(yes)
            if result is not None:
                return result

    def _choice(self, item: Item) -> Result:
        letters = LETTERS[: len(item.options)]
        for letter, option in zip(letters, item.options, strict=True):
            self._say(wrap(option.text, f"  {letter}) "))
        if item.kind == "mcq":
            key = self._key(f"Your answer [a-{letters[-1]}]: ", letters, f"a letter from a to {letters[-1]}")
            return self.session.answer_choice([letters.index(key)])
        return self.session.answer_choice([letters.index(letter) for letter in self._letters(letters)])

    def _key(self, prompt: str, valid: str, hint: str) -> str:
        """One valid key (one valid line when scripted); anything else re-prompts and changes nothing."""
        while True:
            self._say(prompt, end="")
            key = self._read()
            if len(key) == 1 and key.lower() in valid:
                self._say(key.lower())
                return key.lower()
            self._say(f"\n{key_name(key)} is not an answer here: {self._verb} {hint}.")

    def _letters(self, letters: str) -> list[str]:
        """multi: letters then Enter on a TTY (Backspace erases), or one line such as "ac" when scripted."""
        prompt, hint = f"Your answers [a-{letters[-1]}], then Enter: ", f"letters from a to {letters[-1]}"
        if not self.keys.tty:
            while True:
                self._say(prompt, end="")
                line = self._read()
                picked = [char for char in line.lower() if char not in " ,"]
                if picked and set(picked) <= set(letters) and len(set(picked)) == len(picked):
                    self._say("".join(picked))
                    return picked
                self._say(f"\n{key_name(line)} is not an answer here: type {hint}, such as ac.")
        chosen: list[str] = []
        self._say(prompt, end="")
        while True:
            key = self._read()
            if key in ENTER and chosen:
                self._say()
                return chosen
            if key in ERASE and chosen:
                chosen.pop()
                self._say("\b \b", end="")
                continue
            if len(key) == 1 and key.lower() in letters and key.lower() not in chosen:
                chosen.append(key.lower())
                self._say(key.lower(), end="")
                continue
            if key in ENTER:
                problem = "Choose at least one letter, then press Enter."
            elif len(key) == 1 and key.lower() in chosen:
                problem = f"You chose {key.lower()} already; Backspace erases the last letter."
            else:
                problem = f"{key_name(key)} is not an answer here: press {hint}, then Enter."
            self._say(f"\n{problem}")
            self._say(prompt + "".join(chosen), end="")

    def _feedback(self, item: Item, result: Result) -> None:
        question = item.question
        right = [option.text for option in question.options if option.correct]
        self._say("Correct." if result.outcome == CORRECT else "Wrong.")
        if result.outcome != CORRECT or item.kind == "domc":  # DOMC may not have shown them all
            label = "The correct answer:" if len(right) == 1 else "The correct answers:"
            self._say("\n".join([label, *(wrap(text, "  - ") for text in right)]))
        self._say(f"{wrap(question.explanation)}\nSource: {question.source}")

    def _summary(self, heading: str = "") -> None:
        """The score so far (a quiz only: an exam gives its result itself, and nothing when stopped)."""
        if not self.feedback:
            return
        if heading:
            self._say(heading)
        results, total = self.session.results, len(self.session.items)
        right = sum(result.correct for result in results)
        if self.session.stopped:
            self._say(f"You answered {len(results)} of {count(total, 'question')}: {right} correct.")
        else:
            self._say(f"\nScore: {right} of {total} correct ({round(100 * right / total)} %).")
            unanswered = sum(result.outcome == UNANSWERED for result in results)
            if unanswered:
                self._say(f"{unanswered} of them unanswered because the time ran out.")
        if results:
            self._say("By domain:")
            width = max(len(title) for title, _ in DOMAINS.values())
            for domain, (correct, asked) in tally(results).items():
                self._say(f"  {DOMAINS[domain][0]:<{width}}  {correct}/{asked}")
