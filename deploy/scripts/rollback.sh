#!/usr/bin/env bash
# Usage: rollback.sh [--service] STACK APPLICATION [SNAPSHOT_NAME PREVIOUS_KEY]
# Managed Service for Apache Flink, Flink 2.2. After an update that failed: with system rollback the service has
# already rolled the application back (the failed operation names its RollbackOperationId); the script waits
# for that rollback and only puts the stack back in step (CodeKey and object version of the jar the
# application runs again, AllowNonRestoredState=false): CloudFormation does not do it. Without a system
# rollback, the service's rollback-application, which it allows only in UPDATING, AUTOSCALING or RUNNING.
# After an update that succeeded but is unwanted: SNAPSHOT_NAME and PREVIOUS_KEY (both printed by upgrade.sh):
# the application is stopped, the stack set back to PREVIOUS_KEY, and the application started from the snapshot
# taken before the upgrade; refused when the snapshot was taken on another Flink runtime than the application
# runs now (after an in-place Flink upgrade), where only --service goes back.
# --service: the service's rollback-application even after an update that succeeded: the way back from an
# in-place Flink upgrade (1.20 -> 2.2), which a stack update cannot undo; with STREAMSYNC_TEMPLATE set to the
# previous release's template, the stack is then put back in step with it.
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
[ "$last_update" = None ] && last_update=""
last_status=""
if [ -n "$last_update" ]; then
  last_status="$(operation_field "$app" "$last_update" OperationStatus)"
fi

# Puts the stack back in step with what the application runs after a rollback (the template is the previous
# release's with STREAMSYNC_TEMPLATE), refusing a template of another Flink runtime than the application's.
# The stack change starts an UpdateApplication of its own (a new CodeKey restarts the job): the script waits for
# that operation and watches the job it started; without a change, the job the rollback started. The
# application must be RUNNING. Only CodeKey, CodeObjectVersion and AllowNonRestoredState are set back: other
# parameters keep the stack's values (upgrade.sh printed those it had before the upgrade).
stack_in_step() {
  local op="$1" key object_version runtime want before after status
  key="$(app_code_key "$app")"
  object_version="$(app_code_object_version "$app")"
  runtime="$(app_runtime "$app")"
  want="$(template_runtime)"
  [ -n "$want" ] || die "cannot read the Flink runtime (RuntimeEnvironment: FLINK-...) from $template: the stack was not changed"
  if [ "$runtime" != "$want" ]; then
    die "$app runs $runtime again, but the template $template sets $want: deploying it would start another update to $want. The stack was not changed. Put it in step with the template of the release that ran on $runtime (git show <tag>:deploy/cloudformation/streamsync.yaml > old.yaml): STREAMSYNC_TEMPLATE=old.yaml $here/create-or-update.sh $stack CodeKey=$key CodeObjectVersion=$object_version AllowNonRestoredState=false"
  fi
  say "$app runs s3://.../$key (object version $object_version) on $runtime again; setting the stack's CodeKey to it (template: $template)"
  before="$(app_version "$app")"
  "$here/create-or-update.sh" "$stack" "CodeKey=$key" "CodeObjectVersion=$object_version" "AllowNonRestoredState=false" >/dev/null
  after="$(app_version "$app")"
  if [ "$after" != "$before" ]; then
    op="$(stack_update_operation "$app" "$after")"
    wait_operation "$app" "$op" "update of $app by the stack (version $after)" \
      "The stack's update after the rollback failed: see its error; the stack may name the jar the application no longer runs (src/site/markdown/operations.md, Runbook)"
  else
    say "the stack already said so: no update of $app (version $after)"
  fi
  status="$(app_status "$app")"
  [ "$status" = RUNNING ] || die "$app is $status, not RUNNING, after operation $op: the rollback is not done; see its logs and the runbook (src/site/markdown/operations.md)"
  watch_healthy "$app" "$op"
  say "rolled back $app (the stack says CodeKey=$key; its other parameters are unchanged)"
}

