# The release pipeline's AWS identity (.github/workflows/deploy.yml; docs/infrastructure.md, "CI/CD"):
# GitHub Actions exchanges its OIDC token for this role, so no AWS key is stored in GitHub. Set the
# output ci_deploy_role_arn as the repository variable AWS_DEPLOY_ROLE_ARN.
resource "aws_iam_openid_connect_provider" "github" {
  provider       = aws.us_east_1
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = local.tags
}

data "aws_iam_policy_document" "ci_deploy_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    # main (image builds) and the per-region environments (deploys); never pull requests
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values = [
        "repo:${var.github_repository}:ref:refs/heads/main",
        "repo:${var.github_repository}:environment:production-*",
      ]
    }
  }
}

resource "aws_iam_role" "ci_deploy" {
  provider             = aws.us_east_1
  name                 = "${local.name}-github-deploy"
  assume_role_policy   = data.aws_iam_policy_document.ci_deploy_trust.json
  max_session_duration = 7200
  tags                 = local.tags
}

data "aws_iam_policy_document" "ci_deploy" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "EcrPushPull"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
      "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
      "ecr:PutImage", "ecr:UploadLayerPart",
    ]
    resources = [for r in aws_ecr_repository.image : r.arn]
  }
  # deploy-region.sh waits until a pushed release has reached each region's replica.
  statement {
    sid       = "EcrReplicas"
    actions   = ["ecr:DescribeImages"]
    resources = [for r in aws_ecr_repository.image : "arn:aws:ecr:*:${data.aws_caller_identity.current.account_id}:repository/${r.name}"]
  }
  statement {
    sid       = "EksKubeconfig"
    actions   = ["eks:DescribeCluster"]
    resources = ["arn:aws:eks:*:${data.aws_caller_identity.current.account_id}:cluster/${var.project_name}-*-eks"]
  }
}

resource "aws_iam_role_policy" "ci_deploy" {
  provider = aws.us_east_1
  name     = "release"
  role     = aws_iam_role.ci_deploy.id
  policy   = data.aws_iam_policy_document.ci_deploy.json
}

# Kubernetes rights: edit in the application's namespace, and in the monitoring namespace for the
# port-forward to Prometheus that judges the canary.
locals {
  ci_namespaces = ["musicconnect", "musicconnect-monitoring"]
}

module "ci_access_us_east_1" {
  source        = "./modules/cluster_access"
  providers     = { aws = aws.us_east_1 }
  cluster_name  = module.region_us_east_1.eks_cluster_name
  principal_arn = aws_iam_role.ci_deploy.arn
  namespaces    = local.ci_namespaces
}

module "ci_access_us_west_2" {
  source        = "./modules/cluster_access"
  count         = lookup(local.on, "us-west-2", false) ? 1 : 0
  providers     = { aws = aws.us_west_2 }
  cluster_name  = module.region_us_west_2[0].eks_cluster_name
  principal_arn = aws_iam_role.ci_deploy.arn
  namespaces    = local.ci_namespaces
}

module "ci_access_eu_west_1" {
  source        = "./modules/cluster_access"
  count         = lookup(local.on, "eu-west-1", false) ? 1 : 0
  providers     = { aws = aws.eu_west_1 }
  cluster_name  = module.region_eu_west_1[0].eks_cluster_name
  principal_arn = aws_iam_role.ci_deploy.arn
  namespaces    = local.ci_namespaces
}

module "ci_access_ap_southeast_1" {
  source        = "./modules/cluster_access"
  count         = lookup(local.on, "ap-southeast-1", false) ? 1 : 0
  providers     = { aws = aws.ap_southeast_1 }
  cluster_name  = module.region_ap_southeast_1[0].eks_cluster_name
  principal_arn = aws_iam_role.ci_deploy.arn
  namespaces    = local.ci_namespaces
}
