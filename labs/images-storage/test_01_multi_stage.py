"""Task multi-stage: app:1.0 built in stages (no compiler layer, small), as a non-root user, EXPOSE 8080, an
exec-form ENTRYPOINT and an OCI label."""

from checks import images, run_or_raise

TASK = "multi-stage"
DOCKERFILE = """FROM gcc:12 AS build
WORKDIR /src
COPY app.c .
RUN gcc -O2 -static -o /app app.c
FROM busybox
COPY --from=build /app /usr/local/bin/app
USER 1000:1000
EXPOSE 8080
LABEL org.opencontainers.image.title="app"
HEALTHCHECK --interval=5s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/ || exit 1
ENTRYPOINT ["/usr/local/bin/app"]
"""


def _grade(master) -> dict:
    app = images.image(master, "app:1.0")
    found = {
        "no-build-tools": images.small_final_stage(app, images.history(master, "app:1.0") if app else [], "gcc", 20),
        "non-root": images.runs_as_non_root(app),
        "exposes-8080": images.exposes(app, "8080/tcp"),
        "exec-form-entrypoint": images.exec_form_entrypoint(app),
        "oci-label": images.has_label_prefix(app, "org.opencontainers.image."),
    }
    return found if app else dict.fromkeys(found, images.absent("app:1.0", "master"))


def test_multi_stage(task) -> None:
    master = task.host("master")
    if task.solving and not all(found.passed for found in _grade(master).values()):
        run_or_raise(master, f"cat > /root/app/Dockerfile <<'DOCKERFILE'\n{DOCKERFILE}DOCKERFILE")
        run_or_raise(master, "cd /root/app && docker build -q -t app:1.0 -t app:1 -t app:latest . >/dev/null")
    task.grade(_grade(master))
