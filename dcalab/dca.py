"""The DCA exam's shared words, low in the house so that labs, the history and the quiz all read them without
loading one another: the study guide's six domains and an answer's outcomes."""

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
