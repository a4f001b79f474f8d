#!/usr/bin/env bash
# Checks infrastructure/ without a cloud, a cluster or a Docker engine, and prints
# "check-infra: N passed, M failed" (exit 1 when anything failed):
#   terraform    fmt -check, init -backend=false (offline provider mirror), validate, the guide's
#                Lambda@Edge zip step, terraform test with mock providers
#   yamllint     every YAML file under infrastructure/ and .github/
#   tests/infra  node --test: kustomize build + schema + cross-references of every overlay, the
#                Dockerfiles (rules, stages, shellcheck of every RUN), Lambda@Edge functions,
#                alert rules (promtool check + unit tests), dashboards, the guide's names,
#                CI/CD (actionlint, shellcheck of every run:, paths and reusable-workflow inputs,
#                the Argo CD ApplicationSet against the overlays, deploy-region.sh's canary and
#                rollback against a kubectl double), the runbooks' and TROUBLESHOOTING.md's names
#   database     aurora-global-setup.sql on a throwaway PostgreSQL 15 with a standby
#   checker      the checks catch planted mistakes (tests/infra/planted-mistakes.sh)
#   lab          the guide's commands that run here, against the reduced lab (tests/infra/guide-lab.sh):
#                psql -h $PRIMARY_ENDPOINT, the database setup, get_replication_lag() on the primary
#                and a replica, the pg_stat_activity query, curl -I <edge>/health, and
#                failover-automation.sh twice. Each counts as one check.
# Usage: scripts/check-infra.sh            everything; the lab stage brings up a reduced lab of its
#                                          own (LAB_DIR /tmp/musicconnect-lab-check-infra, ports from
#                                          29000; needs build/musicconnect) and takes it down
#        scripts/check-infra.sh --lab-only only the lab stage, against the lab already up at LAB_DIR
#                                          (tests/lab/run.sh runs it inside the test suite's lab)
#        scripts/check-infra.sh --no-lab   everything but the lab stage (scripts/test.sh: its lab
#                                          stage already ran --lab-only)
# Env:   TF_PLUGIN_MIRROR  offline provider mirror (default /opt/tf-plugins)
#        MC_BINARY         the server binary the lab runs (default build/musicconnect)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
lab_mode=own
case "${1:-}" in
  "") ;;
  --lab-only) lab_mode=only ;;
  --no-lab) lab_mode=none ;;
  *) echo "usage: scripts/check-infra.sh [--lab-only | --no-lab]" >&2; exit 2 ;;
esac

passed=0
failed=0
failures=()
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAILED: $1"; }
step() { # name, command...: one counted check; returns its status
  local name="$1"; shift
  echo "== $name"
  if "$@"; then pass 1; else fail "$name"; return 1; fi
}

