"""The documentation site (docs/) and the README: the site builds strictly, its generated pages say what the code
does, every dcalab and lab-grading command they show exists, and headless Chromium shows its front page."""

from __future__ import annotations

import contextlib
import html
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dcalab.cli import build_parser
from dcalab.lab import SCHEMA, find_lab, lab_names
from tests.labrun import ROOT
from tests.test_lab_files import GOOD, MODULES, write_lab
from tests.test_reports import ARTIFACTS, chromium, headless  # noqa: F401 (chromium is a fixture)

DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = ["index", "learner", "trainer", "class", "labs/index", "verdicts", "running", "writing-a-lab", "lab-toml",
         "architecture", "figures"]
FRESH_MACHINE = [  # the README's two commands for a fresh machine: CI and the engineers run them as they are
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && . .venv/bin/activate && dcalab lab start registry && "
    "pytest labs/registry --lab-mode=solve && pytest labs/registry",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/pytest",
]
PLACEHOLDERS = {"LAB": "registry", "NODE": "master", "N": "1", "PATH": "page.html", "SECONDS": "60"}


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    """The strict build .ci/run does: a warning (a broken link, a missing page) fails it."""
    return subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-n", "-q", "-b", "html",
                           str(source), str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = build(DOCS, out)
    assert built.returncode == 0, f"the strict build of docs/ failed:\n{built.stderr}"
    return out


def text_of(page: Path) -> str:
    """A built page's words: tags removed (no space left before punctuation), entities decoded."""
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text())))
    return re.sub(r"\( ", "(", re.sub(r" ([:.,;)])", r"\1", words))


def test_the_site_builds_strictly_with_every_page_and_the_image(site: Path) -> None:
    for page in [*PAGES, *(f"labs/{name}" for name in lab_names())]:
        assert (site / f"{page}.html").is_file(), page
    assert (site / "_images" / "history-page.png").is_file()
    assert (README.parent / "docs" / "history-page.png").is_file()  # the README shows it too


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """docs/ copied beside the code it includes, to break on purpose."""
    subprocess.run(["cp", "-r", str(DOCS), str(tmp_path / "docs")], check=True)
    for name in ("dcalab", "labs"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path / "docs"


def test_a_broken_link_fails_the_build(docs_copy: Path, tmp_path: Path) -> None:
    page = docs_copy / "trainer.md"
    page.write_text(page.read_text() + "\nSee [the rosters](rosters.md).\n")
    built = build(docs_copy, tmp_path / "out")
    assert built.returncode != 0 and "rosters" in built.stderr


def test_a_lab_without_a_page_fails_the_build(docs_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labs = tmp_path / "more-labs"
    labs.mkdir()
    for name in lab_names():
        (labs / name).symlink_to(ROOT / "labs" / name)
    write_lab(labs, GOOD, "toy", MODULES)
    monkeypatch.setenv("DCALAB_LABS", str(labs))
    built = build(docs_copy, tmp_path / "out")
    assert built.returncode != 0 and "the lab toy has no page: write docs/labs/toy.md" in built.stderr


def test_the_lab_toml_reference_is_the_validators_schema(site: Path) -> None:
    reference = text_of(site / "lab-toml.html")
    for table, keys in SCHEMA.items():
        assert table == "lab" or table in reference
        for key, spec in keys.items():  # key, its TOML type, required or optional, its meaning
            required = "required" if spec.required else "optional"
            assert re.search(rf"{key} \w+ {required} {re.escape(spec.meaning)}", reference), key


def test_each_lab_page_gives_its_start_objectives_and_goals_never_its_solution(site: Path) -> None:
    for name in lab_names():
        lab, page = find_lab(name), text_of(site / "labs" / f"{name}.html")
        assert f"{lab.title}: {len(lab.tasks)} tasks, {lab.points} points" in page
        assert "Where it starts" in page
        for task in lab.tasks:
            assert task.objective_words in page and task.title in page
            goal = " ".join(re.sub(r"(?m)^\s*- ", "", task.goal).split())  # a list's items are the page's <li>
            assert re.sub(r"\( ", "(", re.sub(r" ([:.,;)])", r"\1", goal)) in page, f"{name} {task.id}: its goal"
            for line in task.solution.splitlines():
                command = line.split("$", 1)[-1].strip()
                assert len(command) < 12 or command not in page, f"{name} shows its solution: {command}"


def test_the_json_report_example_is_what_the_report_code_writes(site: Path) -> None:
    page = text_of(site / "verdicts.html")
    assert '"name": "daemon-json: Trust the registry over plain HTTP on every node"' in page
    assert '"score": 3' in page and '"status": "failed"' in page and '"verdict": "FAIL"' in page


def documented_commands(program: str) -> list[tuple[str, list[str]]]:
    """Every `program ...` command in the README's and the site's code blocks and inline code: (where, argv)."""
    found = []
    for path in [README, *sorted(DOCS.rglob("*.md"))]:
        text = path.read_text()
        # every fenced block is paired (a toml block's closing fence opens no block), the shell ones read
        blocks = [body for kind, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)
                  if kind in ("", "sh", "text")]
        inline = [re.sub(r"\[([^\]]+)\]", r"\1", span) for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)]
        lines = [line.removeprefix("$ ") for block in blocks for line in block.splitlines()]
        for line in [*lines, *inline]:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            try:
                tokens = list(lexer)
            except ValueError:  # not a shell line (a quiz's text)
                continue
            command: list[str] = []
            for token in [*tokens, ";"]:
                if token in ("&&", "||", "|", ";", ">", "<"):
                    while command and re.fullmatch(r"[A-Z_]+=\S*", command[0]):
                        command.pop(0)  # VARIABLE=value before the program
                    if command[1:] and command[0] == program:  # the program alone is prose
                        found.append((f"{path.relative_to(ROOT)}: {line.strip()}", command[1:]))
                    command = []
                else:
                    command.append(token)
    return found


