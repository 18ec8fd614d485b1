#!/usr/bin/env bash
# Usage: stop.sh APPLICATION
# Stops the application; with snapshots enabled the service takes a snapshot first. Waits for the operation.
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: $0 APPLICATION"
need aws
op="$(run aws kinesisanalyticsv2 stop-application --application-name "$1" --query OperationId --output text)"
wait_operation "$1" "$op" "stop of $1"
[ "$(app_status "$1")" = READY ] || die "$1 is $(app_status "$1") after its stop"
say "$1 is stopped (READY)"
