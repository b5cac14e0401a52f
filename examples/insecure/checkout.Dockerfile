# The checkout service's image, written the way many real Dockerfiles are.
# `kubeward scan` audits Dockerfiles and Containerfiles (DF rules) with line and column.
ARG PYTHON=python

FROM ${PYTHON} AS build
ARG PIP_INDEX_TOKEN=s3cr3t-index-token
ADD https://bootstrap.example.com/get-pip.py /tmp/get-pip.py
RUN curl -fsSL https://install.example.com/setup.sh | bash
RUN sudo pip install --no-cache-dir -r requirements.txt

FROM someuser/python-runtime:3.12
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
COPY id_rsa /root/.ssh/id_rsa
COPY --from=build /app /app
EXPOSE 8080 22
CMD ["python", "/app/main.py"]
