output "vpc_id" {
  value = aws_vpc.this.id
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}

output "node_security_group_id" {
  description = "The EKS cluster security group, which the nodes use."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "eks_cluster_name" {
  value = aws_eks_cluster.this.name
}

output "eks_oidc_provider_arn" {
  value = aws_iam_openid_connect_provider.eks.arn
}

output "alb_dns_name" {
  value = aws_lb.this.dns_name
}

output "alb_zone_id" {
  value = aws_lb.this.zone_id
}

output "redis_primary_endpoint" {
  value = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_auth_secret_arn" {
  value = aws_secretsmanager_secret.redis.arn
}

output "media_bucket" {
  value = { id = aws_s3_bucket.media.id, arn = aws_s3_bucket.media.arn }
}

output "add_on_roles" {
  description = "IAM role ARNs of the add-ons' service accounts (IRSA): external-secrets, cert-manager."
  value       = { for k, r in aws_iam_role.add_on : k => r.arn }
}

output "monitoring_hosts" {
  description = "The monitoring names this region's ALB answers: its own Prometheus, and the consoles given to it."
  value       = [for n in local.monitoring_names : aws_route53_record.monitoring[n].name]
}

output "vpc_cidr" {
  value = aws_vpc.this.cidr_block
}

output "thanos_store" {
  description = "The address Thanos Query reads this region's sidecar at (null where Thanos Query runs)."
  value       = local.thanos_sidecar == 1 ? "${aws_route53_record.thanos_sidecar[0].name}:10901" : null
}
