#!/usr/bin/env bash
# Usage: create-or-update.sh STACK CodeKey=KEY Key=Value...
# Creates or updates the CloudFormation stack of the application (Managed Service for Apache Flink, Flink 2.2).
# Required parameters: CodeBucketName, CodeKey (printed by build-and-upload.sh), SearchDomainArn, SearchEndpoint
# (see deploy/cloudformation/streamsync.yaml; the dead-letter bucket is created unless DeadLetterBucketName names
# one). Parameters not given keep their previous values on an update. CAPABILITY_NAMED_IAM: the role has a name.
source "$(dirname "$0")/common.sh"
[ $# -ge 2 ] || die "usage: $0 STACK CodeKey=KEY Key=Value..."
stack="$1"; shift
[ -n "$(param CodeKey "$@")" ] || die "CodeKey=KEY is required: the immutable key build-and-upload.sh printed"
need aws
run aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
  --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset --parameter-overrides "$@" >&2
app="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ApplicationName'].OutputValue" --output text)"
say "stack $stack is up to date; application: $app"
echo "$app"
