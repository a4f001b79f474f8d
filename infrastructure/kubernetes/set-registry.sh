#!/usr/bin/env bash
# Points every overlay's images at the deployment's ECR registry (and optionally a tag): the overlays
# ship with AWS's documentation account 123456789012 as a placeholder (docs/infrastructure.md,
# "Images and the registry"). Run once per installation and commit the result, so `kubectl apply -k`
# and Argo CD deploy the same images.
#
#   infrastructure/kubernetes/set-registry.sh ACCOUNT.dkr.ecr.us-east-1.amazonaws.com [--tag TAG] [--dir OVERLAYS]
#
# An ECR registry (the guide's $ECR_REGISTRY, ACCOUNT.dkr.ecr.us-east-1.amazonaws.com) is written as
# each overlay's own region's replica, ACCOUNT.dkr.ecr.<region>.amazonaws.com (Terraform replicates
# the repositories to every region); any other registry is written as given.
# Uses `kustomize edit set image` when kustomize is on the PATH; otherwise rewrites the `images:`
# entries (newName/newTag of musicconnect-backend, -websocket, -frontend) the same way.
set -euo pipefail
registry="" tag="" dir="$(cd "$(dirname "$0")" && pwd)/overlays"
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="${2:?}"; shift 2 ;;
    --dir) dir="${2:?}"; shift 2 ;;
    -*) echo "set-registry.sh: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$registry" ] || { echo "set-registry.sh: one registry only" >&2; exit 2; }; registry="$1"; shift ;;
  esac
done
# a registry host (with an optional port and path), no scheme, no trailing slash, no image name
[[ "$registry" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$ && "$registry" == *.* ]] ||
  { echo "set-registry.sh: expected a registry host such as 210987654321.dkr.ecr.us-east-1.amazonaws.com, got '$registry'" >&2; exit 2; }
[ "${registry%%.*}" != 123456789012 ] || { echo "set-registry.sh: 123456789012 is the placeholder account" >&2; exit 2; }
[ -z "$tag" ] || [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "set-registry.sh: invalid tag '$tag'" >&2; exit 2; }

apps=(backend websocket frontend)
changed=0
for k in "$dir"/*/kustomization.yaml; do
  [ -f "$k" ] || continue
  overlay="$(dirname "$k")"
  target="$registry"
  if [[ "$registry" =~ ^([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$ ]]; then
    target="${BASH_REMATCH[1]}.dkr.ecr.$(basename "$overlay").amazonaws.com"
  fi
  if command -v kustomize >/dev/null 2>&1; then
    for app in "${apps[@]}"; do
      current="$(sed -n "/^  - name: musicconnect-$app\$/,/^  - /s/^    newTag: *//p" "$k" | head -1)"
      (cd "$overlay" && kustomize edit set image "musicconnect-$app=$target/musicconnect-$app:${tag:-${current:-latest}}")
    done
  else
    for app in "${apps[@]}"; do
      grep -q "^  - name: musicconnect-$app\$" "$k" || { echo "set-registry.sh: $k has no images entry for musicconnect-$app" >&2; exit 1; }
    done
    sed -i -E "s#^(    newName: ).*/(musicconnect-(backend|websocket|frontend))\$#\\1$target/\\2#" "$k"
    [ -z "$tag" ] || sed -i -E "/^  - name: musicconnect-(backend|websocket|frontend)\$/,/newTag:/s#^(    newTag: ).*\$#\\1$tag#" "$k"
  fi
  changed=$((changed + 1))
  echo "$(basename "$overlay"): images from $target${tag:+ tagged $tag}"
done
[ "$changed" -gt 0 ] || { echo "set-registry.sh: no overlays under $dir" >&2; exit 1; }
