"""Task answers: /root/answers holds app:1.0's ID, its layer count and the images labelled stage=base, each graded
against the truth at grade time."""

from checks import files, run_or_raise, verdict

TASK = "answers"
ANSWERS = {  # file -> the command whose output is the right answer (also what solve writes)
    "id.txt": "docker image inspect --format '{{.Id}}' app:1.0",
    "layers.txt": "docker image inspect --format '{{len .RootFS.Layers}}' app:1.0",
    "base.txt": "docker image ls --filter label=stage=base --format '{{.Repository}}:{{.Tag}}'",
}


def _judge(master, name: str, normalise=lambda line: line) -> tuple[bool, str]:
    lines, problem = files.answer_lines(master, f"/root/answers/{name}")
    if lines is None:
        return False, problem
    truth = sorted(normalise(line) for line in master.run(ANSWERS[name]).stdout.split())
    given = sorted(normalise(line) for line in lines)
    return bool(truth) and given == truth, f"{name} says {', '.join(lines)[:120] or 'nothing'}"


def _short_id(line: str) -> str:
    """An ID written in full, with or without sha256:, or as docker shows it (12 characters)."""
    return line.removeprefix("sha256:")[:12]


def test_answers(task) -> None:
    master = task.host("master")
    if task.solving:
        for name, command in ANSWERS.items():
            if not _judge(master, name, _short_id if name == "id.txt" else str)[0]:
                run_or_raise(master, f"{command} > /root/answers/{name}")
    results = {check: _judge(master, name, normalise) for check, name, normalise in (
        ("image-id", "id.txt", _short_id), ("layer-count", "layers.txt", str), ("labelled-images", "base.txt", str))}
    task.grade({check: verdict(right, "the answer docker gives now", found)
                for check, (right, found) in results.items()})
