# A real nginx, Debian's nginx-light (bookworm ships 1.22.1), for labs where nginx proxies or balances.
# Laid out like the upstream image, so lab configs fit: conf.d/default.conf serves /usr/share/nginx/html,
# and the logs go to the container's output (docker logs).
FROM {{ base }}
LABEL org.dcalab.stand-in="{{ name }}:{{ tags[0] }}"
{% include "apt-install.Dockerfile" -%}
# Debian's default site also listens on [::]:80, which fails in a container without IPv6.
RUN rm /etc/nginx/sites-enabled/default \
 && mkdir -p /usr/share/nginx/html \
 && echo "<h1>nginx {{ tags[0] }} (dcalab stand-in: Debian's nginx-light)</h1>" > /usr/share/nginx/html/index.html \
 && printf 'server {\n    listen 80;\n    server_name localhost;\n    location / {\n        root /usr/share/nginx/html;\n        index index.html;\n    }\n}\n' \
      > /etc/nginx/conf.d/default.conf \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
