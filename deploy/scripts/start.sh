#!/usr/bin/env bash
# Usage: start.sh APPLICATION [latest|none|SNAPSHOT_NAME] [--allow-non-restored-state]
# Starts the application (Managed Service for Apache Flink, Flink 2.2), restoring from the latest snapshot
# (default), from none, or from a named one; waits for the start operation and then watches that the new job
# runs without restarting for 10 minutes after the operation ended.
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 APPLICATION [latest|none|SNAPSHOT_NAME] [--allow-non-restored-state]"
app="$1"; from="latest"; allow=false
shift
for a in "$@"; do
  case "$a" in
    --allow-non-restored-state) allow=true ;;
    -*) die "unknown option $a; usage: $0 APPLICATION [latest|none|SNAPSHOT_NAME] [--allow-non-restored-state]" ;;
    *) from="$a" ;;
  esac
done
need aws
case "$from" in
  latest) restore='"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_LATEST_SNAPSHOT"}' ;;
  none) restore='"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"SKIP_RESTORE_FROM_SNAPSHOT"}' ;;
  *) restore="\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":\"RESTORE_FROM_CUSTOM_SNAPSHOT\",\"SnapshotName\":$(json_string "$from")}" ;;
esac
op="$(run aws kinesisanalyticsv2 start-application --application-name "$app" \
  --run-configuration "{$restore,\"FlinkRunConfiguration\":{\"AllowNonRestoredState\":$allow}}" --query OperationId --output text)"
wait_operation "$app" "$op" "start of $app"
watch_healthy "$app" "$op"
