# Warren as a container image. Build from a clone: `docker build -t warren .`
# Run as RabbitMQ's image is run; its RABBITMQ_* variables are accepted as aliases:
#   docker run -d --hostname node1 -e RABBITMQ_DEFAULT_USER=admin -e RABBITMQ_DEFAULT_PASS=secret \
#     -v warren-data:/var/lib/warren -p 5672:5672 -p 1883:1883 -p 15672:15672 warren
# docs/deploy.md has the details; test/docker/image.test.ts builds and runs this file.

# The build stage compiles TypeScript and keeps only the runtime dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY src src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# A system user of its own: the broker needs no root.
RUN groupadd --system warren \
 && useradd --system --gid warren --home-dir /var/lib/warren --shell /usr/sbin/nologin warren \
 && mkdir -p /var/lib/warren /var/log/warren /etc/warren \
 && chown warren:warren /var/lib/warren /var/log/warren
WORKDIR /opt/warren
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules node_modules
COPY --from=build /build/dist dist
COPY bin bin
RUN chmod 755 bin/*.js \
 && ln -s /opt/warren/bin/warren-server.js /usr/local/bin/warren-server \
 && ln -s /opt/warren/bin/warrenctl.js /usr/local/bin/warrenctl
# The data directory holds definitions, messages and the cookie; HOME is the same directory, so
# the server and `docker exec ... warrenctl` find one cookie file. The log goes to stdout
# (`docker logs`) unless WARREN_LOG_DIR says otherwise; /var/log/warren is there for that.
ENV WARREN_DATA_DIR=/var/lib/warren \
    HOME=/var/lib/warren \
    NODE_ENV=production
VOLUME ["/var/lib/warren", "/var/log/warren"]
# AMQP, MQTT, management API, Prometheus metrics, node-to-node and CLI.
EXPOSE 5672 1883 15672 15692 25672
USER warren
# Healthy when the node answers warrenctl over its control port (as rabbitmq-diagnostics ping).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["warrenctl", "status", "--quiet"]
# warren-server handles SIGTERM itself (clients get 320 CONNECTION_FORCED, then a clean stop),
# so `docker stop` is quick even with node as PID 1.
STOPSIGNAL SIGTERM
CMD ["warren-server"]
