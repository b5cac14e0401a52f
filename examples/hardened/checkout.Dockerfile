# syntax=docker/dockerfile:1
# The checkout service's image, hardened: pinned bases from the company registry, build-time
# secrets through a secret mount, no root at run time, a health check.
FROM registry.example.com/base/python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build
WORKDIR /app
COPY requirements.txt .
RUN --mount=type=secret,id=pip_index_token,env=PIP_INDEX_TOKEN \
    pip install --no-cache-dir --target /app/deps -r requirements.txt
COPY src/ /app/src/

FROM registry.example.com/base/python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
COPY --from=build /app /app
ENV PYTHONPATH=/app/deps
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8080/healthz')"]
USER 10001:10001
CMD ["python", "/app/src/main.py"]
