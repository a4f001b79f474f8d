# The guide reads rds_endpoints (`jq -r '.writer'`) and cloudfront_distribution_id.
output "rds_endpoints" {
  description = "writer: the Aurora global writer endpoint; primary_writer: the us-east-1 cluster's; readers: region => reader endpoint."
  value       = module.aurora_global.endpoints
}

output "cloudfront_distribution_id" {
  description = "For `aws cloudfront create-invalidation --distribution-id`."
  value       = module.cloudfront.distribution_id
}

output "eks_clusters" {
  description = "region => EKS cluster name (`aws eks update-kubeconfig --name`)."
  value       = { for r, m in local.regions : r => m.eks_cluster_name }
}

output "media_bucket" {
  description = "The bucket the servers write (S3_BUCKET); the other regions' buckets replicate it."
  value       = module.region_us_east_1.media_bucket.id
}

output "ecr_repositories" {
  description = "image => repository URL in us-east-1 (replicated to every region)."
  value       = { for k, r in aws_ecr_repository.image : k => r.repository_url }
}

output "app_secret_name" {
  description = "The Secrets Manager secret the ExternalSecret reads (replicated to every region)."
  value       = aws_secretsmanager_secret.app.name
}

output "ci_deploy_role_arn" {
  description = "the role the release workflows assume through GitHub OIDC: set it as the repository variable AWS_DEPLOY_ROLE_ARN"
  value       = aws_iam_role.ci_deploy.arn
}

output "add_on_roles" {
  description = "region => IAM role ARNs for the add-ons' service accounts: external-secrets (the app secret) and cert-manager (DNS-01 in the public zone); set at helm install (docs/infrastructure.md)."
  value       = { for r, m in local.regions : r => m.add_on_roles }
}

output "monitoring_hosts" {
  description = "region => the monitoring names its ALB answers (infrastructure/monitoring: Prometheus per region; Grafana, Prometheus and Thanos Query of the guide in us-east-1)."
  value       = { for r, m in local.regions : r => m.monitoring_hosts }
}

output "thanos_stores" {
  description = "The other regions' Prometheus sidecars as Thanos Query in us-east-1 reads them (infrastructure/monitoring/thanos-values.yaml, query.stores)."
  value       = [for r, m in local.regions : m.thanos_store if m.thanos_store != null]
}
