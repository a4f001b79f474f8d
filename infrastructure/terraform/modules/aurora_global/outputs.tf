output "endpoints" {
  description = "writer: the global writer endpoint (follows the primary); readers: region => reader endpoint."
  value = {
    writer         = aws_rds_global_cluster.this.endpoint
    primary_writer = aws_rds_cluster.primary.endpoint
    readers        = merge({ "us-east-1" = aws_rds_cluster.primary.reader_endpoint }, { for r, m in local.readers : r => m.reader_endpoint })
  }
}

output "global_cluster_id" {
  value = aws_rds_global_cluster.this.id
}

output "master_secret_arn" {
  value = aws_secretsmanager_secret.master.arn
}

output "global_cluster_endpoint" {
  description = "The global writer endpoint, which Aurora moves to the new primary on switchover and failover."
  value       = aws_rds_global_cluster.this.endpoint
}