def test_every_dcalab_command_the_docs_show_exists() -> None:
    """Each is parsed by dcalab's own parser, as `dcalab --help` and each subcommand's help list them: a
    subcommand, option or choice that does not exist fails (placeholders such as LAB stand for a real value)."""
    commands = documented_commands("dcalab")
    assert len(commands) > 60  # the guides' commands are found
    wrong = []
    for where, argv in commands:
        argv = [PLACEHOLDERS.get(word, word) for word in argv]
        try:
            with contextlib.redirect_stderr(io.StringIO()) as error:
                build_parser().parse_args(argv)
        except SystemExit as exit:
            if exit.code:
                wrong.append(f"{where}\n    {error.getvalue().strip().splitlines()[-1]}")
    assert not wrong, "commands in the docs that dcalab does not have:\n" + "\n".join(wrong)


def test_every_lab_grading_option_the_docs_show_exists() -> None:
    commands = documented_commands("pytest")
    options = {word.split("=")[0] for _, argv in commands for word in argv if word.startswith("--")}
    assert {"--lab-mode", "--cluster", "--lab-ssh-config"} <= options
    listed = subprocess.run([sys.executable, "-m", "pytest", "--help"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120).stdout
    missing = [option for option in options if not re.search(rf"^\s+{re.escape(option)}\b", listed, re.M)]
    assert not missing, f"options of pytest labs/LAB in the docs that pytest --help does not list: {missing}"


def test_the_readme_is_short_keeps_the_fresh_machine_commands_and_lists_every_lab() -> None:
    readme = README.read_text()
    assert len(readme.splitlines()) < 120
    for command in FRESH_MACHINE:
        assert command in readme and command in (DOCS / "index.md").read_text()
    rows = dict((name, (int(tasks), int(points))) for name, tasks, points in
                re.findall(r"^\| `([a-z-]+)` \| (\d+) \| (\d+) \|", readme, re.M))
    assert rows == {name: (len(find_lab(name).tasks), find_lab(name).points) for name in lab_names()}
    for target in re.findall(r"\]\(([^)]+)\)", readme):
        assert (ROOT / target).is_file(), target


def test_the_front_page_in_headless_chromium(site: Path, chromium: str) -> None:  # noqa: F811 (the fixture)
    dom = headless(chromium, "--dump-dom", (site / "index.html").as_uri())
    assert "Docker Certified Associate" in dom and "The learner's guide" in dom and "The trainer's guide" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-front-page.png"
    headless(chromium, f"--screenshot={shot}", "--window-size=1280,1400", (site / "index.html").as_uri())
    assert shot.stat().st_size > 10_000


def test_the_task_views_the_readme_and_the_guide_show_are_what_lab_show_prints(tmp_path: Path) -> None:
    env = {"DCALAB_HISTORY": str(tmp_path / "history.sqlite3"), "PATH": "/usr/bin:/bin"}
    printed = "".join(subprocess.run([sys.executable, "-m", "dcalab", "lab", "show", "registry", *view],
                                     capture_output=True, text=True, cwd=ROOT, timeout=60, env=env).stdout
                      for view in ((), ("--guided",), ("--solution",)))
    views = [block for path in (README, DOCS / "learner.md") for block in
             re.findall(r"^```text\n(.*?)^```", path.read_text(), re.M | re.S)
             if "[registry-running]" in block or "Guided steps:" in block or "Solution (what" in block]
    assert len(views) == 4  # the README's goal; the guide's goal, guided steps and solution
    for block in views:
        for line in block.splitlines():
            if not line.startswith("$ ") and line.strip() != "...":
                assert f"\n{line}\n" in printed, line
