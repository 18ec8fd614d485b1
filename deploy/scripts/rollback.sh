#!/usr/bin/env bash
# Usage: rollback.sh APPLICATION SNAPSHOT_NAME s3://BUCKET/OLD_KEY
# Puts the previous jar back and restarts the application from the named snapshot.
source "$(dirname "$0")/common.sh"
[ $# -eq 3 ] || die "usage: $0 APPLICATION SNAPSHOT_NAME s3://BUCKET/OLD_KEY"
app="$1"; snapshot="$2"; location="${3#s3://}"
bucket="${location%%/*}"; key="${location#*/}"
need aws
version="$(aws kinesisanalyticsv2 describe-application --application-name "$app" \
  --query 'ApplicationDetail.ApplicationVersionId' --output text)"
status="$(aws kinesisanalyticsv2 describe-application --application-name "$app" \
  --query 'ApplicationDetail.ApplicationStatus' --output text)"
if [ "$status" = RUNNING ]; then
  run aws kinesisanalyticsv2 stop-application --application-name "$app"
  wait_status "$app" READY
  version="$(aws kinesisanalyticsv2 describe-application --application-name "$app" \
    --query 'ApplicationDetail.ApplicationVersionId' --output text)"
fi
run aws kinesisanalyticsv2 update-application --application-name "$app" --current-application-version-id "$version" \
  --application-configuration-update "{\"ApplicationCodeConfigurationUpdate\":{\"CodeContentUpdate\":{\"S3ContentLocationUpdate\":{\"BucketARNUpdate\":\"arn:aws:s3:::$bucket\",\"FileKeyUpdate\":\"$key\"}}}}"
"$here/start.sh" "$app" "$snapshot"
say "rolled back $app to $key from snapshot $snapshot (a later stack update sets CodeKey again)"
