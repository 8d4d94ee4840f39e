"""Task htpasswd: the registry refuses a request without a user (401) and accepts the lab's user dca (200)."""

from checks import registry_api, registry_server, run_or_raise, verdict

TASK = "htpasswd"
SETTINGS = {"REGISTRY_HTTP_TLS_CERTIFICATE": "/certs/registry.crt", "REGISTRY_HTTP_TLS_KEY": "/certs/registry.key",
            "REGISTRY_AUTH": "htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM": "dca-lab",
            "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd"}
MOUNTS = ("/root/certs:/certs:ro", "/root/auth:/auth:ro")


def test_htpasswd(task) -> None:
    registry, master = task.host("registry"), task.host("master")
    url, user_option = f"https://{task.settings['registry']}/v2/", registry_api.as_user(task.settings["auth_file"])
    if task.solving and (registry_api.get(master, url, options="-k").status != 401
                         or registry_api.get(master, url, options=f"-k {user_option}").status != 200):
        run_or_raise(registry, "mkdir -p /root/auth && touch /root/auth/htpasswd && htpasswd -Bb /root/auth/htpasswd "
                               "dca \"$(cut -d: -f2- /etc/dcalab/registry-auth)\" 2>/dev/null")  # other users kept
        registry_server.ensure(registry, SETTINGS, MOUNTS)
    anonymous = registry_api.get(master, url, options="-k")
    user = registry_api.get(master, url, options=f"-k {user_option}")
    stored = "" if user.status == 200 else registry_server.password_format(
        registry, registry_server.serving(registry, 5000), "dca")
    task.grade({
        "anonymous-refused": verdict(anonymous.status == 401, "/v2/ without a user answers HTTP 401",
                                     anonymous.describe()),
        "user-accepted": verdict(user.status == 200 and anonymous.status == 401,
                                 "/v2/ as dca answers HTTP 200, and without a user 401",
                                 "HTTP 200, but so does a request without a user: authentication is off"
                                 if user.status == 200 and anonymous.status == 200 else user.describe() + (
                                     f"; the htpasswd file holds dca's password as {stored}" if stored else "")),
    })
