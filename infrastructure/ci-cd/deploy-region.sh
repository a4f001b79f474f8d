#!/usr/bin/env bash
# Deploys one release to one region's cluster with a canary and automatic rollback
# (.github/workflows/deploy.yml runs it once per region; infrastructure/runbooks/deploy.md by hand).
#
#   infrastructure/ci-cd/deploy-region.sh --region us-west-2 --registry ACCOUNT.dkr.ecr.us-east-1.amazonaws.com \
#       --tag GIT_SHA [--context musicconnect-us-west-2] [--apps backend,websocket,frontend]
#
# 1. Preflight: the Deployments exist; the release's tag is not already running; with an ECR
#    registry, the images have reached this region's replica (`aws ecr describe-images`, waiting
#    up to REPLICATION_WAIT_S: replication is asynchronous after the push); a release whose
#    migrations do not run with the running release's binary (schema-compat.sh) needs
#    ALLOW_SCHEMA_CHANGE=true (see "Schema changes" in runbooks/deploy.md).
# 2. Canary: for each app a Deployment <name>-canary (one pod, label track=canary, the new image)
#    beside the stable one; the Service selects it by `app`, so it takes a share of real traffic.
#    It must become available, answer /health and /ready (through kubectl port-forward), not
#    restart, and keep its 5xx ratio (Prometheus, http_requests_total by pod) at or below
#    CANARY_MAX_ERROR_RATIO for CANARY_WINDOW_S. Any failure: the canaries are deleted, the stable
#    Deployments were never touched, exit 1.
# 3. Rollout: `kubectl set image` on the stable Deployments, `rollout status`, then the same
#    checks on the whole Deployment for VERIFY_WINDOW_S. Any failure: `kubectl rollout undo` of
#    every Deployment changed, wait for it, exit 1.
#
# Env: NAMESPACE (musicconnect), CANARY_WINDOW_S (300), VERIFY_WINDOW_S (180), POLL_S (30),
#      CANARY_MAX_ERROR_RATIO (0.01), PROMETHEUS_NAMESPACE (musicconnect-monitoring),
#      PROMETHEUS_SERVICE (prometheus-operated, the operator's Service), ALLOW_SCHEMA_CHANGE (false),
#      REPLICATION_WAIT_S (900: how long an ECR image may take to reach this region's replica).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

region="" registry="" tag="" context="" apps="backend,websocket,frontend"
while [ $# -gt 0 ]; do
  case "$1" in
    --region) region="${2:?}"; shift 2 ;;
    --registry) registry="${2:?}"; shift 2 ;;
    --tag) tag="${2:?}"; shift 2 ;;
    --context) context="${2:?}"; shift 2 ;;
    --apps) apps="${2:?}"; shift 2 ;;
    *) echo "deploy-region.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$region" in
  us-east-1|us-west-2|eu-west-1|ap-southeast-1) ;;
  *) echo "deploy-region.sh: --region must be one of us-east-1 us-west-2 eu-west-1 ap-southeast-1" >&2; exit 2 ;;
esac
[ -n "$registry" ] || { echo "deploy-region.sh: --registry is required (the ECR registry host)" >&2; exit 2; }
[[ "$tag" =~ ^[0-9a-f]{40}$ ]] || { echo "deploy-region.sh: --tag must be a full git sha (images are tagged by commit)" >&2; exit 2; }
[ -d "$root/infrastructure/kubernetes/overlays/$region" ] || { echo "deploy-region.sh: no overlay for $region" >&2; exit 2; }
context="${context:-musicconnect-$region}"
# The region pulls from its own replica of the ECR registry (Terraform replicates the repositories;
# the overlays name it, as set-registry.sh writes them): an ECR registry given for any region is
# used as this region's.
ecr=false
if [[ "$registry" =~ ^([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$ ]]; then
  registry="${BASH_REMATCH[1]}.dkr.ecr.$region.amazonaws.com"
  ecr=true
fi
ns="${NAMESPACE:-musicconnect}"
canary_window="${CANARY_WINDOW_S:-300}"
verify_window="${VERIFY_WINDOW_S:-180}"
poll="${POLL_S:-30}"
max_ratio="${CANARY_MAX_ERROR_RATIO:-0.01}"
prom_ns="${PROMETHEUS_NAMESPACE:-musicconnect-monitoring}"
prom_svc="${PROMETHEUS_SERVICE:-prometheus-operated}"
IFS=',' read -r -a app_list <<<"$apps"

k() { kubectl --context="$context" -n "$ns" "$@"; }
log() { printf '[deploy %s %s] %s\n' "$region" "$(date -u +%H:%M:%S)" "$*"; }
die() { log "FAILED: $*"; exit 1; }

# --- 1. preflight --------------------------------------------------------------------------------
for app in "${app_list[@]}"; do
  case "$app" in backend|websocket|frontend) ;; *) echo "deploy-region.sh: unknown app $app" >&2; exit 2 ;; esac
  k get deployment "musicconnect-$app" >/dev/null || die "Deployment musicconnect-$app is missing in $context/$ns (apply the overlay first: kubectl apply -k infrastructure/kubernetes/overlays/$region)"
