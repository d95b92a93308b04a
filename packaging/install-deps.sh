#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages aquad needs to build, test and run the
# sensor simulator. Does nothing when they are all present, so `make run`
# stays quick after the first time.
set -eu

packages="cmake make g++ pkg-config
  libcaf-dev librestinio-dev libasio-dev libfmt-dev libhttp-parser-dev
  liblmdb-dev liblmdb++-dev lmdb-utils libyaml-cpp-dev nlohmann-json3-dev
  libsimdjson-dev libsystemd-dev libssl-dev dpkg-dev clang libclang-rt-14-dev
  doctest-dev python3 python3-requests python3-yaml"

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
