#!/usr/bin/env bash
# The checks catch mistakes: each case copies infrastructure/ to a temporary tree, plants one
# mistake, runs the check that should catch it against the copy (INFRA_ROOT), and expects it to
# fail with the message that names the mistake. Run by scripts/check-infra.sh, after terraform
# init (the copy reuses the provider mirror configuration in TF_CLI_CONFIG_FILE).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ok=0
bad=0

# case NAME FILE SED-EXPRESSION EXPECTED-MESSAGE CHECK...   (FILE relative to infrastructure/;
# ../.github/... for the workflows, ../TROUBLESHOOTING.md)
case_() {
  local name="$1" file="$2" expr="$3" expect="$4"; shift 4
  local work
  work="$(mktemp -d /tmp/planted.XXXXXX)"
  cp -r "$root/infrastructure" "$work/"
  cp -r "$root/.github" "$work/"
  rm -rf "$work/infrastructure/terraform/.terraform"
  ln -s "$root/src" "$work/src"
  ln -s "$root/scripts" "$work/scripts"
  cp "$root/TROUBLESHOOTING.md" "$work/"
  local entry
  for entry in "$root"/* "$root/.ci"; do  # everything else the checks read, unchanged
    [ -e "$work/$(basename "$entry")" ] || ln -s "$entry" "$work/$(basename "$entry")"
  done
  cp "$work/infrastructure/$file" "$work/before"
  sed -i "$expr" "$work/infrastructure/$file"
  if cmp -s "$work/before" "$work/infrastructure/$file"; then
    echo "not ok - $name: the mistake was not planted (no line matched)"; bad=$((bad + 1))
  else
    local out
    out="$(cd "$work" && INFRA_ROOT="$work" "$@" 2>&1)"
    local status=$?
    if [ $status -ne 0 ] && grep -qF -- "$expect" <<<"$out"; then
      echo "ok - $name is caught"; ok=$((ok + 1))
    else
      echo "not ok - $name: expected a failure mentioning \"$expect\" (exit $status)"
      tail -15 <<<"$out"
      bad=$((bad + 1))
    fi
  fi
  rm -rf "$work"
}
nodetest() { node --test "$root/tests/infra/$1"; }
yamlcheck() { yamllint -s -c infrastructure/.yamllint .github infrastructure; }
tfvalidate() { terraform -chdir=infrastructure/terraform init -backend=false -input=false -no-color >/dev/null && terraform -chdir=infrastructure/terraform validate -no-color; }

case_ "a misspelled field in a Deployment" kubernetes/base/backend-deployment.yaml \
  's/terminationGracePeriodSeconds: 40/terminationGracePeriodSecond: 40/' \
  "unknown field spec.template.spec.terminationGracePeriodSecond" nodetest kubernetes.test.mjs
case_ "a ServiceMonitor selecting no Service" kubernetes/base/servicemonitors.yaml \
  's/^      app: musicconnect-websocket$/      app: musicconnect-websockets/' \
  "ServiceMonitor/musicconnect-websocket: selector matches no Service" nodetest kubernetes.test.mjs
case_ "an HPA scaling a Deployment that does not exist" kubernetes/base/hpa.yaml \
  's/    name: musicconnect-frontend$/    name: musicconnect-front/' \
  "scale target Deployment/musicconnect-front does not exist" nodetest kubernetes.test.mjs
case_ "an undeclared Terraform variable" terraform/modules/region/redis.tf \
  's/var.redis_node_type/var.redis_node_typ/' \
  "Reference to undeclared input variable" tfvalidate
case_ "a broken PromQL expression in an alert" monitoring/rules/musicconnect-rules.yaml \
  '0,/sum(rate(http_requests_total\[5m\]))$/s//sum(rate(http_requests_total[5m])/' \
  "unclosed left parenthesis" nodetest monitoring.test.mjs
case_ "a dashboard reading a metric nobody exports" monitoring/dashboards/websocket.json \
  's/ws_subscriptions{/ws_subscription{/' \
  "websocket.json panel 2 A: ws_subscription" nodetest monitoring.test.mjs
case_ "an overlay deploying an image with no registry" kubernetes/overlays/us-east-1/kustomization.yaml \
  '/newName: .*\/musicconnect-backend$/d' \
  "image musicconnect-backend:latest names no registry" nodetest kubernetes.test.mjs
case_ "a region's Prometheus left without its region label" monitoring/regions/eu-west-1/prometheus.yaml \
  's/region: eu-west-1$/region: unset/' \
  "eu-west-1: externalLabels.region" nodetest monitoring.test.mjs
case_ "a Dockerfile copying from a stage that does not exist" docker/Dockerfile.backend \
  's/COPY --from=build \/out/COPY --from=builder \/out/' \
  "--from=builder names no earlier stage" nodetest docker.test.mjs

case_ "a misspelled key in a workflow job (actionlint)" ../.github/workflows/ci.yml \
  's/^    runs-on: ubuntu-22.04$/    run-on: ubuntu-22.04/' \
  'unexpected key "run-on" for "job" section' nodetest cicd.test.mjs
case_ "a workflow step running a script that does not exist" ../.github/workflows/ci.yml \
  's/^        run: \.ci\/run$/        run: .ci\/runs/' \
  "references .ci/runs, which does not exist" nodetest cicd.test.mjs
case_ "a reusable workflow called with an undeclared input" ../.github/workflows/deploy.yml \
  's/^      region: eu-west-1$/      regoin: eu-west-1/' \
  "input regoin is not declared by ./.github/workflows/deploy-region.yml" nodetest cicd.test.mjs
case_ "a shell mistake in a workflow run: script (shellcheck)" ../.github/workflows/deploy-region.yml \
  's/--region "\$REGION" --alias/--region $REGION --alias/' \
  "SC2086" nodetest cicd.test.mjs
case_ "a reusable deploy workflow called without the OIDC token permission" ../.github/workflows/deploy.yml \
  '/^      id-token: write$/d' \
  "job us-east-1: calls ./.github/workflows/deploy-region.yml, which needs id-token: write, without granting it" nodetest cicd.test.mjs
case_ "a deploy whose rollback forgets to undo the rollout" ci-cd/deploy-region.sh \
  's/k rollout undo "deployment\/musicconnect-\$app" || true/true/' \
  "backend is not back on the previous release" nodetest deploy-region.test.mjs
case_ "an ApplicationSet path that is not an overlay" ci-cd/argocd/application.yaml \
  "s|path: 'infrastructure/kubernetes/overlays/{{.region}}'|path: 'infrastructure/kubernetes/overlay/{{.region}}'|" \
  "infrastructure/kubernetes/overlay/us-east-1 is not an overlay" nodetest cicd.test.mjs
case_ "a duplicated key in the ApplicationSet (yamllint)" ci-cd/argocd/application.yaml \
  's/^        namespace: musicconnect$/        namespace: musicconnect\n        namespace: default/' \
  "duplication of key" yamlcheck
case_ "a runbook patching an HPA that does not exist" runbooks/scale.md \
  '0,/patch hpa musicconnect-backend-hpa/s//patch hpa musicconnect-api-hpa/' \
  "HorizontalPodAutoscaler/musicconnect-api-hpa is not in the rendered overlay" nodetest runbooks.test.mjs
case_ "a runbook running a script that does not exist" runbooks/failover.md \
  '0,/infrastructure\/database\/failover-automation.sh/s//infrastructure\/database\/failover.sh/' \
  "infrastructure/runbooks/failover.md: infrastructure/database/failover.sh" nodetest runbooks.test.mjs
case_ "TROUBLESHOOTING.md reading a metric nobody exports" ../TROUBLESHOOTING.md \
  '0,/`db_pool_waiting` > 0/s//`db_pool_waits` > 0/' \
  "TROUBLESHOOTING.md: db_pool_waits" nodetest runbooks.test.mjs
echo "planted mistakes: $ok caught, $bad missed"
[ "$bad" -eq 0 ]
