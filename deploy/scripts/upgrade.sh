#!/usr/bin/env bash
# Usage: upgrade.sh STACK APPLICATION BUCKET Key=Value...
# Upgrade with a snapshot: builds and uploads the new jar, takes a snapshot of the running application,
# updates the stack to the new code (the service stops the job with a snapshot and restarts it from the
# latest snapshot), waits until it runs again, and prints the snapshot to roll back to.
source "$(dirname "$0")/common.sh"
[ $# -ge 3 ] || die "usage: $0 STACK APPLICATION BUCKET Key=Value..."
stack="$1"; app="$2"; bucket="$3"; shift 3
need aws
snapshot="before-$(jar_name | sed 's/\.jar$//; s/[^A-Za-z0-9_.-]/-/g')-$(date -u +%Y%m%dT%H%M%SZ)"
"$here/build-and-upload.sh" "$bucket"
run aws kinesisanalyticsv2 create-application-snapshot --application-name "$app" --snapshot-name "$snapshot"
for _ in $(seq 1 60); do
  s="$(aws kinesisanalyticsv2 describe-application-snapshot --application-name "$app" --snapshot-name "$snapshot" \
    --query 'SnapshotDetails.SnapshotStatus' --output text)"
  [ "$s" = READY ] && break
  [ "$s" = FAILED ] && die "snapshot $snapshot failed: nothing was changed"
  sleep 5
done
[ "$s" = READY ] || die "snapshot $snapshot not ready: nothing was changed"
"$here/create-or-update.sh" "$stack" "CodeBucketName=$bucket" "$@"
wait_status "$app" RUNNING
say "upgraded $app; to roll back: rollback.sh $app $snapshot s3://$bucket/<previous jar>"
