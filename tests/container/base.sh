#!/usr/bin/env bash
# The container test's base image: Debian bookworm made by debootstrap, because no registry can be
# reached from the project's machines (so no official Python image can be pulled). On top of it
# go this machine's CA bundle and pip settings, so that `pip install` inside the image build gets
# through the HTTPS proxy. That is test-only: the product's Dockerfile never sees any of it.
#
#   bash tests/container/base.sh      build the base, or reuse it; prints the image's name
#
# Cached twice, so CI pays for debootstrap once per machine: the podman image itself, and the
# debootstrapped tree as a tarball in $CACHE_DIR (which survives `podman system reset`). A lock
# makes a second caller (another checkout's tests, say) wait and then reuse the first's work.
set -euo pipefail

IMAGE=${FERNDESK_VERIFIER_TEST_BASE:-localhost/ferndesk-verifier-test-base:bookworm}
CACHE_DIR=${FERNDESK_VERIFIER_CACHE_DIR:-/var/cache/ferndesk-verifier}
TARBALL=$CACHE_DIR/bookworm-minbase.tar
HERE=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/containers.conf}

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/base.lock"
flock 9

if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -s "$TARBALL" ]; then
  # The mirror apt uses here (the first URIs line), so debootstrap goes where the network allows.
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
    || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  tar -C "$work/root" -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
  rm -rf "$work/root"
fi

podman import --quiet "$TARBALL" "$IMAGE-minbase" >/dev/null

# This machine's way through the proxy: its CA bundle, and pip's settings without what points at
# this machine's own folders (local wheel directories do not exist inside the image).
cp /etc/ssl/certs/ca-certificates.crt "$work/ca-certificates.crt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$work/pip.conf"
cat >"$work/Containerfile" <<CONTAINERFILE
FROM $IMAGE-minbase
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY pip.conf /etc/pip.conf
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CONTAINERFILE
podman build --quiet --layers=false --tag "$IMAGE" "$work" >/dev/null
podman rmi --force "$IMAGE-minbase" >/dev/null 2>&1 || true
echo "$IMAGE"
