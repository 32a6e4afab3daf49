#!/usr/bin/env bash
# Installs every Debian 12 package that iot-hub's build, tests, benchmarks and demo need.
# Idempotent: packages already installed are skipped, and apt is not touched when none is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev
  libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev postgresql-15 libhiredis-dev redis-server
  libqrencode-dev libpng-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev
  libmosquitto-dev mosquitto mosquitto-clients mosquitto-dev
  clang-format curl ca-certificates procps python3
  clang libclang-rt-14-dev
  chromium chromium-driver python3-selenium  # the web console's browser test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && command -v npm >/dev/null 2>&1; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]:-nodejs npm}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# redis-server is only for the tests (they start servers of their own on free ports).
if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  "${sudo_cmd[@]}" systemctl disable --now redis-server 2>/dev/null || true
fi

# postgresql-15 is only for the tests, which start servers of their own on free ports:
# stop the cluster the package starts on 5432, and keep it from starting at boot.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  "${sudo_cmd[@]}" pg_ctlcluster 15 main stop 2>/dev/null || true
  echo manual | "${sudo_cmd[@]}" tee /etc/postgresql/15/main/start.conf >/dev/null 2>&1 || true
fi

# Node.js with npm runs the HOCON parser of the EMQX config checks. The machines ship
# their own Node.js; Debian's nodejs/npm conflict with it, so take Debian's only if none is there.
if ! command -v npm >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
