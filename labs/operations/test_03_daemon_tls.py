"""Task daemon-tls: master's docker listens on tcp://0.0.0.0:2376 with tlsverify beside its unix socket; a server
certificate of the lab's own CA with master's names; worker1's client certificate gets in, no certificate does not."""

from checks import Verdict, certificates, daemon, daemon_tls, run_or_raise, services, swarm, verdict
from checks.docker_cli import api_json

TASK = "daemon-tls"
FOLDER = "/root/tls"
CLIENT_FOLDER = "/root/.docker"
PORT = 2376
ADDRESS = f"master.docker-dca.example:{PORT}"
NAMES = ["DNS:master.docker-dca.example", "DNS:master"]  # and master's address, the cluster's own
SETTINGS = {"hosts": ["unix:///var/run/docker.sock", f"tcp://0.0.0.0:{PORT}"], "tlsverify": True,
            "tlscacert": f"{FOLDER}/ca.pem", "tlscert": f"{FOLDER}/server-cert.pem",
            "tlskey": f"{FOLDER}/server-key.pem"}
DROP_IN = "/etc/systemd/system/docker.service.d/tls.conf"
# Debian's unit without its -H fd://, which clashes with daemon.json's hosts
UNIT_OVERRIDE = "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock\n"
CLIENT_FILES = ("ca.pem", "cert.pem", "key.pem")
RESTART_SETTLE = 60  # seconds the swarm tasks of a restarted docker take to run again
# The CA, master's server certificate (for master's address: {ip}) and a client certificate, as the instructions make
# them.
MAKE = (f"mkdir -p {FOLDER} && cd {FOLDER} && openssl req -x509 -newkey rsa:2048 -nodes -days 365 "
        "-subj '/CN=DCA lab daemon CA' -keyout ca-key.pem -out ca.pem 2>/dev/null "
        "&& openssl req -newkey rsa:2048 -nodes -subj '/CN=master.docker-dca.example' -keyout server-key.pem "
        "-out server.csr 2>/dev/null && printf 'subjectAltName=DNS:master.docker-dca.example,DNS:master,"
        "IP:{ip}\\nextendedKeyUsage=serverAuth\\n' > server.ext && openssl x509 -req -in server.csr "
        "-CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -extfile server.ext -out server-cert.pem 2>/dev/null "
        "&& openssl req -newkey rsa:2048 -nodes -subj '/CN=client' -keyout key.pem -out client.csr 2>/dev/null "
        "&& printf 'extendedKeyUsage=clientAuth\\n' > client.ext && openssl x509 -req -in client.csr -CA ca.pem "
        "-CAkey ca-key.pem -CAcreateserial -days 365 -extfile client.ext -out cert.pem 2>/dev/null")


def both_sockets(master) -> Verdict:
    """dockerd listens on 0.0.0.0:2376 and still answers on its unix socket."""
    tcp = daemon_tls.listens_on(master, PORT)
    local = api_json(master, "/version") is not None
    return verdict(tcp.passed and local, f"master's docker on /var/run/docker.sock and on 0.0.0.0:{PORT}",
                   f"{tcp.found}; the unix socket {'answers' if local else 'does not answer'}")


def ensure_daemon(task, master) -> None:
    """daemon.json's TLS settings (the learner's other keys kept), the unit's -H fd:// replaced, docker restarted
    when it does not listen with them yet (and its swarm tasks running again, when the swarm has a leader)."""
    changed, _ = daemon.ensure_settings(master, SETTINGS)
    if "fd://" in run_or_raise(master, "systemctl show docker.service -p ExecStart --value"):
        run_or_raise(master, "mkdir -p %s && printf %s > %s && systemctl daemon-reload", DROP_IN.rpartition("/")[0],
                     UNIT_OVERRIDE, DROP_IN)
        changed = True
    if changed or not daemon_tls.listens_on(master, PORT).passed:
        leading = swarm.has_leader(master)  # a swarm without its quorum (the lab's start) schedules nothing
        daemon.restart_docker(master)
        if leading:
            task.until(lambda: services.tasks_running_on(master, master), RESTART_SETTLE)


def ensure_client(master, worker1) -> None:
    """worker1's ~/.docker holds master's CA and client certificate (a learner's own files kept with a date)."""
    files = {name: run_or_raise(master, "base64 -w0 %s", f"{FOLDER}/{name}") for name in CLIENT_FILES}
    for name, encoded in files.items():
        path = f"{CLIENT_FOLDER}/{name}"
        run_or_raise(worker1, "mkdir -p %s && { [ ! -e %s ] || mv %s %s.before-solve-$(date +%%Y%%m%%d-%%H%%M%%S); } "
                              "&& echo %s | base64 -d > %s", CLIENT_FOLDER, path, path, path, encoded, path)
    run_or_raise(worker1, "chmod 600 %s", f"{CLIENT_FOLDER}/key.pem")


def test_daemon_tls(task) -> None:
    master, worker1 = task.host("master"), task.host("worker1")
    address = task.topology.node("master").ip

    def certificate() -> Verdict:
        return daemon_tls.server_certificate(master, f"{FOLDER}/ca.pem", f"{FOLDER}/server-cert.pem",
                                             [*NAMES, f"IP Address:{address}"])

    if task.solving:
        client_made = certificates.signed_by(master, f"{FOLDER}/ca.pem", f"{FOLDER}/cert.pem").passed
        if not (certificate().passed and client_made):  # the learner's files kept aside
            run_or_raise(master, f"[ ! -e {FOLDER} ] || mv {FOLDER} {FOLDER}.before-solve-$(date +%Y%m%d-%H%M%S); "
                                 + MAKE.replace("{ip}", address))
        ensure_daemon(task, master)
        if not daemon_tls.accepts_client(worker1, ADDRESS).passed:
            ensure_client(master, worker1)
    task.grade({
        "server-certificate": certificate(),
        "client-certificate-accepted": daemon_tls.accepts_client(worker1, ADDRESS),
        "refused-without-certificate": daemon_tls.refuses_without_certificate(worker1, ADDRESS),
        "unix-socket-kept": both_sockets(master),
    })
