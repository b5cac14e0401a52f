# kubeward: a static (musl) binary on a distroless base, run as a non-root user.
#
#   docker build -t kubeward:0.1.0 .
#   docker run --rm -v "$PWD:/src:ro" kubeward:0.1.0 scan /src
#
# Pin both base images by digest (FROM image:tag@sha256:...) in your own builds.

# ---- build: a static binary (rustls with ring: no OpenSSL, no glibc)
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev gcc
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p kubeward \
 && cp target/release/kubeward /kubeward \
 && strip /kubeward

# ---- run: no shell, no package manager, non-root
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /kubeward /usr/local/bin/kubeward
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["/usr/local/bin/kubeward"]
CMD ["--help"]