done
running="$(k get deployment musicconnect-backend -o jsonpath='{.spec.template.spec.containers[?(@.name=="backend")].image}')"
running_tag="${running##*:}"
log "running ${running:-nothing}; deploying $tag"
if [ "$running_tag" = "$tag" ]; then log "release $tag already runs here; nothing to do"; exit 0; fi
if [ "${ALLOW_SCHEMA_CHANGE:-false}" != "true" ]; then
  # The canary's init container migrates the one global database, and the running release's pods in
  # every region keep serving on that schema — while the canary is judged, during the rollout, and
  # after a rollback — only if the new migrations run with the running binary (schema-compat.sh;
  # the server's /ready applies the same rule). A release that breaks that is deployed on purpose.
  if ! [[ "$running_tag" =~ ^[0-9a-f]{40}$ ]] || ! git -C "$root" cat-file -e "$running_tag^{commit}" 2>/dev/null; then
    die "the running tag '$running_tag' is not a commit of this repository, so migrations cannot be compared; re-run with ALLOW_SCHEMA_CHANGE=true after reading runbooks/deploy.md"
  fi
  if ! compat="$("$root/infrastructure/ci-cd/schema-compat.sh" "$running_tag" "$tag" "$root")"; then
    printf '%s\n' "$compat"
    die "the release's migrations do not run with the release running now; deploy it with ALLOW_SCHEMA_CHANGE=true as runbooks/deploy.md (\"Schema changes\") describes"
  fi
  [ -z "$compat" ] || printf '%s\n' "$compat"
fi

if [ "$ecr" = true ]; then
  command -v aws >/dev/null 2>&1 || die "the aws CLI is needed to check that the images reached $registry"
  replication_end=$(($(date +%s) + ${REPLICATION_WAIT_S:-900}))
  for app in "${app_list[@]}"; do
    until aws ecr describe-images --region "$region" --repository-name "musicconnect-$app" --image-ids "imageTag=$tag" >/dev/null 2>&1; do
      [ "$(date +%s)" -lt "$replication_end" ] || die "musicconnect-$app:$tag is not in $registry after ${REPLICATION_WAIT_S:-900} s (pushed to another region and not replicated yet?)"
      log "waiting for musicconnect-$app:$tag to replicate to $registry"
      sleep "$poll"
    done
  done
fi

# --- helpers ---------------------------------------------------------------------------------------
image_for() { echo "$registry/musicconnect-$1:$tag"; }

pf_pids=()
cleanup_pf() { for p in "${pf_pids[@]}"; do kill "$p" 2>/dev/null || true; done; pf_pids=(); }
trap cleanup_pf EXIT

port_forward() { # target local-port remote-port [namespace]: background port-forward, waits until it listens
  local target="$1" lport="$2" rport="$3" pns="${4:-$ns}" log_file
  log_file="$(mktemp)"
  kubectl --context="$context" -n "$pns" port-forward "$target" "$lport:$rport" >"$log_file" 2>&1 &
  pf_pids+=("$!")
  for _ in $(seq 50); do
    grep -q "Forwarding from" "$log_file" && { rm -f "$log_file"; return 0; }
    kill -0 "${pf_pids[-1]}" 2>/dev/null || break
    sleep 0.2
  done
  cat "$log_file" >&2; rm -f "$log_file"
  return 1
}

probe_pods() { # label-selector: /health and /ready of every pod, and no restarts
  local selector="$1" pods pod port=18080 restarts
  # pods on their way out (a finished rollout's old pods, deleted canaries) answer /ready with 503: skip them
  pods="$(k get pods -l "$selector" -o json | jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.name')"
  [ -n "$pods" ] || { log "no pods match $selector"; return 1; }
  for pod in $pods; do
    restarts="$(k get pod "$pod" -o jsonpath='{range .status.containerStatuses[*]}{.restartCount}{" "}{end}')"
    for r in $restarts; do [ "$r" -eq 0 ] || { log "$pod restarted ($restarts)"; return 1; }; done
    port_forward "pod/$pod" "$port" 8080 || { log "cannot port-forward to $pod"; return 1; }
    for path in /health /ready; do
      curl -fsS --max-time 5 "http://127.0.0.1:$port$path" >/dev/null || { log "$pod: GET $path failed"; cleanup_pf; return 1; }
    done
    cleanup_pf
    port=$((port + 1))
  done
}

