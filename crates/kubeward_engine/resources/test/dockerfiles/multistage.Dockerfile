ARG GO=1.22
ARG DISTROLESS=gcr.io/distroless/static-debian12
FROM --platform=$BUILDPLATFORM golang:${GO} AS Builder
WORKDIR /src
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .

FROM builder AS test
RUN go test ./...

from ${DISTROLESS}:nonroot
copy --from=0 /out/app /app
Copy --from=BUILDER /out/app /app2
entrypoint ["/app"]
