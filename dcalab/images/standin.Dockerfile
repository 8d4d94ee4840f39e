{# A version in the content gives a second tag of the same name its own image and digest. -#}
{% set shown = name ~ (" " ~ version if version is defined else "") -%}
FROM {{ base }}
LABEL org.dcalab.stand-in="{{ name }}:{{ tags[0] }}"
RUN mkdir -p /usr/share/nginx/html \
 && echo "{{ shown }} stand-in image built by dcalab for offline labs" > /etc/dcalab-stand-in \
 && echo "<h1>{{ shown }} (dcalab stand-in)</h1>" > /usr/share/nginx/html/index.html
{% for port in expose %}EXPOSE {{ port }}
{% endfor %}CMD {{ cmd | tojson }}
