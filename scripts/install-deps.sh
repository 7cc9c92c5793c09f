#!/usr/bin/env bash
# Installs what building and testing sonde needs on a Debian machine, only what is missing.
# Used by `make run`, `make test` and `make bench`; safe to run again.
# `--test` adds what only the tests need; `--bench` what only the side-by-side benchmarks need.
set -euo pipefail

# libpq-dev and libssl-dev: PostgreSQL through libpq, SHA-256 and HMAC through the system's OpenSSL.
packages=(pkg-config zlib1g-dev libcurl4-openssl-dev libsystemd-dev libpq-dev libssl-dev)
for option in "$@"; do
  case "$option" in
    # openssl makes the TLS tests' certificates; the Gunicorn log tests run a real Gunicorn and
    # logrotate, the PostgreSQL tests a real PostgreSQL (started by the tests as user postgres);
    # prometheus brings promtool, against which `sonde rules test` is checked file by file, and the
    # server that answers the real-data differential, over data node_exporter and postgres_exporter
    # record (the two prometheus-*-exporter packages);
    # prometheus-alertmanager brings amtool and Alertmanager, the reference for notifications;
    # curl asks the live HTTP API in its tests; chromium (headless) screenshots the status page;
    # python3-pip installs moto, the AWS emulator of the billing tests (below).
    --test) packages+=(curl openssl gunicorn logrotate python3 python3-pip postgresql prometheus prometheus-alertmanager chromium
      prometheus-node-exporter prometheus-postgres-exporter) ;;
    # mtail runs beside sonde on the same access log (Benchmarks/mtail/compare.sh).
    --bench) packages+=(mtail time python3 wrk) ;;
    *) echo "unknown option: $option" >&2; exit 2 ;;
  esac
done
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # Packages with services (postgresql, prometheus) must not start them: the tests start their own.
  # Without systemd, invoke-rc.d asks policy-rc.d; a temporary one answers "not now" (101).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ] && [ ! -d /run/systemd/system ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The billing tests run a real AWS emulator (moto); it comes from PyPI, as Debian does not package it.
if [[ " $* " == *" --test "* ]] && ! command -v moto_server >/dev/null; then
  echo "installing: moto[server] (pip)"
  # Debian's Python refuses pip outside a virtualenv (PEP 668); the tests need moto on PATH anyway.
  if ! python3 -m pip install --quiet "moto[server]" 2>/tmp/sonde-pip.err; then
    if grep -q "externally-managed-environment" /tmp/sonde-pip.err; then
      python3 -m pip install --quiet --break-system-packages "moto[server]"
    else
      cat /tmp/sonde-pip.err >&2
      exit 1
    fi
  fi
fi
command -v swift >/dev/null || { echo "swift not found on PATH (Swift 6.1 or later is needed)" >&2; exit 1; }
