MAINTAINER someone
FROM alpine:3.20
FORM typo:1
RUN echo ok
COPY <<EOF /never
no end