# --- the guide's commands in a running lab: each "ok -"/"not ok -" line of guide-lab.sh counts
guide_in_lab() {
  echo "== the guide's commands in the lab at $LAB_DIR (tests/infra/guide-lab.sh)"
  local out line
  out="$(tests/infra/guide-lab.sh 2>&1)"
  printf '%s\n' "$out"
  while IFS= read -r line; do
    case "$line" in
      "ok - "*) pass 1 ;;
      "not ok - "*) fail "lab: ${line#not ok - }" ;;
    esac
  done <<<"$out"
  grep -q '^ok - ' <<<"$out" || fail "lab: tests/infra/guide-lab.sh ran no check"
}
summary() {
  [ -n "${TF_CLI_CONFIG_FILE:-}" ] && rm -f "$TF_CLI_CONFIG_FILE"
  if [ "$failed" -gt 0 ]; then printf 'failed: %s\n' "${failures[@]}"; fi
  echo "check-infra${1:+ ($1)}: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
if [ "$lab_mode" = only ]; then
  export LAB_DIR="${LAB_DIR:-/tmp/musicconnect-lab}"
  guide_in_lab
  summary "lab"
  exit
fi

# --- tools: Debian packages as scripts/setup.sh installs them; terraform and kubectl come with the machine
APT_PACKAGES=(shellcheck prometheus yamllint zip nginx-light postgresql-15 postgresql-client-15 nodejs npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  case "$p" in
    nodejs|npm) command -v node >/dev/null 2>&1 || missing+=("$p") ;;
    nginx-light) command -v nginx >/dev/null 2>&1 || missing+=("$p") ;;
    *) dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p") ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -d tests/infra/node_modules ] || [ tests/infra/package-lock.json -nt tests/infra/node_modules ]; then
  echo "== npm ci in tests/infra"
  (cd tests/infra && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- terraform
tf_setup() {
  command -v terraform >/dev/null 2>&1 || { echo "terraform is not installed (this check needs terraform >= 1.7 on PATH)"; return 1; }
  local mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
  [ -d "$mirror/registry.terraform.io/hashicorp/aws" ] || { echo "no AWS provider in the offline mirror $mirror (set TF_PLUGIN_MIRROR)"; return 1; }
  TF_CLI_CONFIG_FILE="$(mktemp /tmp/check-infra-tfrc.XXXXXX)"
  cat > "$TF_CLI_CONFIG_FILE" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
  export TF_CLI_CONFIG_FILE TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
}
tf() { terraform -chdir=infrastructure/terraform "$@" -no-color; }
lambda_zips() { # the guide's step 6, which terraform plan needs first
  (cd infrastructure/terraform/modules/cloudfront/lambda &&
    rm -f ./*.zip &&
    zip -q -r origin-request.zip origin-request.js &&
    zip -q -r viewer-response.zip viewer-response.js)
}
if step "terraform: the CLI and the offline AWS provider mirror are there" tf_setup; then
  step "terraform fmt -check" tf fmt -check -recursive
  step "terraform init -backend=false" tf init -backend=false -input=false
  step "terraform validate" tf validate
  step "the guide's Lambda@Edge zip step" lambda_zips
  step "terraform test (mock providers)" tf test
fi

# --- YAML
step "yamllint infrastructure/ and .github/" yamllint -s -c infrastructure/.yamllint infrastructure .github

# --- node checks: each test counts
echo "== tests/infra (node --test)"
out="$(cd tests/infra && node --test --test-reporter=tap ./*.test.mjs 2>&1)"
printf '%s\n' "$out" | grep -E '^not ok|^# (tests|pass|fail|todo)' | grep -v '# TODO' || true
n_pass="$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p' | tail -1)"
n_fail="$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p' | tail -1)"
if [ -z "$n_pass" ]; then
  printf '%s\n' "$out" | tail -20
  fail "tests/infra did not run"
else
  pass "$n_pass"
  if [ "${n_fail:-0}" -gt 0 ]; then
    printf '%s\n' "$out" | grep -A25 '^not ok' | grep -v '# TODO' | head -80
    for _ in $(seq "$n_fail"); do fail "tests/infra"; done
  fi
fi

# --- database
step "aurora-global-setup.sql on PostgreSQL 15 (writer and standby)" tests/infra/check-database.sh

# --- the checker itself
step "planted mistakes are caught" tests/infra/planted-mistakes.sh

# --- the lab: a reduced lab of our own (two regions, one node each), its own directory and ports
own_lab() {
  export LAB_DIR="${CHECK_INFRA_LAB_DIR:-/tmp/musicconnect-lab-check-infra}"
  export LAB_PORT_BASE="${CHECK_INFRA_LAB_PORT_BASE:-29000}"
  export MC_BINARY="${MC_BINARY:-$PWD/build/musicconnect}"
  export MUSICCONNECT_BIN="${MUSICCONNECT_BIN:-$MC_BINARY}"
  [ -x "$MC_BINARY" ] || { echo "no server binary at $MC_BINARY (scripts/setup.sh builds it; or run with --no-lab)"; return 1; }
  local tool
  for tool in patroni etcd haproxy redis-server pgbackrest; do
    command -v "$tool" >/dev/null 2>&1 || { echo "the lab needs $tool (scripts/setup.sh installs it; or run with --no-lab)"; return 1; }
  done
  scripts/lab down >/dev/null 2>&1 || true
  scripts/lab up --regions 2 --nodes 1 --etcd 1 || { scripts/lab down >/dev/null 2>&1; return 1; }
}
case "$lab_mode" in
  own)
    if step "the reduced lab comes up (scripts/lab up --regions 2 --nodes 1 --etcd 1)" own_lab; then
      guide_in_lab
      step "the lab goes down cleanly (scripts/lab down)" scripts/lab down
    fi ;;
  none) echo "== the guide's commands in the lab: skipped (--no-lab; scripts/test.sh runs them in tests/lab/run.sh)" ;;
esac

summary
