#!/usr/bin/env bash
# A stand-in for git in DeployScriptsTest: "rev-parse HEAD" prints $STUB/git-head (a fixed commit unless set),
# "status --porcelain" prints $STUB/git-status (empty unless set: a clean working tree).
case "$*" in
  *"rev-parse HEAD"*) cat "$STUB/git-head" 2>/dev/null || echo 0123456789abcdef0123456789abcdef01234567 ;;
  *"status --porcelain"*) cat "$STUB/git-status" 2>/dev/null || true ;;
  *) echo "git stub: unexpected call: git $*" >&2; exit 99 ;;
esac
