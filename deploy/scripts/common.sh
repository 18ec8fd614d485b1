#!/usr/bin/env bash
# Shared helpers of the deploy scripts: fail fast, print every AWS call before making it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
template="$repo/deploy/cloudformation/streamsync.yaml"

say() { printf '[deploy] %s\n' "$*" >&2; }
die() { printf '[deploy] error: %s\n' "$*" >&2; exit 1; }
run() { say "+ $*"; "$@"; }
need() { command -v "$1" >/dev/null || die "$1 is required (install it and configure credentials: aws configure)"; }

# The jar name the build produces: <artifactId>-<version>.jar
jar_name() {
  local version
  version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$repo/pom.xml" | head -n 1)"
  [ -n "$version" ] || die "cannot read the project version from pom.xml"
  echo "streamsync-$version.jar"
}

# Waits until the application reaches one of the given statuses.
wait_status() {
  local app="$1"; shift
  local status
  for _ in $(seq 1 120); do
    status="$(aws kinesisanalyticsv2 describe-application --application-name "$app" \
      --query 'ApplicationDetail.ApplicationStatus' --output text)"
    for want in "$@"; do [ "$status" = "$want" ] && { say "$app is $status"; return 0; }; done
    sleep 10
  done
  die "$app did not reach $* (last status: $status)"
}
