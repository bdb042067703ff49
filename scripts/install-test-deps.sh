#!/usr/bin/env bash
# Installs the Debian packages the default test run (`npm test`) needs:
#   python3-pika  pika, the Python client spawned by test/integration/pika.test.ts (via /usr/bin/python3)
#   amqp-tools    amqp-publish, amqp-get, amqp-consume for test/integration/amqp-tools.test.ts
#   mosquitto-clients, python3-paho-mqtt   MQTT clients for test/integration/mqtt-debian-clients.test.ts
#   haproxy, nginx, libnginx-mod-stream, keepalived   the front door in deploy/, run for real by test/deploy/
#   docker.io, mmdebstrap   the Dockerfile, built and run by test/docker/ (the base image is made
#                     from Debian's packages by scripts/docker-base-image.sh: no registry here)
#   nagios-plugins-rabbitmq   check_rabbitmq_server, run by test/integration/mgmt-nagios.test.ts
#   rabbitmq-server   only for its rabbitmqadmin (test/integration/mgmt-rabbitmqadmin.test.ts); the
#                     RabbitMQ service is kept from starting during the install and is never started.
# Tests run against an in-process Warren unless WARREN_TEST_AMQP_URL is set.
# Usage: scripts/install-test-deps.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(python3-pika amqp-tools mosquitto-clients python3-paho-mqtt haproxy nginx libnginx-mod-stream keepalived docker.io mmdebstrap rabbitmq-server nagios-plugins-rabbitmq)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: already installed: ${PACKAGES[*]}"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "install-test-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian starts a service when its package is installed; policy-rc.d answering 101 forbids that,
# so installing rabbitmq-server (for rabbitmqadmin) leaves no RabbitMQ running. Ours is removed after.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then "${as_root[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
