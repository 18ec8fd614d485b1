#!/usr/bin/env bash
# Usage: rollback.sh [--service] STACK APPLICATION [SNAPSHOT_NAME PREVIOUS_KEY]
# After an update that failed: the service's rollback-application (back to the previous version and its
# state), then the stack's CodeKey set to the jar the application runs again, so stack and application agree.
# After an update that succeeded but is unwanted: SNAPSHOT_NAME and PREVIOUS_KEY (both printed by upgrade.sh):
# the application is stopped, the stack set back to PREVIOUS_KEY, and the application started from the
# snapshot taken before the upgrade. --service: the service's rollback-application even after an update that
# succeeded: the way back from an in-place Flink upgrade (1.20 -> 2.2), which a stack update cannot undo; with
# STREAMSYNC_TEMPLATE set to the previous release's template, the stack is then put back in step with it.
# Waits on every operation and watches the job run.
source "$(dirname "$0")/common.sh"
usage="usage: $0 [--service] STACK APPLICATION [SNAPSHOT_NAME PREVIOUS_KEY]"
service=false
if [ "${1:-}" = --service ]; then
  service=true
  shift
fi
[ $# -eq 2 ] || [ $# -eq 4 ] || die "$usage"
stack="$1"; app="$2"
need aws
last_update="$(latest_operation "$app" UpdateApplication)"
last_status=""
if [ -n "$last_update" ] && [ "$last_update" != None ]; then
  last_status="$(aws kinesisanalyticsv2 describe-application-operation --application-name "$app" --operation-id "$last_update" \
    --query 'ApplicationOperationInfoDetails.OperationStatus' --output text)"
fi
if { [ "$last_status" = FAILED ] || $service; } && [ $# -eq 2 ]; then
  version="$(app_version "$app")"
  op="$(run aws kinesisanalyticsv2 rollback-application --application-name "$app" --current-application-version-id "$version" \
    --query OperationId --output text)"
  wait_operation "$app" "$op" "rollback of $app"
  key="$(app_code_key "$app")"
  say "$app runs s3://.../$key on $(app_runtime "$app") again; setting the stack's CodeKey to it (template: $template)"
  "$here/create-or-update.sh" "$stack" "CodeKey=$key" "AllowNonRestoredState=false" >/dev/null
  [ "$(app_status "$app")" = RUNNING ] && watch_healthy "$app"
  say "rolled back $app (the failed update's version is gone; the stack says CodeKey=$key)"
  exit 0
fi
[ $# -eq 4 ] || die "the last update of $app did not fail (${last_status:-none}): give SNAPSHOT_NAME and PREVIOUS_KEY to go back; $usage"
snapshot="$3"; previous="$4"
if [ "$(app_status "$app")" = RUNNING ]; then
  "$here/stop.sh" "$app"
fi
"$here/create-or-update.sh" "$stack" "CodeKey=$previous" "AllowNonRestoredState=false" >/dev/null
[ "$(app_code_key "$app")" = "$previous" ] || die "the stack update did not set $app's code to $previous"
"$here/start.sh" "$app" "$snapshot"
say "rolled back $app to $previous from snapshot $snapshot"
