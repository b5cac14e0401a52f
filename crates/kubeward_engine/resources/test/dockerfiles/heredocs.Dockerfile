# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN <<INSTALL <<'CONFIG' sh -c 'cat; cat'
apk add --no-cache curl
INSTALL
not expanded: $HOME
CONFIG
RUN <<-EOT
	echo tabs stripped
	EOT
COPY --chmod=0755 <<"SCRIPT" /usr/local/bin/entry
#!/bin/sh
exec "$@"
SCRIPT
RUN echo "<<NOT a heredoc: it is quoted" || true
USER 10001
