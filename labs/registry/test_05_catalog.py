"""Task catalog: /v2/_catalog, fetched over HTTP from master, lists alpine."""

from checks import registry_api

TASK = "catalog"


def test_catalog(task) -> None:
    registry = task.settings["registry"]
    answer = registry_api.catalog(task.host("master"), registry)
    task.grade({
        "reachable": registry_api.answers(answer, f"http://{registry}/v2/_catalog"),
        "lists-alpine": registry_api.lists_repository(answer, "alpine"),
    })
