#!/usr/bin/env bash
# Usage: upgrade.sh STACK APPLICATION BUCKET [--allow-non-restored-state] [--flink-upgrade] Key=Value...
# Upgrade with a snapshot (Managed Service for Apache Flink, Flink 2.2): refuses a working tree with uncommitted
# changes (the uploaded jar records the commit it was built from), builds and uploads the new jar under its own
# immutable key, takes a snapshot of the running application, updates the stack to the new code pinned to the
# uploaded object's version (the service stops the job with a snapshot and restarts it from that latest
# snapshot), waits for the update operation, watches that the new job runs without restarting for 10 minutes,
# and prints the rollback command. Fails, changing nothing, when this build is the one deployed; fails when the
# stack update deployed nothing. --allow-non-restored-state: for the one update that drops an operator's state
# (src/site/markdown/upgrades.md); without it the update sets it back to false.
# --flink-upgrade: required when the template's Flink runtime differs from the application's (1.20 -> 2.2):
# an in-place version upgrade, one way. An application without system rollback is first opted in with an
# update of its own (whether an opt-in covers the update that carries it is not documented); the snapshot
# taken first, with the service's rollback, is the way back (rollback.sh --service).
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
    CodeKey=*|CodeObjectVersion=*|AllowNonRestoredState=*) die "$a is set by the script; $usage" ;;
    *=*) params+=("$a") ;;
    *) die "not Key=Value: $a; $usage" ;;
  esac
done
need aws
need git
if git_dirty; then
  die "the working tree $repo has uncommitted changes: commit or stash them first, so that the deployed jar is a commit (git status)"
fi
prefix="$(param CodeKeyPrefix "${params[@]+"${params[@]}"}")"
if [ -z "$prefix" ]; then
  # the stack's CodeKeyPrefix: the role may read jars under it only
  prefix="$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Parameters[?ParameterKey=='CodeKeyPrefix'].ParameterValue | [0]" --output text 2>/dev/null)" || prefix=""
  [ "$prefix" != None ] || prefix=""
fi
key="$("$here/build-and-upload.sh" "$bucket" "${prefix:-streamsync/}")"
previous="$(app_code_key "$app")"
[ "$key" != "$previous" ] || die "$app already runs s3://$bucket/$key (this build): nothing to upgrade"
[ "$(app_status "$app")" = RUNNING ] || die "$app is $(app_status "$app"), not RUNNING: start it (start.sh) or update the stack (create-or-update.sh)"
object_version="$(aws s3api head-object --bucket "$bucket" --key "$key" --query VersionId --output text)"
if [ -z "$object_version" ] || [ "$object_version" = None ] || [ "$object_version" = null ]; then
  object_version=none   # the bucket is not versioned: the immutable key alone names the jar
fi
from_runtime="$(app_runtime "$app")"
to_runtime="$(template_runtime)"
if [ "$from_runtime" != "$to_runtime" ]; then
  $flink_upgrade || die "this update moves $app from $from_runtime to $to_runtime: an in-place Flink version upgrade, one way (state written on $to_runtime cannot go back to $from_runtime). Nothing was changed. Re-run with --flink-upgrade (src/site/markdown/upgrades.md)"
  say "in-place Flink upgrade of $app: $from_runtime -> $to_runtime (one way; the snapshot taken now is the way back)"
  if [ "$(app_rollback_enabled "$app")" != True ]; then
    say "$app has no system rollback: opting in with an update of its own, before the update that changes the runtime"
    opt_in="$(run aws kinesisanalyticsv2 update-application --application-name "$app" \
      --current-application-version-id "$(app_version "$app")" \
      --application-configuration-update '{"ApplicationSystemRollbackConfigurationUpdate":{"RollbackEnabledUpdate":true}}' \
      --query OperationId --output text)"
    wait_operation "$app" "$opt_in" "system-rollback opt-in of $app"
    [ "$(app_rollback_enabled "$app")" = True ] || die "$app still has no system rollback after its opt-in update: nothing else was changed"
  fi
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

# printed so that a rollback (which sets back CodeKey, CodeObjectVersion and AllowNonRestoredState only) can set
# back any other parameter this update changes
stack_params="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].Parameters[].[ParameterKey,ParameterValue]' --output text | awk -F '\t' 'NF { printf "%s%s=%s", sep, $1, $2; sep = " " }')"
say "the stack's parameters before this update (to set one back: create-or-update.sh $stack Key=Value): $stack_params"
before="$(app_version "$app")"
"$here/create-or-update.sh" "$stack" "CodeBucketName=$bucket" "CodeKey=$key" "CodeObjectVersion=$object_version" \
  "AllowNonRestoredState=$allow" "${params[@]+"${params[@]}"}" >/dev/null
after="$(app_version "$app")"
[ "$after" != "$before" ] || die "the stack update deployed nothing ($app is still at version $before, running s3://$bucket/$previous)"
update="$(stack_update_operation "$app" "$after")"
wait_operation "$app" "$update" "update of $app to version $after"
watch_healthy "$app" "$update"
say "upgraded $app to s3://$bucket/$key (object version $object_version, application version $after)"
if [ "$from_runtime" != "$to_runtime" ]; then
  say "to roll back to $from_runtime: STREAMSYNC_TEMPLATE=<the previous release's template> rollback.sh --service $stack $app (the service's rollback, from the snapshot $snapshot or a later $from_runtime one)"
else
  say "to roll back: rollback.sh $stack $app $snapshot $previous"
fi
