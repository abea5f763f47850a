# shellcheck shell=bash disable=SC2034  # variables here are read by the scripts that source it
# Shared functions of scripts/registry-up and scripts/registry-down: Apicurio Registry, a
# schema registry with a Confluent-compatible API, for the tests of the schema formats.
# Sourced, never run. Builds on lib/kafka.sh (logging, setup, mvn conventions, free ports).
#
# Apicurio Registry comes from Maven Central as one tar.gz (io.apicurio:apicurio-registry-app,
# classifier "all": the Quarkus runner jar and its lib/), fetched by `mvn dependency:copy`
# and unpacked into ${STREAMSUBMIT_REGISTRY_CACHE:-<repo>/.cache/registry}/<version>.

# shellcheck source-path=SCRIPTDIR source=kafka.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/kafka.sh"

# 2.6.x runs on Java 17 (Debian's default JDK); 3.x needs Java 21.
: "${REGISTRY_VERSION:=2.6.13.Final}"

REGISTRY_MARKER=".streamsubmit-registry"

registry_cache_root() { printf '%s\n' "${STREAMSUBMIT_REGISTRY_CACHE:-$KAFKA_REPO_ROOT/.cache/registry}"; }
registry_home() { printf '%s/%s\n' "$(registry_cache_root)" "$REGISTRY_VERSION"; }
registry_jar() { printf '%s/apicurio-registry-app-%s-runner.jar\n' "$(registry_home)" "$REGISTRY_VERSION"; }

# The state dir of a registry: REGISTRY_DATA_DIR or <repo>/.registry (port, pid, log).
registry_data_dir() {
  local dir="${REGISTRY_DATA_DIR:-$KAFKA_REPO_ROOT/.registry}"
  mkdir -p "$dir"
  (cd "$dir" && pwd -P)
}

# registry_fetch: makes $(registry_home) complete, fetching with mvn when missing.
# Safe to run concurrently (flock on a lock file in the cache).
registry_fetch() {
  local home
  home="$(registry_home)"
  [ -f "$home/.complete" ] && return 0
  kafka_require mvn java flock tar
  mkdir -p "$home"
  exec {registry_lock_fd}>"$home/.lock"
  flock "$registry_lock_fd"
  if [ -f "$home/.complete" ]; then
    exec {registry_lock_fd}>&-
    return 0
  fi
  kafka_log "fetching Apicurio Registry $REGISTRY_VERSION from Maven Central into $home (once)"
  local t0=$SECONDS work="$home/fetch"
  rm -rf "$work"
  mkdir -p "$work"
  local mvn_opts=(-B -q)
  [ -n "${STREAMSUBMIT_MAVEN_REPO:-}" ] && mvn_opts+=("-Dmaven.repo.local=$STREAMSUBMIT_MAVEN_REPO")
  # dependency:copy needs no project: run it where there is no pom.xml.
  if ! (cd "$work" && mvn "${mvn_opts[@]}" dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" \
      -DoutputDirectory="$work" >"$work/mvn.log" 2>&1); then
    tail -n 40 "$work/mvn.log" >&2
    exec {registry_lock_fd}>&-
    kafka_die "mvn could not fetch Apicurio Registry $REGISTRY_VERSION (is the version on Maven Central?)"
  fi
  tar -xzf "$work/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$home" \
    || { exec {registry_lock_fd}>&-; kafka_die "cannot unpack Apicurio Registry $REGISTRY_VERSION"; }
  [ -f "$(registry_jar)" ] || { exec {registry_lock_fd}>&-; kafka_die "no $(registry_jar) in the archive"; }
  rm -rf "$work"
  touch "$home/.complete"
  exec {registry_lock_fd}>&-
  kafka_log "fetched Apicurio Registry $REGISTRY_VERSION in $((SECONDS - t0)) s"
}

# registry_running_pid DATA_DIR: prints the registry's pid and succeeds when the pid file
# names a live process started for this data dir (its command line names the dir's marker).
registry_running_pid() {
  local dir="$1" pid
  [ -f "$dir/registry.pid" ] || return 1
  pid="$(cat "$dir/registry.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kafka_alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "-Dstreamsubmit.registry.dir=$dir" || return 1
  fi
  printf '%s\n' "$pid"
}

# registry_answers URL: the Confluent-compatible API answers (GET /subjects is 200).
registry_answers() {
  python3 - "$1/apis/ccompat/v7/subjects" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}
