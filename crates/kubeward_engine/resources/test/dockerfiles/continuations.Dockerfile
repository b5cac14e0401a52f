FROM debian:12-slim
RUN apt-get update \   
    # comment lines are dropped

    && apt-get install -y ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ENV A=1 \
    B=2
LABEL org.opencontainers.image.title="shop" \
      description="multi \
 line"
USER 1000
