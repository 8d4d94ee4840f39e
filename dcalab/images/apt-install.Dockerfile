{# One RUN step, included by the Debian-based images: install `packages`, keep no apt cache or lists. -#}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      {{ packages | join(" ") }} \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
