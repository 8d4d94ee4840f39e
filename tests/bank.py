"""The question bank, loaded and validated once per test process (about 0.15 s each time): the test modules that
read it share these; a test never changes them (questions are frozen)."""

from __future__ import annotations

from dcalab.quiz.bank import Question, load_bank

QUESTIONS: list[Question] = load_bank()
BANK: dict[str, Question] = {question.id: question for question in QUESTIONS}
