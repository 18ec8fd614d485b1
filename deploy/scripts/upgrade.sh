#!/usr/bin/env bash
# Usage: upgrade.sh STACK APPLICATION BUCKET [--allow-non-restored-state] [--flink-upgrade] Key=Value...
# Upgrade with a snapshot: builds and uploads the new jar under its own immutable key, takes a snapshot of
# the running application, updates the stack to the new code (the service stops the job with a snapshot and
# restarts it from that latest snapshot), waits for the update operation, watches that the job runs without
# restarting, and prints the rollback command. Fails, changing nothing, when this build is the one deployed;
# fails when the stack update deployed nothing. --allow-non-restored-state: for the one update that drops an
# operator's state (README, Upgrade through savepoints); without it the update sets it back to false.
# --flink-upgrade: required when the template's Flink runtime differs from the application's (1.20 -> 2.2):
# an in-place version upgrade, one way; the snapshot taken first, with the service's rollback, is the way
# back (rollback.sh --service).
source "$(dirname "$0")/common.sh"
usage="usage: $0 STACK APPLICATION BUCKET [--allow-non-restored-state] [--flink-upgrade] Key=Value..."
[ $# -ge 3 ] || die "$usage"
stack="$1"; app="$2"; bucket="$3"; shift 3
allow=false
flink_upgrade=false
params=()
for a in "$@"; do
  case "$a" in
    --allow-non-restored-state) allow=true ;;
    --flink-upgrade) flink_upgrade=true ;;
    -*) die "unknown option $a; $usage" ;;
    CodeKey=*|AllowNonRestoredState=*) die "$a is set by the script; $usage" ;;
    *=*) params+=("$a") ;;
    *) die "not Key=Value: $a; $usage" ;;
  esac
done
need aws
prefix="$(param CodeKeyPrefix "${params[@]+"${params[@]}"}")"
key="$("$here/build-and-upload.sh" "$bucket" "${prefix:-streamsync/}")"
previous="$(app_code_key "$app")"
[ "$key" != "$previous" ] || die "$app already runs s3://$bucket/$key (this build): nothing to upgrade"
[ "$(app_status "$app")" = RUNNING ] || die "$app is $(app_status "$app"), not RUNNING: start it (start.sh) or update the stack (create-or-update.sh)"
from_runtime="$(app_runtime "$app")"
to_runtime="$(template_runtime)"
if [ "$from_runtime" != "$to_runtime" ]; then
  $flink_upgrade || die "this update moves $app from $from_runtime to $to_runtime: an in-place Flink version upgrade, one way (state written on $to_runtime cannot go back to $from_runtime). Nothing was changed. Re-run with --flink-upgrade (README, Upgrade: from Flink 1.20 to 2.2)"
  say "in-place Flink upgrade of $app: $from_runtime -> $to_runtime (one way; the snapshot taken now is the way back)"
fi

snapshot="before-$(basename "$key" .jar | sed 's/[^A-Za-z0-9_.-]/-/g')-$(date -u +%Y%m%dT%H%M%SZ)"
run aws kinesisanalyticsv2 create-application-snapshot --application-name "$app" --snapshot-name "$snapshot" >&2
s=""
for _ in $(seq 1 "$operation_timeout_polls"); do
  s="$(aws kinesisanalyticsv2 describe-application-snapshot --application-name "$app" --snapshot-name "$snapshot" \
    --query 'SnapshotDetails.SnapshotStatus' --output text)"
  [ "$s" = READY ] && break
  [ "$s" = FAILED ] && die "snapshot $snapshot failed: nothing was changed"
  pause
done
[ "$s" = READY ] || die "snapshot $snapshot not ready ($s): nothing was changed"

before="$(app_version "$app")"
"$here/create-or-update.sh" "$stack" "CodeBucketName=$bucket" "CodeKey=$key" "AllowNonRestoredState=$allow" \
  "${params[@]+"${params[@]}"}" >/dev/null
after="$(app_version "$app")"
[ "$after" != "$before" ] || die "the stack update deployed nothing ($app is still at version $before, running s3://$bucket/$previous)"
wait_operation "$app" "$(latest_operation "$app" UpdateApplication)" "update of $app to version $after"
watch_healthy "$app"
say "upgraded $app to s3://$bucket/$key (version $after)"
if [ "$from_runtime" != "$to_runtime" ]; then
  say "to roll back to $from_runtime: STREAMSYNC_TEMPLATE=<the previous release's template> rollback.sh --service $stack $app (the service's rollback, from the snapshot $snapshot or a later $from_runtime one)"
else
  say "to roll back: rollback.sh $stack $app $snapshot $previous"
fi
