"""The exam trainer's quiz: the question bank (bank), scoring (engine), the terminal UI and `dcalab quiz`.

Here: what the rest of dcalab shares with the quiz without loading it (a grade goes without the bank): the DCA
domains, which lab tasks name too, and an answer's outcomes, which the history keeps.
"""

# File name (and `domain` field) -> the study guide's title and the id prefix of its questions.
DOMAINS: dict[str, tuple[str, str]] = {
    "orchestration": ("Orchestration", "orc"),
    "image-registry": ("Image Creation, Management and Registry", "img"),
    "installation-configuration": ("Installation and Configuration", "ins"),
    "networking": ("Networking", "net"),
    "security": ("Security", "sec"),
    "storage-volumes": ("Storage and Volumes", "sto"),
}

CORRECT, WRONG, UNANSWERED = "correct", "wrong", "unanswered"
RIGHT_IN_A_ROW = 2  # a missed question is mastered once answered right this many times in a row
