#!/usr/bin/env bash
# Usage: stop.sh APPLICATION [--force]
# Stops the application; with snapshots enabled the service takes a snapshot first. Waits for the operation.
# --force: stops without a snapshot (stop-application --force), for a job whose checkpoints no longer complete
# (runbook: no checkpoint completed); it restarts from the latest snapshot or checkpoint-based snapshot there is.
source "$(dirname "$0")/common.sh"
usage="usage: $0 APPLICATION [--force]"
[ $# -eq 1 ] || { [ $# -eq 2 ] && [ "$2" = --force ]; } || die "$usage"
need aws
force=()
[ $# -eq 2 ] && force=(--force)
op="$(run aws kinesisanalyticsv2 stop-application --application-name "$1" "${force[@]+"${force[@]}"}" --query OperationId --output text)"
wait_operation "$1" "$op" "stop of $1"
[ "$(app_status "$1")" = READY ] || die "$1 is $(app_status "$1") after its stop"
say "$1 is stopped (READY)"
