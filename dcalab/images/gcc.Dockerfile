# Debian bookworm's gcc 12.2 with the C library (static too): the build stage of multi-stage builds.
FROM {{ base }}
LABEL org.dcalab.stand-in="{{ name }}:{{ tags[0] }}"
{% include "apt-install.Dockerfile" -%}
