FROM {{ base }}
LABEL org.dcalab.stand-in="{{ name }}:{{ tags[0] }}"
RUN mkdir -p /usr/share/nginx/html \
 && echo "{{ name }} stand-in image built by dcalab for offline labs" > /etc/dcalab-stand-in \
 && echo "<h1>{{ name }} (dcalab stand-in)</h1>" > /usr/share/nginx/html/index.html
{% for port in expose %}EXPOSE {{ port }}
{% endfor %}CMD {{ cmd | tojson }}
