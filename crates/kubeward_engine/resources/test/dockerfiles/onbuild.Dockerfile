FROM node:22-slim
ONBUILD COPY package.json /app/
ONBUILD RUN npm ci
STOPSIGNAL SIGTERM
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
HEALTHCHECK --interval=5m --timeout=3s \
  CMD curl -f http://localhost/ || exit 1
CMD [not json, so shell form]
VOLUME ["/data"]
USER node
