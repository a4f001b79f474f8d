# IAM roles for the two cluster add-ons that call AWS (docs/infrastructure.md, "Install order on a
# fresh cluster"): external-secrets reads the app secret's replica in this region, cert-manager
# answers DNS-01 challenges in the public zone. Each role trusts only its add-on's service account
# (the Helm charts' default names), through this cluster's OIDC provider; the role ARNs are the
# root output `add_on_roles`, set on the service accounts at `helm install`.
locals {
  oidc_issuer = replace(aws_iam_openid_connect_provider.eks.url, "https://", "")
  add_on_service_accounts = {
    external-secrets = "system:serviceaccount:external-secrets:external-secrets"
    cert-manager     = "system:serviceaccount:cert-manager:cert-manager"
  }
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "add_on_assume" {
  for_each = local.add_on_service_accounts
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = [each.value]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "add_on" {
  for_each           = local.add_on_service_accounts
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.add_on_assume[each.key].json
  tags               = var.tags
}

# Read-only, and only the app secret in this region (Secrets Manager appends six characters to a
# secret's name in its ARN).
data "aws_iam_policy_document" "external_secrets" {
  statement {
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      "arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${var.app_secret_name}-*",
    ]
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-app-secret"
  role   = aws_iam_role.add_on["external-secrets"].id
  policy = data.aws_iam_policy_document.external_secrets.json
}

# The DNS-01 challenge records of the public zone, and nothing else (cert-manager's documented
# Route 53 permissions, narrowed to one zone and to TXT records).
data "aws_iam_policy_document" "cert_manager" {
  statement {
    actions   = ["route53:GetChange"]
    resources = ["arn:${data.aws_partition.current.partition}:route53:::change/*"]
  }
  statement {
    actions   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    resources = ["arn:${data.aws_partition.current.partition}:route53:::hostedzone/${var.zone_id}"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["TXT"]
    }
  }
  statement {
    actions   = ["route53:ListHostedZonesByName"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "cert_manager" {
  name   = "dns01-challenges"
  role   = aws_iam_role.add_on["cert-manager"].id
  policy = data.aws_iam_policy_document.cert_manager.json
}
