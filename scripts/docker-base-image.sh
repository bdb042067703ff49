#!/usr/bin/env bash
# Makes the `node:20-bookworm-slim` base image the Dockerfile starts from, locally, from
# Debian's packages and this machine's Node.js 20, for machines that reach no image registry
# (docs/deploy.md). Where a registry is reachable, `docker pull node:20-bookworm-slim` does
# the same. Does nothing when the image is already there.
# Needs: root, a running Docker engine, mmdebstrap (apt-get install docker.io mmdebstrap).
set -euo pipefail
image=node:20-bookworm-slim
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "docker-base-image: $image is already there"
  exit 0
fi
node_binary=$(command -v node)
npm_directory=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
case "$(node --version)" in v20.*) ;; *) echo "docker-base-image: needs Node.js 20 on this machine, found $(node --version)" >&2; exit 1 ;; esac
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
echo "docker-base-image: making $image from Debian bookworm and $node_binary"
mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --include=ca-certificates \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $node_binary /usr/local/bin" \
  --customize-hook='mkdir -p "$1/usr/local/lib/node_modules"' \
  --customize-hook="copy-in $npm_directory /usr/local/lib/node_modules" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='copy-in /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs' \
  bookworm - "$sources" \
| docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' -c 'CMD ["node"]' \
    - "$image"
