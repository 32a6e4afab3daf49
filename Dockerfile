# iot-hub: the EMQX ExHook gRPC server (gRPC :9000, HTTP admin API :8080).
# Build (needs Docker):  docker build -t iot-hub:local .
# Run:                   docker compose up   (see docs/deploy.md)

# ---- build stage: the toolchain and -dev packages, from the project's own install script.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
# install-deps.sh also installs Node.js/npm (the deploy checks' HOCON parser); the image
# build only needs the C++ side, but one list keeps CI, developers and images in step.
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build --target iot-hub -j"$(nproc)" \
 && strip build/iot-hub

# ---- runtime stage: only the shared libraries the binary links, plus curl (health
# check), openssl and bash (scripts/generate-certs.sh, the compose certs step).
FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libabsl20220623 libssl3 libsqlite3-0 \
      libspdlog1.10 libfmt9 libtomlplusplus3 libcpp-httplib0.11 libmosquitto1 \
      curl ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/*

# uid/gid 1000: the same uid as the emqx image's user, so the files the certs step
# chowns to 1000:1000 (CERTS_OWNER) are readable by both containers.
ARG IOTHUB_UID=1000
RUN groupadd -r -g "${IOTHUB_UID}" iothub \
 && useradd -r -u "${IOTHUB_UID}" -g iothub -d /var/lib/iot-hub -s /usr/sbin/nologin iothub \
 && mkdir -p /var/lib/iot-hub \
 && chown iothub:iothub /var/lib/iot-hub

COPY --from=build /src/build/iot-hub /usr/local/bin/iot-hub
COPY scripts/generate-certs.sh /usr/local/bin/generate-certs.sh
# Fail the image build, not the first start, when a runtime library is missing.
RUN chmod 0755 /usr/local/bin/generate-certs.sh \
 && if ldd /usr/local/bin/iot-hub | grep 'not found'; then echo "missing runtime libraries" >&2; exit 1; fi

USER iothub
WORKDIR /var/lib/iot-hub
VOLUME ["/var/lib/iot-hub"]
EXPOSE 9000 8080

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/api/health"]

ENTRYPOINT ["/usr/local/bin/iot-hub"]
CMD ["serve", "--grpc-listen", "0.0.0.0:9000", "--http-listen", "0.0.0.0:8080", "--data-dir", "/var/lib/iot-hub"]
