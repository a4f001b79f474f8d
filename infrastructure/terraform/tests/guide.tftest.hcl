# terraform test with mock providers: plans and "applies" the root module against fake AWS APIs,
# checking what the guide relies on. Run: terraform init -backend=false && terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "us_west_2"
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "eu_west_1"
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "ap_southeast_1"
  source = "./tests/mocks"
}

# The guide's terraform.tfvars, plus the media signing key of terraform.tfvars.example.
# The Lambda@Edge zips must exist (the guide's `zip` step; scripts/check-infra.sh runs it first).
variables {
  project_name         = "musicconnect"
  environment          = "production"
  domain_name          = "musicconnect.com"
  aws_regions          = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
  media_public_key_pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n"
}

# The console certificate's validation records, one per name, as ACM answers them.
override_resource {
  target = module.region_us_east_1.aws_acm_certificate.console
  values = {
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/console"
    domain_validation_options = [for h in ["grafana", "prometheus", "thanos"] : {
      domain_name           = "${h}.musicconnect.com"
      resource_record_name  = "_${h}.musicconnect.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_${h}.acm-validations.aws."
    }]
  }
}

run "guide_four_regions" {
  command = apply

  assert {
    condition     = output.rds_endpoints.writer == module.aurora_global.global_cluster_endpoint
    error_message = "rds_endpoints.writer must be the global writer endpoint (guide: jq -r '.writer')."
  }
  assert {
    condition     = toset(keys(output.rds_endpoints.readers)) == toset(var.aws_regions)
    error_message = "Every region must have a reader endpoint."
  }
  assert {
    condition     = output.cloudfront_distribution_id != ""
    error_message = "cloudfront_distribution_id is the guide's invalidation target."
  }
  assert {
    condition     = output.eks_clusters == { for r in var.aws_regions : r => "musicconnect-${r}-eks" }
    error_message = "The guide's `aws eks update-kubeconfig --name musicconnect-<region>-eks` must name the clusters."
  }
  assert {
    condition     = length(aws_s3_bucket_replication_configuration.media[0].rule) == 3
    error_message = "The primary media bucket replicates to the three other regions."
  }
  assert {
    condition     = length(aws_secretsmanager_secret.app.replica) == 3
    error_message = "The app secret is replicated to every other region."
  }
  assert {
    condition     = alltrue([for r in var.aws_regions : toset(keys(output.add_on_roles[r])) == toset(["external-secrets", "cert-manager"])])
    error_message = "Every region's cluster needs IRSA roles for external-secrets (the app secret) and cert-manager (DNS-01)."
  }
  assert {
    condition     = alltrue([for r in var.aws_regions : contains(output.monitoring_hosts[r], "prometheus-${r}.origin.musicconnect.com")])
    error_message = "Every region's Prometheus needs its own name under the origin wildcard (one name for four clusters reaches one)."
  }
  assert {
    condition = toset(flatten([for r in var.aws_regions : [for h in output.monitoring_hosts[r] : h if !endswith(h, ".origin.musicconnect.com")]])) == toset([
      "grafana.musicconnect.com", "prometheus.musicconnect.com", "thanos.musicconnect.com",
    ])
    error_message = "The guide's Grafana, Prometheus and Thanos Query addresses must each be answered by exactly one region."
  }
  assert {
    condition     = toset(output.thanos_stores) == toset([for r in ["us-west-2", "eu-west-1", "ap-southeast-1"] : "thanos-sidecar.${r}.musicconnect.internal:10901"])
    error_message = "Thanos Query in us-east-1 must reach every other region's sidecar at the address thanos-values.yaml names."
  }
  assert {
    condition     = length(module.peering_us_west_2) == 1 && length(module.peering_eu_west_1) == 1 && length(module.peering_ap_southeast_1) == 1
    error_message = "Each other region's VPC is peered with us-east-1's (the sidecars' NLBs are internal)."
  }
  assert {
    condition     = toset(output.monitoring_hosts["us-east-1"]) == toset(["prometheus-us-east-1.origin.musicconnect.com", "grafana.musicconnect.com", "prometheus.musicconnect.com", "thanos.musicconnect.com"])
    error_message = "us-east-1 answers the consoles (Grafana and Thanos Query run there)."
  }
  assert {
    condition     = aws_secretsmanager_secret.app.name == "musicconnect/production/app"
    error_message = "The ExternalSecret reads musicconnect/production/app."
  }
  assert {
    condition = (length(module.ci_access_us_west_2) == 1 && length(module.ci_access_eu_west_1) == 1 &&
    length(module.ci_access_ap_southeast_1) == 1 && output.ci_deploy_role_arn == aws_iam_role.ci_deploy.arn)
    error_message = "The release role (AWS_DEPLOY_ROLE_ARN) must reach every region's cluster."
  }
}

run "primary_only" {
  command = apply
  variables {
    aws_regions = ["us-east-1"]
  }
  assert {
    condition     = keys(output.rds_endpoints.readers) == ["us-east-1"]
    error_message = "With one region there are no secondary clusters."
  }
  assert {
    condition     = length(aws_s3_bucket_replication_configuration.media) == 0
    error_message = "With one region nothing is replicated."
  }
  assert {
    condition     = length(module.ci_access_us_west_2) == 0 && length(module.ci_access_ap_southeast_1) == 0
    error_message = "With one region the release role gets no access entries elsewhere."
  }
  assert {
    condition     = output.thanos_stores == [] && length(module.peering_us_west_2) == 0
    error_message = "With one region there is no sidecar to reach and nothing to peer."
  }
}

run "primary_region_is_required" {
  command = plan
  variables {
    aws_regions = ["us-west-2", "eu-west-1"]
  }
  expect_failures = [var.aws_regions]
}

run "old_kubernetes_is_refused" {
  command = plan
  variables {
    eks_version = "1.27"
  }
  expect_failures = [var.eks_version]
}
