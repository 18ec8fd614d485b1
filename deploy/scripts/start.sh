#!/usr/bin/env bash
# Usage: start.sh APPLICATION [latest|none|SNAPSHOT_NAME]
# Starts the application, restoring from the latest snapshot (default), from none, or from a named one.
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 APPLICATION [latest|none|SNAPSHOT_NAME]"
app="$1"; from="${2:-latest}"
need aws
case "$from" in
  latest) restore='{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_LATEST_SNAPSHOT"}}' ;;
  none) restore='{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"SKIP_RESTORE_FROM_SNAPSHOT"}}' ;;
  *) restore="{\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":\"RESTORE_FROM_CUSTOM_SNAPSHOT\",\"SnapshotName\":\"$from\"}}" ;;
esac
run aws kinesisanalyticsv2 start-application --application-name "$app" --run-configuration "$restore"
wait_status "$app" RUNNING
