"""Task host-publishing: the service edge publishes 8088 in host mode, and an answer file on master names the nodes
that answer on 8088 (the nodes running a task of edge: no routing mesh in host mode).

Every node of the lab is asked from master, so the answer is graded on what the learner could see with curl."""

from checks import files, publishing, services, verdict

TASK = "host-publishing"
ANSWER = "/root/answers/edge-nodes.txt"
PORT = 8088
LISTEN_SECONDS = 10
CREATE = (f"docker service create -q --name edge --replicas 1 --publish mode=host,published={PORT},target=80 "
          "nginx:1.25")
# --publish-rm takes the port as it was published (8088:80 for an ingress port, in one update with the add)
PUBLISH = f"docker service update -q --publish-rm {PORT}:80 --publish-add mode=host,published={PORT},target=80 edge"


def test_host_publishing(task) -> None:
    master = task.host("master")
    addresses = {node.name: node.ip for node in task.topology.nodes}
    aliases = {alias: node.name for node in task.topology.nodes for alias in (node.name, node.fqdn, node.ip)}
    if task.solving:
        services.ensure(master, "edge", CREATE, PUBLISH, lambda edge: services.host_published(edge, PORT, 80).passed)
    edge, _ = services.when_settled(task, master, "edge")
    if task.solving:  # a task just running may take a moment to listen
        task.until(lambda: verdict(bool(publishing.answering(master, addresses, PORT)), "a node answers", ""),
                   LISTEN_SECONDS)
    answered = publishing.answering(master, addresses, PORT)
    answer, why = files.answer_lines(master, ANSWER)
    if task.solving and answered and not publishing.answer_names_nodes(answer, why, answered, PORT, aliases).passed:
        files.ensure_answer(master, ANSWER, sorted(answered))
        answer, why = files.answer_lines(master, ANSWER)
    task.grade({
        "host-mode": services.host_published(edge, PORT, 80),
        "answering-nodes": publishing.answer_names_nodes(answer, why, answered, PORT, aliases),
    })