if { [ "$last_status" = FAILED ] || $service; } && [ $# -eq 2 ]; then
  if [ "$last_status" = FAILED ]; then
    system_rollback="$(operation_field "$app" "$last_update" OperationFailureDetails.RollbackOperationId)"
    if [ -n "$system_rollback" ]; then
      say "the update $last_update failed and the service rolled $app back itself (system rollback, operation $system_rollback): no second rollback; putting the stack back in step"
      wait_operation "$app" "$system_rollback" "system rollback of $app" \
        "The service's own rollback failed: $app is READY with its previous version. Find the cause in its logs, then start it (start.sh $app) or set the stack back to the previous jar and start it; the stack was not changed"
      stack_in_step "$system_rollback"
      exit 0
    fi
  fi
  status="$(app_status "$app")"
  case "$status" in
    UPDATING|AUTOSCALING|RUNNING) ;;
    *) die "$app is $status: the service allows rollback-application only in UPDATING, AUTOSCALING or RUNNING. After a failed update without a system rollback it is READY: start it (start.sh), or set the stack back to the previous jar (create-or-update.sh STACK CodeKey=...) and start it (src/site/markdown/operations.md, Runbook)" ;;
  esac
  version="$(app_version "$app")"
  op="$(run aws kinesisanalyticsv2 rollback-application --application-name "$app" --current-application-version-id "$version" \
    --query OperationId --output text)"
  wait_operation "$app" "$op" "rollback of $app"
  stack_in_step "$op"
  exit 0
fi
[ $# -eq 4 ] || die "the last update of $app did not fail (${last_status:-none}): give SNAPSHOT_NAME and PREVIOUS_KEY to go back; $usage"
snapshot="$3"; previous="$4"
runtime="$(app_runtime "$app")"
snapshot_runtime="$(aws kinesisanalyticsv2 describe-application-snapshot --application-name "$app" --snapshot-name "$snapshot" \
  --query 'SnapshotDetails.RuntimeEnvironment' --output text)"
if [ -z "$snapshot_runtime" ] || [ "$snapshot_runtime" = None ]; then
  # the service did not say: the runtime of the version the last update started from
  from_version="$( [ -n "$last_update" ] && operation_field "$app" "$last_update" ApplicationVersionChangeDetails.ApplicationVersionUpdatedFrom || true)"
  if [ -n "$from_version" ]; then
    snapshot_runtime="$(aws kinesisanalyticsv2 describe-application-version --application-name "$app" \
      --application-version-id "$from_version" --query 'ApplicationVersionDetail.RuntimeEnvironment' --output text)"
  fi
fi
if [ -n "$snapshot_runtime" ] && [ "$snapshot_runtime" != None ] && [ "$snapshot_runtime" != "$runtime" ]; then
  die "snapshot $snapshot was taken on $snapshot_runtime and $app runs $runtime now: after an in-place Flink upgrade only the service's rollback goes back (STREAMSYNC_TEMPLATE=<the previous release's template> $0 --service $stack $app). Nothing was changed"
fi
if [ "$(app_status "$app")" = RUNNING ]; then
  "$here/stop.sh" "$app"
fi
# the previous jar's key is immutable: no object version pin is needed to name it
before="$(app_version "$app")"
"$here/create-or-update.sh" "$stack" "CodeKey=$previous" "CodeObjectVersion=none" "AllowNonRestoredState=false" >/dev/null
after="$(app_version "$app")"
if [ "$after" != "$before" ]; then
  # the stopped application is updated too: start it only once that operation has ended
  update="$(stack_update_operation "$app" "$after")"
  wait_operation "$app" "$update" "update of $app by the stack (version $after)" \
    "The stack's update failed: $app is READY (stopped); see the error, then start it (start.sh $app $snapshot) once the stack names the jar to run"
fi
[ "$(app_code_key "$app")" = "$previous" ] || die "the stack update did not set $app's code to $previous"
"$here/start.sh" "$app" "$snapshot"
say "rolled back $app to $previous from snapshot $snapshot"
