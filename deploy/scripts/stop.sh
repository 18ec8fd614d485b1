#!/usr/bin/env bash
# Usage: stop.sh APPLICATION
# Stops the application; with snapshots enabled the service takes a snapshot first.
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: $0 APPLICATION"
need aws
run aws kinesisanalyticsv2 stop-application --application-name "$1"
wait_status "$1" READY
