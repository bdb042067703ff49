#!/usr/bin/env bash
# Installs the Debian packages the default test run (`npm test`) needs:
#   python3-pika  pika, the Python client spawned by test/integration/pika.test.ts (via /usr/bin/python3)
#   amqp-tools    amqp-publish, amqp-get, amqp-consume for test/integration/amqp-tools.test.ts
# RabbitMQ itself is not needed: tests run against an in-process Warren unless WARREN_TEST_AMQP_URL is set.
# Usage: scripts/install-test-deps.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(python3-pika amqp-tools)

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
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
