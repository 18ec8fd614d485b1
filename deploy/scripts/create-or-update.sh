#!/usr/bin/env bash
# Usage: create-or-update.sh STACK Key=Value...
# Creates or updates the CloudFormation stack of the application. Required parameters: CodeBucketName,
# SearchDomainArn, SearchEndpoint, DeadLetterBucketName (see deploy/cloudformation/streamsync.yaml).
# Example: create-or-update.sh todo-sync CodeBucketName=my-code SearchDomainArn=arn:aws:es:eu-west-1:111122223333:domain/todo \
#            SearchEndpoint=https://vpc-todo-x.eu-west-1.es.amazonaws.com:443 DeadLetterBucketName=my-dlq
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] || die "usage: $0 STACK Key=Value..."
stack="$1"; shift
need aws
run aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
  --capabilities CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset \
  --parameter-overrides "CodeKey=$(jar_name)" "$@"
app="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ApplicationName'].OutputValue" --output text)"
say "stack $stack is up; application: $app (start it with start.sh $app)"
