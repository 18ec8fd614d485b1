#!/usr/bin/env bash
# Usage: create-or-update.sh STACK CodeKey=KEY Key=Value...
# Creates or updates the CloudFormation stack of the application (Managed Service for Apache Flink, Flink 2.2).
# Required parameters: CodeBucketName, CodeKey (printed by build-and-upload.sh), SearchDomainArn, SearchEndpoint
# (see deploy/cloudformation/streamsync.yaml; the dead-letter bucket is created unless DeadLetterBucketName names
# one). Parameters not given keep their previous values on an update. CAPABILITY_NAMED_IAM: the role has a name.
# The template is larger than the 51,200 bytes CloudFormation takes inline: it is uploaded to the code bucket
# (CodeBucketName, or the stack's when not given), under PREFIX/cloudformation/.
source "$(dirname "$0")/common.sh"
[ $# -ge 2 ] || die "usage: $0 STACK CodeKey=KEY Key=Value..."
stack="$1"; shift
[ -n "$(param CodeKey "$@")" ] || die "CodeKey=KEY is required: the immutable key build-and-upload.sh printed"
need aws
bucket="$(param CodeBucketName "$@")"
if [ -z "$bucket" ]; then
  bucket="$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Parameters[?ParameterKey=='CodeBucketName'].ParameterValue" --output text 2>/dev/null)" || bucket=""
fi
[ -n "$bucket" ] && [ "$bucket" != None ] || die "CodeBucketName=BUCKET is required for a new stack: the template, larger than the 51,200 bytes CloudFormation takes inline, is uploaded there"
prefix="$(param CodeKeyPrefix "$@")"
prefix="${prefix:-streamsync/}"
run aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
  --s3-bucket "$bucket" --s3-prefix "${prefix%/}/cloudformation" \
  --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset --parameter-overrides "$@" >&2
app="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ApplicationName'].OutputValue" --output text)"
say "stack $stack is up to date; application: $app"
echo "$app"
