output "region" {
  value = var.region
}

output "reader_endpoint" {
  value = aws_rds_cluster.this.reader_endpoint
}

output "backup_vault_arn" {
  value = aws_backup_vault.this.arn
}