prom_query() { # PromQL -> the scalar value, empty when there is no data
  curl -fsS --max-time 10 "http://127.0.0.1:19090/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}

watch_errors() { # pod-regex seconds: the 5xx ratio of those pods stays at or below max_ratio
  local pods="$1" seconds="$2" end ratio total
  port_forward "svc/$prom_svc" 19090 9090 "$prom_ns" || { log "cannot reach Prometheus ($prom_ns/$prom_svc)"; return 1; }
  end=$(($(date +%s) + seconds))
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep "$poll"
    total="$(prom_query "sum(rate(http_requests_total{namespace=\"$ns\",pod=~\"$pods\"}[2m]))")"
    ratio="$(prom_query "sum(rate(http_requests_total{namespace=\"$ns\",pod=~\"$pods\",status=~\"5..\"}[2m])) / sum(rate(http_requests_total{namespace=\"$ns\",pod=~\"$pods\"}[2m]))")"
    log "pods $pods: ${total:-0} req/s, 5xx ratio ${ratio:-0}"
    if [ -n "$ratio" ] && awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
      log "5xx ratio $ratio is above $max_ratio"; cleanup_pf; return 1
    fi
  done
  cleanup_pf
}

# --- 2. canary -------------------------------------------------------------------------------------
delete_canaries() { for app in "${app_list[@]}"; do k delete deployment "musicconnect-$app-canary" --ignore-not-found --wait=false >/dev/null; done; }
canary_failed() { log "canary failed: $*"; delete_canaries; die "canary of $tag rejected; the stable release is untouched"; }

for app in "${app_list[@]}"; do
  log "canary musicconnect-$app-canary with $(image_for "$app")"
  k get deployment "musicconnect-$app" -o json | jq --arg image "$(image_for "$app")" --arg repo "$registry/musicconnect-$app" '
    def retag: if (.image | split(":")[0]) == $repo or (.image | split(":")[0] | endswith("/" + ($repo | split("/")[-1]))) then .image = $image else . end;
    {apiVersion, kind,
     metadata: {name: (.metadata.name + "-canary"), namespace: .metadata.namespace,
                labels: ((.metadata.labels // {}) + {track: "canary"})},
     spec: (.spec
       | .replicas = 1
       | .selector.matchLabels.track = "canary"
       | .template.metadata.labels.track = "canary"
       | .template.spec.containers |= map(retag)
       | if .template.spec.initContainers then .template.spec.initContainers |= map(retag) else . end)}' |
    k apply -f - >/dev/null || canary_failed "could not create musicconnect-$app-canary"
done
for app in "${app_list[@]}"; do
  k rollout status "deployment/musicconnect-$app-canary" --timeout=10m || canary_failed "musicconnect-$app-canary did not become available"
  probe_pods "app=musicconnect-$app,track=canary" || canary_failed "musicconnect-$app-canary failed its health checks"
done
served=()
for app in "${app_list[@]}"; do [ "$app" = frontend ] || served+=("musicconnect-$app-canary-.*"); done
if [ ${#served[@]} -gt 0 ]; then
  regex="$(IFS='|'; echo "${served[*]}")"
  watch_errors "$regex" "$canary_window" || canary_failed "error rate"
fi
for app in "${app_list[@]}"; do
  probe_pods "app=musicconnect-$app,track=canary" || canary_failed "musicconnect-$app-canary failed its health checks after the window"
done
log "canary healthy for ${canary_window}s"

# --- 3. rollout ------------------------------------------------------------------------------------
changed_apps=()
rollback() {
  log "rolling back: $*"
  for app in "${changed_apps[@]}"; do k rollout undo "deployment/musicconnect-$app" || true; done
  for app in "${changed_apps[@]}"; do k rollout status "deployment/musicconnect-$app" --timeout=10m || log "musicconnect-$app did not settle after the undo: page the on-call (runbooks/incident-response.md)"; done
  delete_canaries
  die "release $tag rolled back in $region"
}
for app in "${app_list[@]}"; do
  # every container of the app runs the app's image (backend: migrate, backend, redis-tls)
  sets=()
  while read -r c; do [ -n "$c" ] && sets+=("$c=$(image_for "$app")"); done < <(
    k get deployment "musicconnect-$app" -o json | jq -r --arg n "musicconnect-$app" '.spec.template.spec | ((.initContainers // []) + .containers)[] | select(.image | test("/" + $n + "(:|@|$)")) | .name')
  [ ${#sets[@]} -gt 0 ] || rollback "no container of musicconnect-$app runs musicconnect-$app"
  changed_apps+=("$app")
  k set image "deployment/musicconnect-$app" "${sets[@]}" >/dev/null || rollback "set image on musicconnect-$app"
  k annotate "deployment/musicconnect-$app" --overwrite "kubernetes.io/change-cause=deploy $tag" >/dev/null || true
done
delete_canaries
for app in "${changed_apps[@]}"; do
  k rollout status "deployment/musicconnect-$app" --timeout=15m || rollback "musicconnect-$app did not roll out"
done
for app in "${changed_apps[@]}"; do
  probe_pods "app=musicconnect-$app,track!=canary" || rollback "musicconnect-$app failed its health checks"
done
stable=()
for app in "${changed_apps[@]}"; do [ "$app" = frontend ] || stable+=("musicconnect-$app-[a-z0-9]+-[a-z0-9]+"); done
if [ ${#stable[@]} -gt 0 ]; then
  regex="$(IFS='|'; echo "${stable[*]}")"
  watch_errors "$regex" "$verify_window" || rollback "error rate after the rollout"
fi
log "release $tag deployed in $region"
